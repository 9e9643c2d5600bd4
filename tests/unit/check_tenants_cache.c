/* check_tenants_cache.c - each worker's cache of the tenants table (with
 * STRATA_TEST_DATABASE_URL): a full set gives up its least recently used
 * tenant, an unknown slug never pushes out a known tenant, and one
 * tenant's change (tenants_cache_forget, a "tenant:<id>" notification)
 * drops that tenant alone.  A cached tenant is told from a fresh read by
 * its name, changed in the database behind the cache's back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/cacheset.h"
#include "core/fnv.h"
#include "core/request.h"
#include "core/uuid.h"
#include "data/db.h"
#include "data/tenants.h"

#define SETS 4096 /* tenants.c: CACHE_SETS */
#define WAYS CACHESET_WAYS
/* A set's worth of tenants and one more, and a slug nobody has. */
#define N (WAYS + 2)

static struct arena *a;
static struct db db;
static char slugs[N][40];
static struct uuid ids[N];

static const char *
url(void)
{
	return getenv("STRATA_TEST_DATABASE_URL");
}

static void
setup(void)
{
	a = arena_new(64 * 1024, 64UL * 1024 * 1024);
}

static void
teardown(void)
{
	db_close(&db);
	tenants_cache_clear();
	arena_free(a);
}

/* N fresh slugs whose cache set is the same. */
static void
colliding_slugs(void)
{
	char run[UUID_STR_LEN + 1];
	struct uuid u;
	unsigned want = 0;
	int n = 0;

	uuid_v7(&u);
	uuid_format(&u, run);
	for (unsigned i = 0; n < N; i++) {
		char s[40];
		unsigned set;

		snprintf(s, sizeof(s), "tc-%.8s-%u", run + 24, i);
		set = fnv_32_str(FNV_32_INIT, s) & (SETS - 1);
		if (n == 0)
			want = set;
		if (set == want)
			snprintf(slugs[n++], sizeof(slugs[0]), "%s", s);
	}
}

static void
sql(const char *text, int n, const char *const *p)
{
	db_queue_text(&db, text, n, p);
	ck_assert_int_eq(db_sync(&db), DB_OK);
}

static void
make_tenants(int n)
{
	for (int i = 0; i < n; i++) {
		char id[UUID_STR_LEN + 1];
		const char *p[3] = {id, slugs[i], "before"};

		uuid_v7(&ids[i]);
		uuid_format(&ids[i], id);
		sql("INSERT INTO strata.tenants (id, slug, name) VALUES ($1, "
		    "$2, $3)",
		    3, p);
	}
}

static void
rename_all(void)
{
	for (int i = 0; i < N - 1; i++) {
		char id[UUID_STR_LEN + 1];
		const char *p[1] = {id};

		uuid_format(&ids[i], id);
		sql("UPDATE strata.tenants SET name = 'after' WHERE id = $1", 1,
		    p);
	}
}

/* The name this worker answers for slug i. */
static const char *
name_of(int i)
{
	struct tenant *t = NULL;

	ck_assert_int_eq(tenants_resolve(&db, a, slugs[i], &t), TENANT_FOUND);
	return t->name;
}

START_TEST(lru_within_a_set_and_unknown_slugs_never_evict)
{
	struct tenant *t = NULL;

	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	colliding_slugs();
	make_tenants(N - 1);
	for (int i = 0; i < WAYS; i++)
		ck_assert_str_eq(name_of(i), "before");
	rename_all();
	/* The set is full of known tenants: the unknown slug is answered,
	 * and not remembered at their expense. */
	ck_assert_int_eq(tenants_resolve(&db, a, slugs[N - 1], &t),
	                 TENANT_NOT_FOUND);
	for (int i = 0; i < WAYS; i++)
		ck_assert_str_eq(name_of(i), "before");
	/* One known tenant more takes the least recently used slot (0). */
	ck_assert_str_eq(name_of(WAYS), "after");
	for (int i = 1; i < WAYS; i++)
		ck_assert_str_eq(name_of(i), "before");
	ck_assert_str_eq(name_of(0), "after");
}
END_TEST

START_TEST(one_tenant_forgotten_alone)
{
	char id[UUID_STR_LEN + 1], payload[64];

	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	colliding_slugs();
	make_tenants(4);
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(name_of(i), "before");
	rename_all();
	tenants_cache_forget(&ids[1]);
	uuid_format(&ids[2], id);
	snprintf(payload, sizeof(payload), "tenant:%s", id);
	tenants_notify(payload);
	ck_assert_str_eq(name_of(0), "before");
	ck_assert_str_eq(name_of(1), "after");
	ck_assert_str_eq(name_of(2), "after");
	ck_assert_str_eq(name_of(3), "before");
	/* A malformed payload drops nothing; "tenants" drops all. */
	tenants_notify("tenant:not-a-uuid");
	ck_assert_str_eq(name_of(0), "before");
	tenants_notify("tenants");
	ck_assert_str_eq(name_of(0), "after");
	ck_assert_str_eq(name_of(3), "after");
}
END_TEST

static Suite *
tenants_cache_suite(void)
{
	Suite *s = suite_create("tenants_cache");
	TCase *t = tcase_create("cache");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, lru_within_a_set_and_unknown_slugs_never_evict);
	tcase_add_test(t, one_tenant_forgotten_alone);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(tenants_cache_suite)

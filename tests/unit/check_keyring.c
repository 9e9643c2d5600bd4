/* check_keyring.c - the per-worker keyring: lookups by id and purpose over
 * many keys, expiry, and (with STRATA_TEST_DATABASE_URL) loading every live
 * key after far more rotations than the old fixed limit, expired signing
 * keys left out, a tampered key refusing the whole ring, and the lifetime
 * given to a retired signing key. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/request.h"
#include "data/db.h"
#include "data/keyring.h"
#include "sec/masterkey.h"

enum { HAND = 200 };

static struct arena *a;
static struct db db;
static struct keyring_key hand_keys[HAND];
static struct keyring hand;

/* HAND keys, sorted by id, purposes in turn; the last three current. */
static void
setup(void)
{
	a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	memset(&hand, 0, sizeof(hand));
	for (int i = 0; i < HAND; i++) {
		struct keyring_key *k = &hand_keys[i];

		memset(k, 0, sizeof(*k));
		k->id.b[0] = (unsigned char)(i >> 8);
		k->id.b[1] = (unsigned char)i;
		k->purpose = (enum key_purpose)(i % 3);
		k->current = i >= HAND - 3;
		k->key[0] = (unsigned char)i;
	}
	hand.n = HAND;
	hand.keys = hand_keys;
	for (int i = HAND - 3; i < HAND; i++)
		hand.current[hand_keys[i].purpose] = i;
}

static void
teardown(void)
{
	db_close(&db);
	keyring_clear();
	keyring_collect();
	arena_free(a);
}

START_TEST(find_by_id_among_many)
{
	for (int i = 0; i < HAND; i++) {
		const struct keyring_key *k =
		    keyring_find(&hand, hand_keys[i].purpose, &hand_keys[i].id);

		ck_assert_ptr_eq(k, &hand_keys[i]);
	}
}
END_TEST

START_TEST(find_current)
{
	for (int p = 0; p < 3; p++) {
		const struct keyring_key *k =
		    keyring_find(&hand, (enum key_purpose)p, NULL);

		ck_assert_ptr_nonnull(k);
		ck_assert(k->current);
		ck_assert_int_eq(k->purpose, p);
	}
}
END_TEST

START_TEST(wrong_purpose_unknown_id_or_no_ring_is_null)
{
	struct uuid unknown;

	memset(&unknown, 0xee, sizeof(unknown));
	ck_assert_ptr_null(keyring_find(&hand, KEY_DATA, &hand_keys[0].id));
	ck_assert_ptr_null(keyring_find(&hand, KEY_INDEX, &hand_keys[0].id));
	ck_assert_ptr_null(keyring_find(&hand, KEY_SIGNING, &unknown));
	ck_assert_ptr_null(keyring_find(NULL, KEY_SIGNING, NULL));
	ck_assert_ptr_null(keyring_find(NULL, KEY_DATA, &hand_keys[1].id));
}
END_TEST

START_TEST(no_current_key_is_null)
{
	hand.current[KEY_DATA] = -1;
	ck_assert_ptr_null(keyring_find(&hand, KEY_DATA, NULL));
	ck_assert_ptr_nonnull(keyring_find(&hand, KEY_SIGNING, NULL));
}
END_TEST

START_TEST(expired_keys_are_not_found)
{
	long now = clock_real_s();

	hand_keys[0].expires_s = now - 1; /* past */
	hand_keys[3].expires_s = now + 3600;
	ck_assert_ptr_null(keyring_find(&hand, KEY_SIGNING, &hand_keys[0].id));
	ck_assert_ptr_eq(keyring_find(&hand, KEY_SIGNING, &hand_keys[3].id),
	                 &hand_keys[3]);
	hand_keys[hand.current[KEY_SIGNING]].expires_s = now - 1;
	ck_assert_ptr_null(keyring_find(&hand, KEY_SIGNING, NULL));
}
END_TEST

START_TEST(empty_ring_finds_nothing)
{
	struct keyring empty = {.n = 0, .current = {-1, -1, -1}};

	ck_assert_ptr_null(keyring_find(&empty, KEY_DATA, NULL));
	ck_assert_ptr_null(keyring_find(&empty, KEY_DATA, &hand_keys[1].id));
}
END_TEST

/* --- with a database ---------------------------------------------------- */

static const char *
url(void)
{
	return getenv("STRATA_TEST_DATABASE_URL");
}

static struct tenant t;
static bool connected; /* each test runs in a process of its own */

/* A fresh tenant of its own (the test stack's database is shared). */
static void
make_tenant(void)
{
	const char *p[3];
	char slug[40];
	struct uuid u;

	uuid_v7(&u);
	memset(&t, 0, sizeof(t));
	t.id = u;
	uuid_format(&u, t.id_str);
	snprintf(slug, sizeof(slug), "kr-%.8s%.4s", t.id_str + 24,
	         t.id_str + 9);
	snprintf(t.slug, sizeof(t.slug), "%s", slug);
	p[0] = t.id_str;
	p[1] = slug;
	p[2] = "keyring unit test";
	if (!connected) {
		db_init(&db, url());
		connected = true;
	}
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	db_queue_text(&db,
	              "INSERT INTO strata.tenants (id, slug, name) VALUES ($1, "
	              "$2, $3)",
	              3, p);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	db_begin(&db, &t.id);
	db_queue_text(&db,
	              "INSERT INTO strata.tenant_versions (tenant_id) VALUES "
	              "($1)",
	              1, p);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
}

static void
rotate(struct uuid ids[3])
{
	db_begin(&db, &t.id);
	ck_assert_int_ge(keyring_queue_rotate(&db, &t.id, ids), 0);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
}

static void
sql(const char *text)
{
	const char *p[1] = {t.id_str};

	db_begin(&db, &t.id);
	db_queue_text(&db, text, 1, p);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
}

static void
master(void)
{
	unsigned char mk[CRYPTO_KEY_LEN] = {42, 7, 9};

	masterkey_set(mk);
	cfg.access_ttl = 900;
}

START_TEST(every_live_key_loads_after_150_rotations)
{
	enum { R = 150 };
	static struct uuid ids[R + 1][3];
	const struct keyring *k;

	if (url() == NULL)
		return;
	master();
	make_tenant();
	for (int i = 0; i <= R; i++)
		rotate(ids[i]);
	k = keyring_for(&db, &t, false);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->n, 3 * (R + 1));
	for (int i = 0; i <= R; i++)
		for (int p = 0; p < 3; p++) {
			const struct keyring_key *key =
			    keyring_find(k, (enum key_purpose)p, &ids[i][p]);

			ck_assert_ptr_nonnull(key);
			ck_assert(key->current == (i == R));
		}
	for (int p = 0; p < 3; p++)
		ck_assert(
		    uuid_equal(&keyring_find(k, (enum key_purpose)p, NULL)->id,
		               &ids[R][p]));
	/* A second rotation elsewhere: the version differs, the ring reloads
	 * and has the new keys. */
	rotate(ids[0]);
	keyring_check_version(&t.id, k->version + 1);
	k = keyring_for(&db, &t, false);
	ck_assert_int_eq(k->n, 3 * (R + 2));
	ck_assert(uuid_equal(&keyring_find(k, KEY_DATA, NULL)->id, &ids[0][1]));
}
END_TEST

START_TEST(retired_signing_key_expires_after_the_token_lifetime)
{
	struct uuid ids[3];
	const struct keyring *k;
	const struct keyring_key *old;
	long now;

	if (url() == NULL)
		return;
	master();
	make_tenant();
	rotate(ids);
	rotate(ids);
	now = clock_real_s();
	k = keyring_for(&db, &t, false);
	ck_assert_int_eq(k->n, 6);
	for (int i = 0; i < k->n; i++) {
		old = &k->keys[i];
		if (old->current)
			ck_assert_int_eq(old->expires_s, 0);
		else if (old->purpose == KEY_SIGNING)
			/* 900 s of token lifetime and a minute. */
			ck_assert(old->expires_s >= now + 955 &&
			          old->expires_s <= now + 965);
		else
			ck_assert_int_eq(old->expires_s, 0);
	}
	/* Past its expiry it is no longer loaded. */
	sql("UPDATE strata.tenant_keys SET expires_at = now() - interval '1 "
	    "second' WHERE tenant_id = $1 AND purpose = 'signing' AND "
	    "retired_at IS NOT NULL");
	keyring_check_version(&t.id, -1);
	k = keyring_for(&db, &t, false);
	ck_assert_int_eq(k->n, 5);
	ck_assert_ptr_nonnull(keyring_find(k, KEY_SIGNING, &ids[0]));
}
END_TEST

START_TEST(a_tampered_key_refuses_the_ring)
{
	struct uuid ids[3];

	if (url() == NULL)
		return;
	master();
	make_tenant();
	rotate(ids);
	rotate(ids);
	sql("UPDATE strata.tenant_keys SET wrapped = set_byte(wrapped, 20, "
	    "get_byte(wrapped, 20) # 1) WHERE tenant_id = $1 AND purpose = "
	    "'data' AND retired_at IS NOT NULL");
	ck_assert_ptr_null(keyring_for(&db, &t, false));
}
END_TEST

/* Forgetting one tenant's ring leaves every other cached ring in place:
 * a ring that can no longer be loaded (its key tampered with in the
 * database) is still served from the cache until it is forgotten. */
START_TEST(forgetting_one_ring_keeps_the_others)
{
	struct uuid ids[3];
	struct tenant other;

	if (url() == NULL)
		return;
	master();
	make_tenant();
	rotate(ids);
	other = t;
	make_tenant();
	rotate(ids);
	ck_assert_ptr_nonnull(keyring_for(&db, &other, false));
	ck_assert_ptr_nonnull(keyring_for(&db, &t, false));
	sql("UPDATE strata.tenant_keys SET wrapped = set_byte(wrapped, 20, "
	    "get_byte(wrapped, 20) # 1) WHERE tenant_id = $1 AND purpose = "
	    "'data'");
	keyring_forget(&other.id);
	ck_assert_ptr_nonnull(keyring_for(&db, &t, false));
	keyring_forget(&t.id);
	ck_assert_ptr_null(keyring_for(&db, &t, false));
	/* The other one reloads from the database, untouched. */
	ck_assert_ptr_nonnull(keyring_for(&db, &other, false));
	keyring_collect();
}
END_TEST

START_TEST(a_tenant_without_keys_has_no_ring)
{
	if (url() == NULL)
		return;
	master();
	make_tenant();
	ck_assert_ptr_null(keyring_for(&db, &t, false));
}
END_TEST

static Suite *
keyring_suite(void)
{
	Suite *s = suite_create("keyring");
	TCase *find = tcase_create("keyring_find");
	TCase *load = tcase_create("keyring_for");

	tcase_add_checked_fixture(find, setup, teardown);
	tcase_add_test(find, find_by_id_among_many);
	tcase_add_test(find, find_current);
	tcase_add_test(find, wrong_purpose_unknown_id_or_no_ring_is_null);
	tcase_add_test(find, no_current_key_is_null);
	tcase_add_test(find, expired_keys_are_not_found);
	tcase_add_test(find, empty_ring_finds_nothing);
	suite_add_tcase(s, find);
	tcase_add_checked_fixture(load, setup, teardown);
	tcase_set_timeout(load, 60);
	tcase_add_test(load, every_live_key_loads_after_150_rotations);
	tcase_add_test(load,
	               retired_signing_key_expires_after_the_token_lifetime);
	tcase_add_test(load, a_tampered_key_refuses_the_ring);
	tcase_add_test(load, a_tenant_without_keys_has_no_ring);
	tcase_add_test(load, forgetting_one_ring_keeps_the_others);
	suite_add_tcase(s, load);
	return s;
}

CHECK_MAIN(keyring_suite)

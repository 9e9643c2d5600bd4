/* check_erasures.c - the erasure ledger (data/erasures.c), against the test
 * stack's PostgreSQL as the app role (STRATA_TEST_DATABASE_URL; without it
 * only the no-database part runs): rows recorded once, kept per tenant
 * behind row-level security, never changed or removed by the app role, an
 * import that names another tenant refused, and a re-application that
 * removes the erased subject's records and keys and no one else's. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/uuid.h"
#include "data/db.h"
#include "data/erasures.h"

static struct arena *a;
static struct db db;
static struct uuid ta, tb;
static const char *const A = "00000000-0000-4000-8000-0000000e0a01";
static const char *const B = "00000000-0000-4000-8000-0000000e0a02";

static const char *
url(void)
{
	return getenv("STRATA_TEST_DATABASE_URL");
}

static void
exec_ok(const char *sql)
{
	db_queue_sql(&db, sql);
	ck_assert_msg(db_sync(&db) == DB_OK, "%s: %s", sql, db.errmsg);
}

static void
setup(void)
{
	a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	uuid_parse(A, &ta);
	uuid_parse(B, &tb);
	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	exec_ok("INSERT INTO tenants (id, slug, name) VALUES "
	        "('00000000-0000-4000-8000-0000000e0a01', 'chk-er-a', 'A'), "
	        "('00000000-0000-4000-8000-0000000e0a02', 'chk-er-b', 'B') "
	        "ON CONFLICT DO NOTHING");
}

static void
teardown(void)
{
	db_close(&db);
	arena_free(a);
}

static long
count(const struct uuid *t, const char *tid)
{
	long n = -1;

	db_begin(&db, t);
	erasures_queue_count(&db, tid, &n);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	return n;
}

START_TEST(without_database_nothing_is_queued)
{
	long n = 5;

	db_close(&db);
	db_init(&db, "host=/nonexistent port=1 connect_timeout=1");
	ck_assert_int_eq(db_ready(&db, a), DB_UNAVAILABLE);
	ck_assert_int_lt(erasures_queue_count(&db, A, &n), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(recorded_once_per_tenant)
{
	if (url() == NULL)
		return;
	db_begin(&db, &ta);
	erasures_queue_record(&db, A, "{chk-h1,chk-h2}");
	erasures_queue_record(&db, A, "{chk-h1}");
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_ge(count(&ta, A), 2);
	/* Row-level security: B's transaction sees none of A's rows. */
	ck_assert_int_eq(count(&tb, A), 0);
}
END_TEST

START_TEST(app_role_cannot_change_or_remove)
{
	static const char *const sql[] = {
	    "DELETE FROM erasure_ledger WHERE tenant_id = "
	    "'00000000-0000-4000-8000-0000000e0a01'",
	    "UPDATE erasure_ledger SET erased_at = now() WHERE tenant_id = "
	    "'00000000-0000-4000-8000-0000000e0a01'",
	};

	if (url() == NULL)
		return;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		db_begin(&db, &ta);
		db_queue_sql(&db, sql[i]);
		db_commit(&db);
		ck_assert_int_eq(db_sync(&db), DB_FAILED);
		ck_assert_str_eq(db.sqlstate, "42501");
		db_finish(&db);
		arena_reset(a);
		ck_assert_int_eq(db_ready(&db, a), DB_OK);
	}
}
END_TEST

START_TEST(import_keeps_to_its_tenant)
{
	const char *json = NULL;
	long imported = -1;

	if (url() == NULL)
		return;
	db_begin(&db, &ta);
	erasures_queue_record(&db, A, "{chk-h3}");
	erasures_queue_export(&db, A, &json);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_nonnull(strstr(json, "chk-h3"));
	/* A's rows offered to B: none goes in. */
	db_begin(&db, &tb);
	erasures_queue_import(&db, B, json, &imported);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(imported, 0);
	ck_assert_int_eq(count(&tb, B), 0);
	/* Into A again: all there already. */
	db_begin(&db, &ta);
	erasures_queue_import(&db, A, json, &imported);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(imported, 0);
	/* Not JSON: the statement fails, nothing half done. */
	db_begin(&db, &ta);
	erasures_queue_import(&db, A, "{not json", &imported);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	db_finish(&db);
}
END_TEST

START_TEST(reapply_removes_only_the_erased)
{
	struct erasures_count ec = {-1, -1};
	PGresult *r;
	int h;

	if (url() == NULL)
		return;
	db_begin(&db, &tb);
	exec_ok("INSERT INTO collections (tenant_id, name, definition) VALUES "
	        "('00000000-0000-4000-8000-0000000e0a02', 'chk_er', '{}') "
	        "ON CONFLICT DO NOTHING");
	exec_ok("INSERT INTO records (tenant_id, id, collection, data, "
	        "schema_version, subject) VALUES "
	        "('00000000-0000-4000-8000-0000000e0a02', gen_random_uuid(), "
	        "'chk_er', '{}', 1, 'chk-gone'), "
	        "('00000000-0000-4000-8000-0000000e0a02', gen_random_uuid(), "
	        "'chk_er', '{}', 1, 'chk-kept')");
	erasures_queue_record(&db, B, "{chk-gone}");
	erasures_queue_reapply(&db, B, &ec);
	h = db_queue_sql(&db, "SELECT subject FROM records WHERE tenant_id = "
	                      "'00000000-0000-4000-8000-0000000e0a02' AND "
	                      "collection = 'chk_er' ORDER BY 1");
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(ec.records, 1);
	ck_assert_int_eq(ec.keys, 0);
	r = db_result(&db, h);
	ck_assert_int_eq(db_rows(r), 1);
	ck_assert_str_eq(db_value(r, 0, 0), "chk-kept");
	/* Rolled back: the test leaves no rows behind. */
	db_queue_sql(&db, "ROLLBACK");
	ck_assert_int_eq(db_sync(&db), DB_OK);
}
END_TEST

static Suite *
erasures_suite(void)
{
	Suite *s = suite_create("erasures");
	TCase *t = tcase_create("ledger");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, without_database_nothing_is_queued);
	tcase_add_test(t, recorded_once_per_tenant);
	tcase_add_test(t, app_role_cannot_change_or_remove);
	tcase_add_test(t, import_keeps_to_its_tenant);
	tcase_add_test(t, reapply_removes_only_the_erased);
	tcase_set_timeout(t, 30);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(erasures_suite)

/* check_db.c - the statement queue and the connection between requests.
 *
 * Without a database the failure paths are checked: a statement that
 * cannot be queued is counted, named and fails the round trip.  With
 * STRATA_TEST_DATABASE_URL (make test sets it to the test stack's
 * PostgreSQL) the queue is shown to grow past its first allocation in one
 * round trip, and a connection left inside a transaction is reset at the
 * next request's start. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/uuid.h"
#include "data/db.h"

static struct arena *a;
static struct db db;
static struct db_stmt st_one = DB_STMT("check_one", "SELECT $1::int", 1);

static void
setup(void)
{
	a = arena_new(64 * 1024, 64UL * 1024 * 1024);
}

static void
teardown(void)
{
	db_close(&db);
	arena_free(a);
}

START_TEST(queue_without_connection_fails_loudly)
{
	const char *p[1] = {"1"};

	db_init(&db, "host=/nonexistent");
	db.arena = a;
	ck_assert_int_eq(db_queue(&db, &st_one, p), -1);
	ck_assert_int_eq(db_queue_sql(&db, "COMMIT"), -1);
	ck_assert_int_eq(db.queue_failures, 2);
	ck_assert_ptr_nonnull(db.queue_failed);
	ck_assert_str_eq(db.queue_failed, "check_one");
	ck_assert_ptr_null(db_result(&db, -1));
	ck_assert_int_ne(db_sync(&db), DB_OK);
}
END_TEST

START_TEST(unreachable_database_is_unavailable)
{
	db_init(&db, "host=/nonexistent connect_timeout=1");
	ck_assert_int_eq(db_ready(&db, a), DB_UNAVAILABLE);
	ck_assert_int_eq(db_sync(&db), DB_UNAVAILABLE);
}
END_TEST

static const char *
url(void)
{
	return getenv("STRATA_TEST_DATABASE_URL");
}

START_TEST(queue_grows_in_one_round_trip)
{
	enum { N = 1000 };
	int h[N];
	char v[N][12];

	if (url() == NULL)
		return; /* counted as passing only its no-database part */
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	for (int i = 0; i < N; i++) {
		const char *p[1] = {v[i]};

		snprintf(v[i], sizeof(v[i]), "%d", i);
		h[i] = db_queue(&db, &st_one, p);
		ck_assert_int_ge(h[i], 0);
	}
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(db.trips, 1);
	ck_assert_int_eq(db.queue_failures, 0);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq((int)db_int(db_result(&db, h[i]), 0, 0), i);
}
END_TEST

START_TEST(open_transaction_is_reset_at_next_request)
{
	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	db_queue_sql(&db, "BEGIN");
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert(db_in_transaction(&db));
	/* The request ends without COMMIT or db_finish (a bug elsewhere). */
	arena_reset(a);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	ck_assert_int_eq(db.resets, 1);
	ck_assert(!db_in_transaction(&db));
	/* And results left unread are dropped with the connection. */
	db_queue_sql(&db, "SELECT 1");
	arena_reset(a);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	ck_assert_int_eq(db.resets, 2);
	ck_assert(!db_in_transaction(&db));
	db_queue_sql(&db, "SELECT 1");
	ck_assert_int_eq(db_sync(&db), DB_OK);
}
END_TEST

static struct db_stmt st_tenant =
    DB_STMT("check_tenant",
            "SELECT coalesce(current_setting('strata.tenant_id', "
            "true), '')",
            0);

/* A read of one trip (db_begin_read): the tenant holds for every statement
 * up to the sync, and no longer; no transaction outlives the trip, and a
 * failed statement leaves nothing open either. */
START_TEST(read_trip_is_one_implicit_transaction)
{
	struct uuid t;
	struct db_text v1, v2, after;

	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	ck_assert(!db.citus);
	uuid_parse("01a21c0f-4da7-7f3b-a7a8-db1b9a48011a", &t);
	ck_assert(db_begin_read(&db, &t));
	db_queue_into(&db, &st_tenant, NULL, db_decode_text, &v1);
	db_queue_into(&db, &st_tenant, NULL, db_decode_text, &v2);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_str_eq(v1.v, "01a21c0f-4da7-7f3b-a7a8-db1b9a48011a");
	ck_assert_str_eq(v2.v, "01a21c0f-4da7-7f3b-a7a8-db1b9a48011a");
	ck_assert(!db_in_transaction(&db));
	db_queue_into(&db, &st_tenant, NULL, db_decode_text, &after);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_str_eq(after.v, "");
	/* A failing read: the trip fails, the connection is idle after. */
	ck_assert(db_begin_read(&db, &t));
	db_queue_sql(&db, "SELECT 1/0");
	db_queue_into(&db, &st_tenant, NULL, db_decode_text, &v1);
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	ck_assert(!db_in_transaction(&db));
	arena_reset(a);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	ck_assert_int_eq(db.resets, 0);
	/* db_begin's transaction names the tenant the same way. */
	db_begin(&db, &t);
	db_queue_into(&db, &st_tenant, NULL, db_decode_text, &v1);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert(db_in_transaction(&db));
	ck_assert_str_eq(v1.v, "01a21c0f-4da7-7f3b-a7a8-db1b9a48011a");
	db_finish(&db);
	ck_assert(!db_in_transaction(&db));
}
END_TEST

static int decoded;

static void
count_decode(const PGresult *r, void *out, struct arena *arena)
{
	(void)r;
	(void)out;
	(void)arena;
	decoded++;
}

START_TEST(uncollected_results_are_not_decoded)
{
	const char *p[1] = {"7"};
	long long v = 0;

	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	decoded = 0;
	ck_assert_int_ge(db_queue_into(&db, &st_one, p, count_decode, &v), 0);
	/* The request failed before its round trip: the output's frame is
	 * gone, so finishing must read the result without decoding it. */
	db_finish(&db);
	ck_assert_int_eq(decoded, 0);
	ck_assert(!db_in_transaction(&db));
	ck_assert_int_ge(db_queue_into(&db, &st_one, p, db_decode_int, &v), 0);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(v, 7);
}
END_TEST

/* A server that refuses a write as read-only (a primary demoted by a
 * failover that kept its sessions) is left: the next request connects
 * again, where target_session_attrs=read-write picks the new primary.
 * default_transaction_read_only stands in for the demotion. */
START_TEST(read_only_server_is_left_at_next_request)
{
	unsigned gen;

	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	db_queue_sql(&db, "SET default_transaction_read_only = on");
	ck_assert_int_eq(db_sync(&db), DB_OK);
	gen = db.gen;
	db_queue_sql(&db, "CREATE TEMP TABLE check_ro (a int)");
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	ck_assert_str_eq(db.sqlstate, "25006");
	ck_assert(db.read_only_seen);
	arena_reset(a);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	ck_assert_uint_ne(db.gen, gen);
	ck_assert(!db.read_only_seen);
	{
		int h = db_queue_sql(&db, "SHOW default_transaction_read_only");

		ck_assert_int_eq(db_sync(&db), DB_OK);
		ck_assert_str_eq(db_value(db_result(&db, h), 0, 0), "off");
	}
	/* Any other failure keeps the connection. */
	gen = db.gen;
	db_queue_sql(&db, "SELECT 1/0");
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	arena_reset(a);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	ck_assert_uint_eq(db.gen, gen);
}
END_TEST

static Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *t = tcase_create("queue");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, queue_without_connection_fails_loudly);
	tcase_add_test(t, unreachable_database_is_unavailable);
	tcase_add_test(t, queue_grows_in_one_round_trip);
	tcase_add_test(t, open_transaction_is_reset_at_next_request);
	tcase_add_test(t, read_trip_is_one_implicit_transaction);
	tcase_add_test(t, uncollected_results_are_not_decoded);
	tcase_add_test(t, read_only_server_is_left_at_next_request);
	tcase_set_timeout(t, 30);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(db_suite)

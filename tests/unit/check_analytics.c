/*
 * check_analytics.c - the figures behind benchmarks (data/analytics.c and
 * sql/014_analytics.sql): days as the API and the command line take them,
 * and, against the test stack's PostgreSQL (STRATA_TEST_DATABASE_URL, as
 * the app role), k-anonymous cohorts (k - 1 tenants of a plan get no
 * input at all, k tenants one per metric), percentiles, an answer that is
 * drawn once and kept, and the daily budget enforced by SQL.  Everything
 * runs in one transaction that is rolled back.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "data/analytics.h"
#include "data/db.h"

static struct arena *a;
static struct db db;

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

static const struct {
	const char *s;
	bool ok;
} days[] = {
    {"2026-12-01", true},
    {"1999-01-31", true},
    {"2026-1-01", false},
    {"2026-12-1", false},
    {"2026/12/01", false},
    {"2026-12-01x", false},
    {" 2026-12-01", false},
    {"", false},
    {"yesterday", false},
    {"2026-12-0a", false},
    {"20261201", false},
    {"2026-12-01;", false},
    /* Days of the calendar only. */
    {"2026-02-30", false},
    {"2026-02-29", false},
    {"2024-02-29", true},
    {"2000-02-29", true},
    {"1900-02-29", false},
    {"2026-13-01", false},
    {"2026-00-10", false},
    {"2026-04-31", false},
    {"2026-12-31", true},
    {"0000-01-01", false},
    {"2026-01-00", false},
};

START_TEST(day_shape)
{
	ck_assert(analytics_day_ok(days[_i].s) == days[_i].ok);
}
END_TEST

START_TEST(day_null)
{
	ck_assert(!analytics_day_ok(NULL));
}
END_TEST

/* Runs sql (no result wanted) and expects it to succeed. */
static void
exec_ok(const char *sql)
{
	db_queue_sql(&db, sql);
	ck_assert_msg(db_sync(&db) == DB_OK, "%s: %s", sql, db.errmsg);
}

/* n tenants of plan 'free' with daily rows of day, records 10, 20, ... */
static void
add_tenants(int from, int n, const char *day)
{
	for (int i = from; i < from + n; i++) {
		char sql[1024];

		snprintf(sql, sizeof(sql),
		         "INSERT INTO tenants (id, slug, name, plan) VALUES "
		         "('00000000-0000-4000-8000-%012d', 'chk-an-%d', "
		         "'C', 'free')",
		         i, i);
		exec_ok(sql);
		snprintf(
		    sql, sizeof(sql),
		    "INSERT INTO strata_analytics.daily (tenant_id, day, "
		    "plan, region, status, created_day, records, "
		    "storage_bytes, users, active_users, requests, errors) "
		    "VALUES ('00000000-0000-4000-8000-%012d', '%s', "
		    "'chk-plan', 'local', 'active', '%s', %d, 0, 1, 1, %d, "
		    "0)",
		    i, day, day, i * 10, 100 + i);
		exec_ok(sql);
	}
}

static int
count_for(const struct benchmark_inputs *in, const char *tenant_suffix)
{
	int n = 0;

	for (int i = 0; i < in->n; i++)
		n += strstr(in->rows[i].tenant_id, tenant_suffix) != NULL;
	return n;
}

START_TEST(cohorts_percentiles_and_budget)
{
	const char *url = getenv("STRATA_TEST_DATABASE_URL");
	const char *day = "2001-01-01", *other = "2001-01-02";
	struct benchmark_inputs in;
	const char **v;
	long long stored = -1;

	if (url == NULL) {
		printf("check_analytics: no STRATA_TEST_DATABASE_URL, the "
		       "database part is skipped\n");
		return;
	}
	db_init(&db, url);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	exec_ok("BEGIN");
	exec_ok("UPDATE strata_analytics.settings SET k = 5, epsilon = 1.0, "
	        "daily_budget = 4.0");
	/* Four tenants in the plan: k - 1, nothing to answer. */
	add_tenants(1, 4, day);
	analytics_benchmark_inputs(&db, day, &in);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(in.n, 0);
	/* A fifth: every tenant gets one input per metric. */
	add_tenants(5, 1, day);
	analytics_benchmark_inputs(&db, day, &in);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(in.n, 5 * ANALYTICS_METRICS);
	for (int i = 0; i < in.n; i++) {
		ck_assert_int_eq(in.rows[i].cohort, 5);
		ck_assert(in.rows[i].percentile >= 0 &&
		          in.rows[i].percentile <= 100);
		/* Records grow with the tenant's number: tenant i has i - 1
		 * of the other 4 below it, 100 (i - 1) / 4 percent. */
		if (strcmp(in.rows[i].metric, "records") == 0) {
			int t = atoi(in.rows[i].tenant_id + 24);

			ck_assert_double_eq_tol(in.rows[i].percentile,
			                        25.0 * (t - 1), 1e-9);
		}
	}
	ck_assert_int_eq(count_for(&in, "000000000003"), ANALYTICS_METRICS);
	/* Stored once: 20 answers, 4.0 spent by each tenant. */
	v = arena_calloc(a, (size_t)in.n, sizeof(*v));
	for (int i = 0; i < in.n; i++)
		v[i] = "50.0";
	analytics_benchmark_store(&db, a, day, &in, v, &stored);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(stored, 20);
	/* Answered tenants are no longer inputs; a second store keeps the
	 * first answers and spends nothing. */
	analytics_benchmark_store(&db, a, day, &in, v, &stored);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(stored, 0);
	{
		struct benchmark_inputs again;

		analytics_benchmark_inputs(&db, day, &again);
		ck_assert_int_eq(db_sync(&db), DB_OK);
		ck_assert_int_eq(again.n, 0);
	}
	/* A budget below 4 x epsilon: the next day's answers are refused
	 * whole, by the CHECK of the budget table. */
	exec_ok("UPDATE strata_analytics.settings SET daily_budget = 3.0");
	add_tenants(11, 5, other);
	analytics_benchmark_inputs(&db, other, &in);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(in.n, 5 * ANALYTICS_METRICS);
	v = arena_calloc(a, (size_t)in.n, sizeof(*v));
	for (int i = 0; i < in.n; i++)
		v[i] = "1.0";
	analytics_benchmark_store(&db, a, other, &in, v, &stored);
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	ck_assert(db_error_is(&db, "23514"));
	db_finish(&db); /* rolls everything back */
}
END_TEST

static Suite *
analytics_suite(void)
{
	Suite *s = suite_create("analytics");
	TCase *d = tcase_create("day");
	TCase *b = tcase_create("benchmarks");

	tcase_add_loop_test(d, day_shape, 0, sizeof(days) / sizeof(days[0]));
	tcase_add_test(d, day_null);
	tcase_add_checked_fixture(b, setup, teardown);
	tcase_set_timeout(b, 60);
	tcase_add_test(b, cohorts_percentiles_and_budget);
	suite_add_tcase(s, d);
	suite_add_tcase(s, b);
	return s;
}

CHECK_MAIN(analytics_suite)

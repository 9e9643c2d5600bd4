/*
 * analytics.h - the figures behind reports and benchmarks
 * (sql/014_analytics.sql): answers per tenant and day, the daily rollup,
 * the noisy benchmark answers and their budget, the operator reports.
 *
 * Each function queues one statement and fills its struct (zeroed now, in
 * db's arena) during db_sync; each returns the statement's handle or -1
 * (db_queue's loud failure).  Days are UTC dates as text (YYYY-MM-DD),
 * checked by the caller.
 */
#ifndef STRATA_DATA_ANALYTICS_H
#define STRATA_DATA_ANALYTICS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/activity.h"

struct arena;
struct db;

#define ANALYTICS_METRICS 4 /* records, active_users, requests, error_rate */
#define ANALYTICS_REPORT_ROWS 10000 /* rows of one report at most */
#define ANALYTICS_TOP 10            /* tenants in a top list */

/* True when s is a date written YYYY-MM-DD (the calendar itself is
 * checked by PostgreSQL: 22008 for 2026-02-30). */
bool analytics_day_ok(const char *s);

/* The platform's parameters (one row). */
struct analytics_settings {
	bool found;
	int k;
	double epsilon;
	double daily_budget;
};

int analytics_settings_get(struct db *db, struct analytics_settings *out);

/* Sets the parameters that are not NULL (numbers as text; the table's
 * checks refuse values out of range, 23514). */
int analytics_settings_set(struct db *db, const char *k, const char *epsilon,
                           const char *daily_budget);

/* Adds n deltas to today's (UTC) activity rows; tenants gone meanwhile
 * are left out. */
int analytics_add_activity(struct db *db, struct arena *a,
                           const struct activity_delta *d, size_t n);

/* Rolls up day for every tenant; *tenants: how many. */
int analytics_rollup(struct db *db, const char *day, long long *tenants);

/* True percentiles of day to be answered: cohorts of at least k tenants,
 * tenants not answered yet for day. */
struct benchmark_input {
	const char *tenant_id;
	const char *metric;
	const char *plan;
	int cohort;
	double percentile;
};
struct benchmark_inputs {
	int n;
	struct benchmark_input *rows;
};
int analytics_benchmark_inputs(struct db *db, const char *day,
                               struct benchmark_inputs *out);

/* Stores the noisy answers values[i] (text numbers) of in->rows[i] for
 * day and spends their epsilon from each tenant's budget, in one
 * statement; *stored: the answers kept (an answer drawn before is not
 * replaced).  Fails (23514) when a tenant's budget would be exceeded. */
int analytics_benchmark_store(struct db *db, struct arena *a, const char *day,
                              const struct benchmark_inputs *in,
                              const char *const *values, long long *stored);

/* Tenant tid's latest benchmark answers of the last 7 days. */
struct benchmark_answer {
	const char *metric;
	const char *percentile; /* numeric text */
};
struct benchmark_answers {
	int n;
	const char *day;
	const char *plan;
	int cohort;
	const char *epsilon;
	struct benchmark_answer rows[ANALYTICS_METRICS];
};
int analytics_benchmarks_of(struct db *db, const char *tid,
                            struct benchmark_answers *out);

/* A report's rows: texts (NULL for SQL NULL) of the columns named by the
 * caller's query shape. */
#define ANALYTICS_REPORT_COLS 10
struct report_table {
	int n;
	const char *(*rows)[ANALYTICS_REPORT_COLS];
};

/* The series of the daily rollup between days from and to (inclusive) per
 * interval ("day", "week", "month"), grouped by plan and/or region when
 * asked; at most ANALYTICS_REPORT_ROWS + 1 rows (one more tells there are
 * too many).  Columns: period, plan, region, tenants, active_tenants,
 * new_tenants, requests, errors, records, storage_bytes. */
int analytics_series(struct db *db, const char *from, const char *to,
                     const char *interval, bool by_plan, bool by_region,
                     struct report_table *out);

/* The ANALYTICS_TOP tenants by requests (by_storage false) or by storage
 * bytes between from and to.  Columns: id, slug, name, plan, region,
 * requests, errors, records, storage_bytes. */
int analytics_top(struct db *db, const char *from, const char *to,
                  bool by_storage, struct report_table *out);

#endif

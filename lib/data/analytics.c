/*
 * analytics.c - statements over strata_analytics.
 */
#include "data/analytics.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "data/db.h"
#include "data/pgarray.h"

#define ARRAY_MAX (8 * 1024 * 1024)

static struct db_stmt st_settings =
    DB_STMT("analytics_settings",
            "SELECT k, epsilon::float8, daily_budget::float8 FROM "
            "strata_analytics.settings",
            0);
static struct db_stmt st_settings_set = DB_STMT(
    "analytics_settings_set",
    "UPDATE strata_analytics.settings SET k = coalesce($1::integer, k), "
    "epsilon = coalesce($2::numeric, epsilon), daily_budget = "
    "coalesce($3::numeric, daily_budget), updated_at = now() RETURNING k",
    3);
static struct db_stmt st_activity = DB_STMT(
    "analytics_activity",
    "INSERT INTO strata_analytics.activity AS a (tenant_id, day, requests, "
    "errors) SELECT u.t, (now() AT TIME ZONE 'UTC')::date, sum(u.r), "
    "sum(u.e) FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS u(t, "
    "r, e) JOIN tenants t ON t.id = u.t GROUP BY u.t ON CONFLICT "
    "(tenant_id, day) DO UPDATE SET requests = a.requests + "
    "excluded.requests, errors = a.errors + excluded.errors",
    3);
static struct db_stmt st_rollup =
    DB_STMT("analytics_rollup", "SELECT report_rollup($1::date)", 1);
static struct db_stmt st_inputs =
    DB_STMT("analytics_benchmark_inputs",
            "SELECT tenant_id, metric, plan, cohort, percentile FROM "
            "report_benchmark_inputs($1::date)",
            1);
static struct db_stmt st_store =
    DB_STMT("analytics_benchmark_store",
            "SELECT report_benchmark_store($1::date, $2::uuid[], $3::text[], "
            "$4::text[], $5::integer[], $6::numeric[])",
            6);
static struct db_stmt st_answers = DB_STMT(
    "analytics_benchmarks_of",
    "SELECT b.day::text, b.plan, b.cohort, b.epsilon::text, b.metric, "
    "b.percentile::text FROM strata_analytics.benchmarks b WHERE "
    "b.tenant_id = $1 AND b.day = (SELECT max(x.day) FROM "
    "strata_analytics.benchmarks x WHERE x.tenant_id = $1 AND x.day "
    "BETWEEN (now() AT TIME ZONE 'UTC')::date - 7 AND (now() AT TIME ZONE "
    "'UTC')::date) ORDER BY b.metric",
    1);
static struct db_stmt st_series = DB_STMT(
    "analytics_series",
    "WITH t AS (SELECT date_trunc($3, x.day)::date AS period, x.tenant_id, "
    "(array_agg(x.plan ORDER BY x.day DESC))[1] AS plan, "
    "(array_agg(x.region ORDER BY x.day DESC))[1] AS region, "
    "(array_agg(x.records ORDER BY x.day DESC))[1] AS records, "
    "(array_agg(x.storage_bytes ORDER BY x.day DESC))[1] AS storage, "
    "sum(x.requests) AS requests, sum(x.errors) AS errors, "
    "min(x.created_day) AS created_day FROM strata_analytics.daily x "
    "WHERE x.day >= $1::date AND x.day <= $2::date GROUP BY 1, 2) "
    "SELECT t.period::text, CASE WHEN $4 THEN t.plan END, CASE WHEN $5 "
    "THEN t.region END, count(*), count(*) FILTER (WHERE t.requests > 0), "
    "count(*) FILTER (WHERE t.created_day >= t.period), sum(t.requests), "
    "sum(t.errors), sum(t.records), sum(t.storage) FROM t GROUP BY 1, 2, 3 "
    "ORDER BY 1, 2, 3 LIMIT 10001",
    5);
static struct db_stmt st_top_requests = DB_STMT(
    "analytics_top_requests",
    "SELECT t.id, t.slug, t.name, t.plan, t.region, x.requests, x.errors, "
    "x.records, x.storage FROM (SELECT tenant_id, sum(requests) AS "
    "requests, sum(errors) AS errors, max(records) AS records, "
    "max(storage_bytes) AS storage FROM strata_analytics.daily WHERE day "
    ">= $1::date AND day <= $2::date GROUP BY tenant_id) x JOIN tenants t "
    "ON t.id = x.tenant_id ORDER BY x.requests DESC, t.id LIMIT 10",
    2);
static struct db_stmt st_top_storage = DB_STMT(
    "analytics_top_storage",
    "SELECT t.id, t.slug, t.name, t.plan, t.region, x.requests, x.errors, "
    "x.records, x.storage FROM (SELECT tenant_id, sum(requests) AS "
    "requests, sum(errors) AS errors, max(records) AS records, "
    "max(storage_bytes) AS storage FROM strata_analytics.daily WHERE day "
    ">= $1::date AND day <= $2::date GROUP BY tenant_id) x JOIN tenants t "
    "ON t.id = x.tenant_id ORDER BY x.storage DESC, t.id LIMIT 10",
    2);

bool
analytics_day_ok(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	if (s == NULL || strlen(s) != sizeof(shape) - 1)
		return false;
	static const int mdays[12] = {31, 29, 31, 30, 31, 30,
	                              31, 31, 30, 31, 30, 31};
	int y, m, d;

	for (size_t i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i])
		                    : s[i] != shape[i])
			return false;
	/* A day of the calendar (2026-02-30 is not), so PostgreSQL never
	 * refuses what passed here. */
	y = (int)strtol(s, NULL, 10);
	m = (int)strtol(s + 5, NULL, 10);
	d = (int)strtol(s + 8, NULL, 10);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return m != 2 || d < 29 ||
	       (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

static void
decode_settings(const PGresult *r, void *out, struct arena *a)
{
	struct analytics_settings *s = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	s->found = true;
	s->k = (int)db_int(r, 0, 0);
	s->epsilon = strtod(db_value(r, 0, 1), NULL);
	s->daily_budget = strtod(db_value(r, 0, 2), NULL);
}

int
analytics_settings_get(struct db *db, struct analytics_settings *out)
{
	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_settings, NULL, decode_settings, out);
}

int
analytics_settings_set(struct db *db, const char *k, const char *epsilon,
                       const char *daily_budget)
{
	const char *p[3] = {k, epsilon, daily_budget};

	return db_queue(db, &st_settings_set, p);
}

int
analytics_add_activity(struct db *db, struct arena *a,
                       const struct activity_delta *d, size_t n)
{
	struct buf ids, req, err;
	const char *p[3];

	buf_init(&ids, a, 1024, ARRAY_MAX);
	buf_init(&req, a, 256, ARRAY_MAX);
	buf_init(&err, a, 256, ARRAY_MAX);
	pgarray_open(&ids);
	pgarray_open(&req);
	pgarray_open(&err);
	for (size_t i = 0; i < n; i++) {
		char t[UUID_STR_LEN + 1], num[24];

		uuid_format(&d[i].tenant, t);
		pgarray_add(&ids, t);
		snprintf(num, sizeof(num), "%llu",
		         (unsigned long long)d[i].requests);
		pgarray_add(&req, num);
		snprintf(num, sizeof(num), "%llu",
		         (unsigned long long)d[i].errors);
		pgarray_add(&err, num);
	}
	p[0] = pgarray_close(&ids);
	p[1] = pgarray_close(&req);
	p[2] = pgarray_close(&err);
	return db_queue(db, &st_activity, p);
}

int
analytics_rollup(struct db *db, const char *day, long long *tenants)
{
	const char *p[1] = {day};

	*tenants = 0;
	return db_queue_into(db, &st_rollup, p, db_decode_int, tenants);
}

static void
decode_inputs(const PGresult *r, void *out, struct arena *a)
{
	struct benchmark_inputs *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	for (int i = 0; i < o->n; i++) {
		struct benchmark_input *b = &o->rows[i];

		b->tenant_id = db_str(r, i, 0, a);
		b->metric = db_str(r, i, 1, a);
		b->plan = db_str(r, i, 2, a);
		b->cohort = (int)db_int(r, i, 3);
		b->percentile = strtod(db_value(r, i, 4), NULL);
	}
}

int
analytics_benchmark_inputs(struct db *db, const char *day,
                           struct benchmark_inputs *out)
{
	const char *p[1] = {day};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_inputs, p, decode_inputs, out);
}

int
analytics_benchmark_store(struct db *db, struct arena *a, const char *day,
                          const struct benchmark_inputs *in,
                          const char *const *values, long long *stored)
{
	struct buf b[5];
	const char *p[6];

	*stored = 0;
	for (int j = 0; j < 5; j++) {
		buf_init(&b[j], a, 1024, ARRAY_MAX);
		pgarray_open(&b[j]);
	}
	for (int i = 0; i < in->n; i++) {
		char n[16];

		snprintf(n, sizeof(n), "%d", in->rows[i].cohort);
		pgarray_add(&b[0], in->rows[i].tenant_id);
		pgarray_add(&b[1], in->rows[i].metric);
		pgarray_add(&b[2], in->rows[i].plan);
		pgarray_add(&b[3], n);
		pgarray_add(&b[4], values[i]);
	}
	p[0] = day;
	for (int j = 0; j < 5; j++)
		p[j + 1] = pgarray_close(&b[j]);
	return db_queue_into(db, &st_store, p, db_decode_int, stored);
}

static void
decode_answers(const PGresult *r, void *out, struct arena *a)
{
	struct benchmark_answers *o = out;
	int n = db_rows(r);

	if (n == 0)
		return;
	o->day = db_str(r, 0, 0, a);
	o->plan = db_str(r, 0, 1, a);
	o->cohort = (int)db_int(r, 0, 2);
	o->epsilon = db_str(r, 0, 3, a);
	for (int i = 0; i < n && o->n < ANALYTICS_METRICS; i++) {
		o->rows[o->n].metric = db_str(r, i, 4, a);
		o->rows[o->n].percentile = db_str(r, i, 5, a);
		o->n++;
	}
}

int
analytics_benchmarks_of(struct db *db, const char *tid,
                        struct benchmark_answers *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_answers, p, decode_answers, out);
}

static void
decode_table(const PGresult *r, void *out, struct arena *a)
{
	struct report_table *t = out;
	int cols = PQnfields(r);

	if (cols > ANALYTICS_REPORT_COLS)
		cols = ANALYTICS_REPORT_COLS;
	t->n = db_rows(r);
	t->rows = arena_calloc(a, (size_t)t->n + 1, sizeof(*t->rows));
	for (int i = 0; i < t->n; i++)
		for (int j = 0; j < cols; j++)
			t->rows[i][j] = db_str(r, i, j, a);
}

int
analytics_series(struct db *db, const char *from, const char *to,
                 const char *interval, bool by_plan, bool by_region,
                 struct report_table *out)
{
	const char *p[5] = {from, to, interval, by_plan ? "t" : "f",
	                    by_region ? "t" : "f"};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_series, p, decode_table, out);
}

int
analytics_top(struct db *db, const char *from, const char *to, bool by_storage,
              struct report_table *out)
{
	const char *p[2] = {from, to};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db,
	                     by_storage ? &st_top_storage : &st_top_requests, p,
	                     decode_table, out);
}

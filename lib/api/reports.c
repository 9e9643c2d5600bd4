/*
 * reports.c - the operators' reports.
 *
 * One round trip: the series (and the report's extras) ride the trip that
 * reads the operator's status.  A report answers from the daily rollup
 * only; its rows are bounded (10,000).
 */
#include "api/reports.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "data/analytics.h"
#include "data/tenants.h"

#define REPORT_DEFAULT_DAYS 30
#define REPORT_BODY_MAX ((size_t)16 * 1024 * 1024)

/* Columns of analytics_series() rows. */
enum col {
	C_PERIOD,
	C_PLAN,
	C_REGION,
	C_TENANTS,
	C_ACTIVE,
	C_NEW,
	C_REQUESTS,
	C_ERRORS,
	C_RECORDS,
	C_STORAGE,
	C_END = -1
};

static const char *const col_names[] = {
    "period",      "plan",     "region", "tenants", "active_tenants",
    "new_tenants", "requests", "errors", "records", "storage_bytes"};

struct report_kind {
	const char *name;
	bool by_plan, by_region;
	enum col cols[ANALYTICS_REPORT_COLS + 1];
};

static const struct report_kind kinds[] = {
    {"usage",
     true,
     true,
     {C_PERIOD, C_PLAN, C_REGION, C_TENANTS, C_REQUESTS, C_ERRORS, C_RECORDS,
      C_STORAGE, C_END}},
    {"growth",
     false,
     false,
     {C_PERIOD, C_TENANTS, C_NEW, C_ACTIVE, C_RECORDS, C_STORAGE, C_END}},
    {"plans",
     true,
     false,
     {C_PERIOD, C_PLAN, C_TENANTS, C_NEW, C_ACTIVE, C_REQUESTS, C_RECORDS,
      C_STORAGE, C_END}},
    {"activity",
     true,
     true,
     {C_PERIOD, C_PLAN, C_REGION, C_ACTIVE, C_REQUESTS, C_ERRORS, C_END}},
};

static const char *const top_cols[] = {
    "id",       "slug",   "name",    "plan",          "region",
    "requests", "errors", "records", "storage_bytes", NULL};
#define TOP_FIRST_NUMBER 5

struct report_query {
	const struct report_kind *kind;
	const char *from, *to, *interval;
	bool csv;
};

static const char *
utc_day(struct request *req, long days_back)
{
	time_t t = (time_t)clock_real_s() - (time_t)days_back * 86400;
	struct tm tm;
	char *s = arena_alloc(req->arena, 11);

	gmtime_r(&t, &tm);
	strftime(s, 11, "%Y-%m-%d", &tm);
	return s;
}

/* The query string into q: 0 or 400/404 (recorded). */
static int
read_query(struct request *req, struct report_query *q)
{
	const char *accept = request_env(req, "HTTP_ACCEPT");

	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(req->args[0], kinds[i].name) == 0)
			q->kind = &kinds[i];
	if (q->kind == NULL)
		return api_fail(req, 404, "not_found",
		                "no such report (usage, growth, plans, "
		                "activity)");
	q->to = request_query(req, "to");
	q->from = request_query(req, "from");
	q->interval = request_query(req, "interval");
	if (q->to == NULL)
		q->to = utc_day(req, 0);
	if (q->from == NULL)
		q->from = utc_day(req, REPORT_DEFAULT_DAYS);
	if (q->interval == NULL)
		q->interval = "day";
	if (!analytics_day_ok(q->from) || !analytics_day_ok(q->to))
		return api_fail(req, 400, "bad_request",
		                "from and to are dates written YYYY-MM-DD");
	if (strcmp(q->from, q->to) > 0)
		return api_fail(req, 400, "bad_request", "from comes after to");
	if (strcmp(q->interval, "day") != 0 &&
	    strcmp(q->interval, "week") != 0 &&
	    strcmp(q->interval, "month") != 0)
		return api_fail(req, 400, "bad_request",
		                "interval is day, week or month");
	q->csv = accept != NULL && strstr(accept, "text/csv") != NULL;
	return 0;
}

static bool
is_number(enum col c)
{
	return c >= C_TENANTS;
}

/* One table row as a JSON object (numbers as they came, 0 for none). */
static void
json_row(struct buf *b, const char *const *row, const enum col *cols)
{
	buf_putc(b, '{');
	for (int j = 0; cols[j] != C_END; j++) {
		const char *v = row[cols[j]];

		if (j > 0)
			buf_putc(b, ',');
		buf_json_str(b, col_names[cols[j]]);
		buf_putc(b, ':');
		if (is_number(cols[j]))
			buf_puts(b, v != NULL ? v : "0");
		else if (v == NULL)
			buf_puts(b, "null");
		else
			buf_json_str(b, v);
	}
	buf_putc(b, '}');
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void
csv_field(struct buf *b, const char *v)
{
	if (v == NULL)
		return;
	if (strpbrk(v, ",\"\r\n") == NULL) {
		buf_puts(b, v);
		return;
	}
	buf_putc(b, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"')
			buf_putc(b, '"');
		buf_putc(b, *v);
	}
	buf_putc(b, '"');
}

static void
csv(struct request *req, const struct report_query *q,
    const struct report_table *t)
{
	const enum col *cols = q->kind->cols;
	struct buf b;

	buf_init(&b, req->arena, 4096, REPORT_BODY_MAX);
	for (int j = 0; cols[j] != C_END; j++) {
		if (j > 0)
			buf_putc(&b, ',');
		buf_puts(&b, col_names[cols[j]]);
	}
	buf_puts(&b, "\r\n");
	for (int i = 0; i < t->n; i++) {
		for (int j = 0; cols[j] != C_END; j++) {
			if (j > 0)
				buf_putc(&b, ',');
			csv_field(&b, t->rows[i][cols[j]]);
		}
		buf_puts(&b, "\r\n");
	}
	response_stream(req, 200, "text/csv; charset=utf-8");
	(void)response_write(req, buf_cstr(&b), strlen(buf_cstr(&b)));
}

static void
top_list(struct buf *b, const char *name, const struct report_table *t)
{
	buf_putc(b, ',');
	buf_json_str(b, name);
	buf_puts(b, ":[");
	for (int i = 0; i < t->n; i++) {
		buf_puts(b, i > 0 ? ",{" : "{");
		for (int j = 0; top_cols[j] != NULL; j++) {
			const char *v = t->rows[i][j];

			if (j > 0)
				buf_putc(b, ',');
			buf_json_str(b, top_cols[j]);
			buf_putc(b, ':');
			if (j >= TOP_FIRST_NUMBER)
				buf_puts(b, v != NULL ? v : "0");
			else
				buf_json_str(b, v != NULL ? v : "");
		}
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* The extras of usage (today's totals) and activity (top tenants). */
struct report_extras {
	const char *totals; /* JSON object text, or NULL */
	struct report_table top_requests, top_storage;
	bool top;
};

static void
json_answer(struct request *req, const struct report_query *q,
            const struct report_table *t, const struct report_extras *x)
{
	struct buf b;

	buf_init(&b, req->arena, 4096, REPORT_BODY_MAX);
	buf_puts(&b, "{\"report\":");
	buf_json_str(&b, q->kind->name);
	buf_puts(&b, ",\"from\":");
	buf_json_str(&b, q->from);
	buf_puts(&b, ",\"to\":");
	buf_json_str(&b, q->to);
	buf_puts(&b, ",\"interval\":");
	buf_json_str(&b, q->interval);
	buf_puts(&b, ",\"series\":[");
	for (int i = 0; i < t->n; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		json_row(&b, t->rows[i], q->kind->cols);
	}
	buf_putc(&b, ']');
	if (x->totals != NULL) {
		/* Today's totals at the top level, as before the series. */
		const char *inner = x->totals + 1;
		size_t n = strlen(inner);

		if (n > 1) {
			buf_putc(&b, ',');
			buf_append(&b, inner, n - 1);
		}
	}
	if (x->top) {
		top_list(&b, "top_by_requests", &x->top_requests);
		top_list(&b, "top_by_storage", &x->top_storage);
	}
	buf_putc(&b, '}');
	response_json_text(req, 200, buf_cstr(&b));
}

/* The report's statements, riding the operator's trip. */
static void
queue(struct request *req, const struct report_query *q, struct report_table *t,
      struct report_extras *x)
{
	analytics_series(req->db, q->from, q->to, q->interval, q->kind->by_plan,
	                 q->kind->by_region, t);
	if (strcmp(q->kind->name, "usage") == 0)
		tenants_usage(req->db, &x->totals);
	if (strcmp(q->kind->name, "activity") == 0) {
		x->top = true;
		analytics_top(req->db, q->from, q->to, false, &x->top_requests);
		analytics_top(req->db, q->from, q->to, true, &x->top_storage);
	}
}

int
reports_show(struct request *req, struct plan *plan)
{
	struct report_query q;
	struct report_table t;
	struct report_extras x;
	bool bad;
	int st;

	memset(&x, 0, sizeof(x));
	memset(&t, 0, sizeof(t));
	/* A bad query string is answered only after authorization. */
	if ((bad = read_query(req, &q) != 0))
		memset(&req->err, 0, sizeof(req->err));
	else
		queue(req, &q, &t, &x);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (bad)
		return read_query(req, &q);
	if (t.n > ANALYTICS_REPORT_ROWS)
		return api_fail(req, 422, "validation_failed",
		                "the report has more than 10,000 rows: narrow "
		                "from and to, or take a longer interval");
	if (q.csv)
		csv(req, &q, &t);
	else
		json_answer(req, &q, &t, &x);
	return 0;
}

/*
 * aggregate.c - /v1/collections/{c}/aggregate.
 *
 * The query is assembled by lib/data (records_build_aggregate) from the
 * collection's definition: with a definition this worker has cached it
 * rides the authentication trip, as a record list does; otherwise, or
 * when the definition changed, one more trip of the plan runs it.
 */
#include "api/aggregate.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/errors.h"
#include "api/plan.h"
#include "api/records.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/request.h"
#include "core/response.h"
#include "data/collections.h"
#include "data/records.h"

#define AGGREGATE_BODY_MAX ((size_t)4 * 1024 * 1024)

static const struct {
	const char *name;
	enum aggregate_fn fn;
} fns[] = {
    {"count", AGG_COUNT_FIELD}, {"sum", AGG_SUM}, {"avg", AGG_AVG},
    {"min", AGG_MIN},           {"max", AGG_MAX},
};

/* metric=count or fn(field) into g; 0 or 400 (recorded). */
static int
read_metric(struct request *req, struct aggregate_query *g, const char *m)
{
	char name[8], field[FIELD_NAME_MAX + 1];
	const char *open, *close;
	size_t n;

	g->fn = AGG_COUNT;
	g->field = -1;
	if (m == NULL || strcmp(m, "count") == 0)
		return 0;
	open = strchr(m, '(');
	close = open ? strchr(open, ')') : NULL;
	if (open == NULL || close == NULL || close[1] != '\0' ||
	    (size_t)(open - m) >= sizeof(name) ||
	    (n = (size_t)(close - open - 1)) == 0 || n > FIELD_NAME_MAX)
		return api_fail(req, 400, "bad_request",
		                "metric is count, count(f), sum(f), avg(f), "
		                "min(f) or max(f)");
	memcpy(name, m, (size_t)(open - m));
	name[open - m] = '\0';
	memcpy(field, open + 1, n);
	field[n] = '\0';
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strcmp(name, fns[i].name) == 0)
			g->fn = fns[i].fn;
	if (g->fn == AGG_COUNT)
		return api_fail(req, 400, "bad_request",
		                "metric is count, count(f), sum(f), avg(f), "
		                "min(f) or max(f)");
	g->field = collection_field(g->q.c, field);
	if (g->field < 0 ||
	    !(g->q.c->fields[g->field].indexed || g->q.c->fields[g->field].pii))
		return api_fail(
		    req, 400, "bad_request",
		    "the metric names an unknown or unindexed field");
	return 0;
}

/* The request's aggregate over definition c into sql; 0 or 400. */
static int
build(struct request *req, const struct collection *c,
      struct aggregate_query *g, struct record_sql *sql)
{
	const char *by = request_query(req, "group_by"), *why = NULL;
	int st;

	memset(g, 0, sizeof(*g));
	memset(sql, 0, sizeof(*sql));
	if (records_read_query(req, c, &g->q) < 0)
		return req->err.status ? req->err.status : 400;
	g->group = -1;
	if (by != NULL && (g->group = collection_field(c, by)) < 0)
		return api_fail(req, 400, "bad_request",
		                "group_by names an unknown field");
	if ((st = read_metric(req, g, request_query(req, "metric"))) != 0)
		return st;
	if (records_build_aggregate(req->arena, g, sql, &why) < 0)
		return api_fail(req, 400, "bad_request", why);
	return 0;
}

/* A key or value: JSON number, boolean or string by the field's type. */
static void
put_typed(struct buf *b, const char *v, const struct field_def *d)
{
	if (v == NULL)
		buf_puts(b, "null");
	else if (d != NULL && (d->type == FT_STRING || d->type == FT_DATETIME))
		buf_json_str(b, v);
	else
		buf_puts(b, v);
}

static int
render(struct request *req, const struct aggregate_query *g,
       const struct aggregate_result *res)
{
	const struct field_def *gd =
	    g->group >= 0 ? &g->q.c->fields[g->group] : NULL;
	const struct field_def *md = g->field >= 0 && g->fn != AGG_COUNT_FIELD
	                                 ? &g->q.c->fields[g->field]
	                                 : NULL;
	const char *metric = request_query(req, "metric");
	struct buf b;

	if (res->n > RECORD_MAX_GROUPS)
		return api_fail(req, 422, "validation_failed",
		                "more than 1,000 groups: filter, or group by "
		                "another field");
	buf_init(&b, req->arena, 1024, AGGREGATE_BODY_MAX);
	buf_puts(&b, "{\"collection\":");
	buf_json_str(&b, g->q.c->name);
	buf_puts(&b, ",\"group_by\":");
	if (gd != NULL)
		buf_json_str(&b, gd->name);
	else
		buf_puts(&b, "null");
	buf_puts(&b, ",\"metric\":");
	buf_json_str(&b, metric != NULL ? metric : "count");
	buf_puts(&b, ",\"groups\":[");
	for (int i = 0; i < res->n; i++) {
		buf_puts(&b, i > 0 ? ",{\"key\":" : "{\"key\":");
		put_typed(&b, res->rows[i].key, gd);
		buf_puts(&b, ",\"value\":");
		put_typed(&b, res->rows[i].value, md);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}");
	response_json_text(req, 200, buf_cstr(&b));
	return 0;
}

int
aggregate_show(struct request *req, struct plan *plan)
{
	const struct collection *c;
	struct known_def k;
	struct aggregate_query g;
	struct aggregate_result res = {0};
	struct record_sql sql;
	bool queued = false, same;
	int st;

	records_known_def_open(req, &k);
	if (k.c != NULL) {
		if (build(req, k.c, &g, &sql) == 0)
			queued =
			    records_aggregate(req->db, &sql, AGGREGATE_TIMEOUT,
			                      &res) >= 0;
		/* A bad query string is answered after authorization. */
		memset(&req->err, 0, sizeof(req->err));
	}
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((st = records_read_definition(req, plan, &k, &c, &same)) != 0)
		return st;
	if (c == NULL)
		return api_fail(req, 404, "not_found", "no such collection");
	if (!queued || !same) {
		if ((st = build(req, c, &g, &sql)) != 0)
			return st;
		plan_more(plan);
		records_aggregate(req->db, &sql, AGGREGATE_TIMEOUT, &res);
		if ((st = plan_more_run(plan)) != 0)
			return st;
	}
	return render(req, &g, &res);
}

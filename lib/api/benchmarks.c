/*
 * benchmarks.c - /v1/benchmarks.
 *
 * One round trip: the stored answers ride the authentication trip.  The
 * noise was drawn by the rollup (ops/reporter.c), once per tenant, day
 * and metric, so asking again cannot average it away.
 */
#include "api/benchmarks.h"

#include "api/api.h"
#include "api/plan.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "data/analytics.h"

int
benchmarks_show(struct request *req, struct plan *plan)
{
	struct benchmark_answers b;
	cJSON *o, *c, *m;
	int st;

	analytics_benchmarks_of(req->db, req->tenant->id_str, &b);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (b.n == 0)
		return api_fail(
		    req, 404, "not_found",
		    "no benchmark: the tenants of this plan are too "
		    "few to compare with, or no day was rolled up");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "day", b.day);
	c = cJSON_AddObjectToObject(o, "cohort");
	cJSON_AddStringToObject(c, "plan", b.plan);
	cJSON_AddRawToObject(o, "epsilon_per_metric", b.epsilon);
	m = cJSON_AddObjectToObject(o, "metrics");
	for (int i = 0; i < b.n; i++)
		cJSON_AddRawToObject(
		    cJSON_AddObjectToObject(m, b.rows[i].metric), "percentile",
		    b.rows[i].percentile);
	response_json(req, 200, o);
	return 0;
}

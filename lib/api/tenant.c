/*
 * tenant.c - GET /v1/tenant: the public facts of the host's tenant.
 */
#include "api/tenant.h"

#include "api/plan.h"
#include "core/request.h"
#include "core/response.h"

int
tenant_show(struct request *req, struct plan *plan)
{
	cJSON *o;
	int st;

	/* The status is the version row's, read fresh: a suspension shows
	 * on the very next request, whatever a worker's cache holds. */
	if ((st = plan_read(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", req->tenant->id_str);
	cJSON_AddStringToObject(o, "slug", req->tenant->slug);
	cJSON_AddStringToObject(o, "name", req->tenant->name);
	cJSON_AddStringToObject(o, "status", plan->v.status);
	response_json(req, 200, o);
	req->res.cacheable = true;
	return 0;
}

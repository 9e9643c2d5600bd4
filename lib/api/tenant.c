/*
 * tenant.c - the tenant's public facts.
 */
#include "api/tenant.h"

#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/db.h"
#include "data/tenants.h"

#include <stdio.h>

void
tenant_show(struct request *req)
{
	cJSON *o;
	PGresult *r;
	int h;

	/* The status is read fresh: a suspension shows on the very next
	 * request, whatever a worker's cache still holds. */
	h = tenants_queue_version(req->db, req->tenant->id_str);
	if (h < 0 || db_sync(req->db) != 0) {
		problem(req, 503, "service_unavailable",
		        "the database is unavailable");
		return;
	}
	r = db_result(req->db, h);
	if (PQntuples(r) == 1)
		snprintf(req->tenant->status, sizeof(req->tenant->status), "%s",
		         db_value(r, 0, 1));
	if (tenants_check_status(req, req->tenant->status) != 0)
		return;
	o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", req->tenant->id_str);
	cJSON_AddStringToObject(o, "slug", req->tenant->slug);
	cJSON_AddStringToObject(o, "name", req->tenant->name);
	cJSON_AddStringToObject(o, "status", req->tenant->status);
	response_json(req, 200, o);
	req->res.cacheable = true;
}

/*
 * tenant.c - the tenant's public facts.
 */
#include "api/tenant.h"

#include "core/json.h"
#include "core/request.h"

void
tenant_show(struct request *req)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", req->tenant->id_str);
	cJSON_AddStringToObject(o, "slug", req->tenant->slug);
	cJSON_AddStringToObject(o, "name", req->tenant->name);
	cJSON_AddStringToObject(o, "status", req->tenant->status);
	response_json(req, 200, o);
	req->res.cacheable = true;
}

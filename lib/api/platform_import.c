/*
 * platform_import.c - POST /v1/platform/tenants/import.
 *
 * Round trips: the operator's status, then the import's own transaction
 * (ops/tenant_import.h: four trips at most, all or nothing).
 */
#include "api/platform_import.h"

#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "ops/tenant_import.h"

static int
status_of(int rc)
{
	switch (rc) {
	case TENANT_IMPORT_MALFORMED:
		return 400;
	case TENANT_IMPORT_INVALID:
		return 422;
	case TENANT_IMPORT_CONFLICT:
		return 409;
	case TENANT_IMPORT_UNAVAILABLE:
		return 503;
	default:
		return 500;
	}
}

static const char *
code_of(int rc)
{
	switch (rc) {
	case TENANT_IMPORT_MALFORMED:
		return "invalid_export";
	case TENANT_IMPORT_INVALID:
		return "export_refused";
	case TENANT_IMPORT_CONFLICT:
		return "tenant_exists";
	case TENANT_IMPORT_UNAVAILABLE:
		return "service_unavailable";
	default:
		return "internal_error";
	}
}

/* The 201 answer: the tenant and what the import carried. */
static cJSON *
answer(const struct tenant_import_result *r)
{
	cJSON *o = cJSON_CreateObject(),
	      *t = cJSON_AddObjectToObject(o, "tenant");

	json_add_str(t, "id", r->id);
	json_add_str(t, "slug", r->slug);
	json_add_str(t, "name", r->name);
	json_add_str(o, "source_id", r->source_id);
	cJSON_AddNumberToObject(o, "rows", (double)r->rows);
	cJSON_AddNumberToObject(o, "keys", r->keys);
	cJSON_AddNumberToObject(o, "resealed", r->resealed);
	json_add_str(o, "format", r->plain ? "plain" : "faithful");
	json_add_str(o, "passwords",
	             r->plain ? "not carried: every user must reset their "
	                        "password (POST /v1/auth/password/forgot)"
	                      : "kept: users sign in with their old passwords");
	json_add_str(o, "not_carried",
	             r->plain ? "password hashes, MFA enrolments, API keys, "
	                        "webhooks, the audit chain, keys (new ones "
	                        "were made), sessions (docs/import.md)"
	                      : "sessions (refresh tokens), pending "
	                        "invitations and resets, custom domains, "
	                        "event stream and webhook delivery history "
	                        "(docs/import.md)");
	return o;
}

int
platform_import_tenant(struct request *req, struct plan *plan)
{
	const char *keep = request_query(req, "keep_id");
	char actor[UUID_STR_LEN + 1];
	struct tenant_import_options o = {
	    .slug = request_query(req, "slug"),
	    .keep_id = keep != NULL && strcmp(keep, "true") == 0,
	    .actor_type = "operator",
	    .actor_id = actor,
	    .request_id = req->request_id,
	    .client_addr = req->client_addr,
	};
	struct tenant_import_result r;
	int st, rc;

	if ((st = plan_read(plan)) != 0)
		return st;
	if (req->json == NULL || !cJSON_IsObject(req->json))
		return api_fail(req, 400, "invalid_export",
		                "send a tenant export (a JSON object)");
	uuid_format(&req->principal.id, actor);
	rc = tenant_import_run(req, req->body, req->body_len,
	                       tenant_import_transport_key(), &o, &r);
	if (rc != TENANT_IMPORT_OK)
		return api_fail(req, status_of(rc), code_of(rc), r.why);
	response_json(req, 201, answer(&r));
	return 0;
}

/*
 * problem.c - problem+json responses.
 */
#include "core/problem.h"

#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/request.h"

static const struct {
	const char *code;
	const char *title;
} titles[] = {
    {"tenant_not_found", "Tenant not found"},
    {"tenant_suspended", "Tenant suspended"},
    {"invalid_host", "Invalid host"},
    {"not_found", "Not found"},
    {"method_not_allowed", "Method not allowed"},
    {"invalid_json", "Invalid JSON"},
    {"body_too_large", "Request body too large"},
    {"unsupported_media_type", "Unsupported media type"},
    {"validation_failed", "Validation failed"},
    {"unauthorized", "Authentication required"},
    {"invalid_token", "Invalid token"},
    {"invalid_credentials", "Invalid credentials"},
    {"forbidden", "Permission denied"},
    {"conflict", "Conflict"},
    {"precondition_failed", "Precondition failed"},
    {"precondition_required", "Precondition required"},
    {"rate_limited", "Too many requests"},
    {"service_unavailable", "Service unavailable"},
    {"internal_error", "Internal error"},
    {"bad_request", "Bad request"},
    {"quota_exceeded", "Quota exceeded"},
    {"export_too_large", "Export too large"},
    {"slug_taken", "Slug taken"},
    {"last_owner", "Last owner"},
    {"builtin_role", "Built-in role"},
    {"role_in_use", "Role in use"},
    {"mfa_required", "Second factor required"},
    {"mfa_enrolment_required", "Second factor enrolment required"},
    {"invalid_mfa_code", "Invalid second-factor code"},
    /* Support access (api/impersonation.h). */
    {"impersonation_forbidden", "Not allowed in a support session"},
    {"support_role_required", "Support role required"},
    {"support_access_denied", "Support access denied"},
    {"support_request_denied", "Support request denied"},
};

const char *
problem_title(int status, const char *code)
{
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i].code, code) == 0)
			return titles[i].title;
	return response_reason(status);
}

void
problem_errors(struct request *req, int status, const char *code,
               const char *detail, cJSON *errors)
{
	problem_members(req, status, code, detail, errors, NULL);
}

void
problem_members(struct request *req, int status, const char *code,
                const char *detail, cJSON *errors, cJSON *members)
{
	cJSON *m;
	cJSON *o = cJSON_CreateObject();
	const char *title = problem_title(status, code);

	cJSON_AddStringToObject(
	    o, "type", arena_printf(req->arena, PROBLEM_BASE "%s", code));
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddNumberToObject(o, "status", status);
	cJSON_AddStringToObject(o, "detail", detail ? detail : title);
	cJSON_AddStringToObject(o, "code", code);
	cJSON_AddStringToObject(o, "request_id", req->request_id);
	if (errors != NULL)
		cJSON_AddItemToObject(o, "errors", errors);
	while (members != NULL && (m = members->child) != NULL) {
		cJSON_DetachItemViaPointer(members, m);
		if (cJSON_GetObjectItemCaseSensitive(o, m->string) == NULL)
			cJSON_AddItemToObject(o, m->string, m);
		else
			cJSON_Delete(m);
	}
	response_json(req, status, o);
	req->res.content_type = "application/problem+json";
	req->res.cacheable = false;
	if (status == 401)
		response_header(req, "WWW-Authenticate",
		                "Bearer realm=\"strata\"");
	if (status == 503)
		response_header(req, "Retry-After", "1");
}

void
problem(struct request *req, int status, const char *code, const char *detail)
{
	problem_errors(req, status, code, detail, NULL);
}

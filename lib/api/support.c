/*
 * support.c - support requests and sessions as the tenant sees them.
 */
#include "api/support.h"

#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "core/uuid.h"
#include "data/support.h"

struct db;

typedef int page_fn(struct db *db, const char *tid, const char *after,
                    const char *limit, struct support_page *out);

/* A keyset page of scope read by page (data/support.h). */
static int
list(struct request *req, struct plan *plan, const char *scope, page_fn *page)
{
	struct support_page rows = {0};
	struct api_page p = {0};
	struct api_deferred bad;
	int st;

	if (api_page(req, scope, &p) == 0)
		page(req->db, req->tenant->id_str, p.after, p.fetch, &rows);
	(void)api_defer(req, &bad);
	if ((st = plan_read(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	api_list_texts(req, rows.n, rows.json, rows.ids, p.limit, scope);
	return 0;
}

int
support_requests_list(struct request *req, struct plan *plan)
{
	return list(req, plan, "support_requests", support_requests_page);
}

int
support_sessions_list(struct request *req, struct plan *plan)
{
	return list(req, plan, "support_sessions", support_sessions_page);
}

/* An owner's decision on a pending support request. */
static int
decide(struct request *req, struct plan *plan, const char *status,
       const char *action)
{
	const char *id = req->args[0];
	bool id_ok = uuid_valid(id);
	struct support_one cur = {0}, after;
	int st;

	if (id_ok)
		support_request_get(req->db, req->tenant->id_str, id, &cur);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!id_ok || !cur.found)
		return api_fail(req, 404, "not_found",
		                "no such support request");
	if (!cur.live)
		return api_fail(req, 409, "conflict",
		                "the support request is no longer pending");
	support_request_decide(req->db, req->tenant->id_str, id, status,
	                       req->principal.id_str, &after);
	api_audit(req, action, "support_request", id, AUDIT_SUCCESS, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!after.found) /* decided by someone else meanwhile */
		return api_fail(req, 409, "conflict",
		                "the support request is no longer pending");
	response_json_text(req, 200, after.json);
	return 0;
}

int
support_request_approve(struct request *req, struct plan *plan)
{
	return decide(req, plan, "approved", "support.request_approve");
}

int
support_request_deny(struct request *req, struct plan *plan)
{
	return decide(req, plan, "denied", "support.request_deny");
}

int
support_session_delete(struct request *req, struct plan *plan)
{
	const char *id = req->args[0];
	bool id_ok = uuid_valid(id);
	struct support_session_row cur = {0};
	struct support_one s;
	int st;

	if (id_ok)
		support_session_check(req->db, req->tenant->id_str, id, &cur);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!id_ok || !cur.found)
		return api_fail(req, 404, "not_found",
		                "no such support session");
	support_session_end(req->db, req->tenant->id_str, id,
	                    req->principal.kind == PRINCIPAL_USER
	                        ? req->principal.id_str
	                        : NULL,
	                    &s);
	if (cur.live)
		api_audit(req, "support.session_end", "support_session", id,
		          AUDIT_SUCCESS,
		          json_printf("{\"operator\":\"%s\",\"user\":\"%s\"}",
		                      cur.operator_id, cur.user_id));
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

static const char *
access_of(const cJSON *doc)
{
	const char *s = json_str(doc, "support_access");

	return s != NULL ? s : "denied";
}

int
support_access_check(struct request *req, const cJSON *before,
                     const cJSON *after)
{
	const char *from = access_of(before), *to = access_of(after);
	const cJSON *auth_before =
	                cJSON_GetObjectItemCaseSensitive(before, "auth"),
	            *auth_after =
	                cJSON_GetObjectItemCaseSensitive(after, "auth");
	cJSON *d;

	/* The sign-in rules (MFA policy, SSO, password policy, lockout,
	 * invitations, joining) are credentials too. */
	if (req->principal.act != NULL &&
	    !cJSON_Compare(auth_before, auth_after, true))
		return api_fail(req, 403, "impersonation_forbidden",
		                "a support session cannot change the sign-in "
		                "settings (auth)");
	if (strcmp(from, to) == 0)
		return 0;
	if (req->principal.act != NULL)
		return api_fail(req, 403, "impersonation_forbidden",
		                "a support session cannot change "
		                "support_access");
	if (!req->principal.owner)
		return api_fail(req, 403, "forbidden",
		                "changing support_access needs the owner role");
	d = cJSON_CreateObject();
	json_add_str(d, "from", from);
	json_add_str(d, "to", to);
	api_audit(req, "config.support_access_changed", "config",
	          "support_access", AUDIT_SUCCESS, json_print(d));
	return 0;
}

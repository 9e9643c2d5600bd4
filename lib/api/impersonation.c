/*
 * impersonation.c - support sessions: starting one on the apex, and what
 * every request made under one is checked against and leaves in the logs.
 */
#include "api/impersonation.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/request.h"
#include "core/response.h"
#include "core/router.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/platform_audit.h"
#include "data/settings.h"
#include "data/tenants.h"
#include "sec/token.h"

/* Where a support session may not go: the one list (issue 18: it cannot
 * change credentials, MFA, API keys, key rotation or support_access).
 * method NULL: every method; a pattern ending in '*' is a prefix of
 * route patterns; field: only a body holding that member is refused.
 * support_access and the sign-in settings (auth) are guarded where
 * settings are written (api/support.h, support_access_check). */
static const struct refusal {
	const char *method;
	const char *pattern;
	const char *field;
	const char *what;
} refusals[] = {
    {"POST", "/v1/users", "password", "passwords"},
    {"PATCH", "/v1/users/{id}", "password", "passwords"},
    {"PATCH", "/v1/users/{id}", "status", "the sessions of others"},
    {"DELETE", "/v1/users/{id}", NULL, "the sessions of others"},
    {"POST", "/v1/invitations", NULL, "invitations (new credentials)"},
    {"DELETE", "/v1/invitations/{id}", NULL, "invitations (new credentials)"},
    {"POST", "/v1/auth/logout", NULL, "sessions"},
    {NULL, "/v1/me/mfa*", NULL, "MFA"},
    {"DELETE", "/v1/users/{id}/mfa", NULL, "MFA"},
    {"POST", "/v1/api-keys", NULL, "API keys"},
    {"DELETE", "/v1/api-keys/{id}", NULL, "API keys"},
    {"POST", "/v1/keys/rotate", NULL, "keys"},
    {NULL, "/v1/support/*", NULL, "support access"},
};

static bool
pattern_is(const char *want, const char *pattern)
{
	size_t n = strlen(want);

	if (n > 0 && want[n - 1] == '*')
		return strncmp(pattern, want, n - 1) == 0;
	return strcmp(pattern, want) == 0;
}

const char *
impersonation_refusal(const char *method, const char *pattern,
                      const cJSON *body)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];

		if (r->method != NULL && strcmp(r->method, method) != 0)
			continue;
		if (!pattern_is(r->pattern, pattern))
			continue;
		if (r->field != NULL &&
		    !cJSON_HasObjectItem(cJSON_IsObject(body) ? body : NULL,
		                         r->field))
			continue;
		return r->what;
	}
	return NULL;
}

int
impersonation_check(struct request *req, const struct support_session_row *s)
{
	const char *what;

	if (!s->found || s->operator_id == NULL || s->user_id == NULL ||
	    strcasecmp(s->operator_id, req->principal.act) != 0 ||
	    strcasecmp(s->user_id, req->principal.id_str) != 0)
		return api_fail(req, 401, "invalid_token",
		                "the support session is not valid here");
	req->principal.act_reason = s->reason;
	if (!s->live)
		return api_fail(req, 401, "invalid_token",
		                s->ended ? "the support session has been ended"
		                         : "the support session has expired");
	if (!s->operator_ok)
		return api_fail(
		    req, 401, "invalid_token",
		    "the operator no longer holds the support role");
	what =
	    impersonation_refusal(req->method, req->route->pattern, req->json);
	if (what != NULL)
		return api_fail(
		    req, 403, "impersonation_forbidden",
		    arena_printf(req->arena,
		                 "a support session cannot change %s", what));
	return 0;
}

/* The two events of one support action by operator op on user uid of
 * req->tenant: the tenant's (target the user) and the platform's (target
 * the tenant, the user in details). */
static void
audit_both(struct request *req, const char *op, const char *action,
           const char *uid, enum audit_outcome outcome, cJSON *details)
{
	struct audit_event e = {
	    .tenant_id = req->tenant->id_str,
	    .actor_type = "operator",
	    .actor_id = op,
	    .action = action,
	    .target_type = "user",
	    .target_id = uid,
	    .outcome = outcome,
	    .request_id = req->request_id,
	    .client_addr = req->client_addr,
	    .details = json_print(details),
	};

	audit_queue_event(req->db, &e);
	json_add_str(details, "user", uid);
	e.target_type = "tenant";
	e.target_id = req->tenant->id_str;
	e.details = json_print(details);
	platform_audit_queue(req->db, &e);
}

static enum audit_outcome
outcome_of(int status)
{
	if (status < 400)
		return AUDIT_SUCCESS;
	return status == 401 || status == 403 ? AUDIT_DENIED : AUDIT_FAILURE;
}

void
impersonation_audit(struct request *req, int status)
{
	const struct principal *p = &req->principal;
	struct support_session_row s;
	const char *reason = p->act_reason;
	cJSON *d;
	int rc;

	if (req->tenant == NULL || p->act == NULL || p->sid == NULL)
		return;
	db_finish(req->db); /* the request's own work is over */
	req->tx_open = false;
	db_begin(req->db, &req->tenant->id);
	if (reason == NULL) {
		/* Refused before its plan read the session (a rate limit). */
		support_session_check(req->db, req->tenant->id_str, p->sid, &s);
		if (db_sync(req->db) == DB_OK && s.found)
			reason = s.reason;
	}
	d = cJSON_CreateObject();
	json_add_str(d, "session", p->sid);
	json_add_str(d, "reason", reason);
	json_add_str(d, "method", req->method);
	json_add_str(d, "path", req->path);
	cJSON_AddNumberToObject(d, "status", status);
	audit_both(req, p->act, "support.request", p->id_str,
	           outcome_of(status), d);
	db_commit(req->db);
	if ((rc = db_sync(req->db)) != DB_OK)
		log_error("a support session's request was not audited "
		          "(database status %d)",
		          rc);
	db_finish(req->db);
}

/* The body of an impersonation.  0 or 400/422 recorded. */
struct start_body {
	const char *user_id;
	const char *reason;
	int minutes;
};

static int
read_start(struct request *req, struct start_body *b)
{
	static const char *const fields[] = {"user_id", "reason", "minutes",
	                                     NULL};
	const cJSON *o = api_object(req, fields), *m;
	cJSON *e = NULL;

	b->minutes = IMPERSONATION_MINUTES_DEFAULT;
	if (o == NULL)
		return req->err.status;
	b->user_id = json_str(o, "user_id");
	b->reason = json_str(o, "reason");
	m = cJSON_GetObjectItemCaseSensitive(o, "minutes");
	if (b->user_id == NULL || !uuid_valid(b->user_id))
		e = json_add_field_error(e, "user_id", "must be a user id");
	if (b->reason == NULL || *b->reason == '\0' ||
	    strlen(b->reason) > IMPERSONATION_REASON_MAX)
		e = json_add_field_error(e, "reason",
		                         "must be 1-500 bytes of text");
	if (m != NULL) {
		if (!cJSON_IsNumber(m) || m->valuedouble < 1 ||
		    m->valuedouble > IMPERSONATION_MINUTES_MAX ||
		    m->valuedouble != (double)(int)m->valuedouble)
			e = json_add_field_error(
			    e, "minutes",
			    "must be a whole number from 1 to 60");
		else
			b->minutes = (int)m->valuedouble;
	}
	if (e == NULL)
		return 0;
	return api_fail_errors(req, 422, "validation_failed",
	                       "the impersonation is not valid", e);
}

/* A refused impersonation, audited in both logs before the answer. */
static int
refuse(struct request *req, struct plan *plan, const char *uid, int status,
       const char *code, const char *detail)
{
	cJSON *d = cJSON_CreateObject();
	int st;

	json_add_str(d, "refused", code);
	audit_both(req, req->principal.id_str, "support.impersonate", uid,
	           AUDIT_DENIED, d);
	if ((st = plan_commit(plan)) != 0)
		return st;
	return api_fail(req, status, code, detail);
}

static int
pending(struct request *req, struct plan *plan, const char *id)
{
	cJSON *o;
	int st;

	if ((st = plan_commit(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	json_add_str(o, "request_id", id);
	json_add_str(o, "status", "pending");
	json_add_str(o, "detail",
	             "an owner of the tenant must approve this request; "
	             "retry once it is approved");
	response_json(req, 202, o);
	return 0;
}

/* A new support request of the operator for b (ask): 202. */
static int
ask(struct request *req, struct plan *plan, const struct start_body *b)
{
	char id[UUID_STR_LEN + 1];
	struct uuid u;
	cJSON *d = cJSON_CreateObject();

	uuid_v7(&u);
	uuid_format(&u, id);
	support_request_insert(req->db, req->tenant->id_str, id,
	                       req->principal.id_str, b->user_id, b->reason,
	                       arena_printf(req->arena, "%d", b->minutes));
	json_add_str(d, "request", id);
	json_add_str(d, "reason", b->reason);
	cJSON_AddNumberToObject(d, "minutes", b->minutes);
	audit_both(req, req->principal.id_str, "support.request_open",
	           b->user_id, AUDIT_SUCCESS, d);
	return pending(req, plan, arena_strdup(req->arena, id));
}

/* The session itself: its row, both events, the token.  201. */
static int
open_session(struct request *req, struct plan *plan, const struct start_body *b,
             const char *request_id)
{
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *sk = keyring_find(k, KEY_SIGNING, NULL);
	char sid[UUID_STR_LEN + 1];
	long long expires_at;
	struct uuid u;
	const char *tok;
	cJSON *d, *o;
	int st, ttl = b->minutes * 60;

	if (sk == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the signing key is unavailable");
	uuid_v7(&u);
	uuid_format(&u, sid);
	tok = token_issue_act(req->arena, sk->key, &sk->id, api_origin(req),
	                      req->tenant->id_str, b->user_id, sid,
	                      req->principal.id_str, clock_real_s(), ttl);
	if (tok == NULL)
		return api_fail(req, 500, "internal_error",
		                "cannot issue the token");
	support_session_insert(
	    req->db, req->tenant->id_str, arena_strdup(req->arena, sid),
	    req->principal.id_str, b->user_id, b->reason, request_id,
	    arena_printf(req->arena, "%d", b->minutes), &expires_at);
	d = cJSON_CreateObject();
	json_add_str(d, "session", sid);
	json_add_str(d, "reason", b->reason);
	cJSON_AddNumberToObject(d, "minutes", b->minutes);
	if (request_id != NULL)
		json_add_str(d, "request", request_id);
	audit_both(req, req->principal.id_str, "support.session_start",
	           b->user_id, AUDIT_SUCCESS, d);
	if ((st = plan_commit(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	json_add_str(o, "access_token", tok);
	json_add_str(o, "token_type", "Bearer");
	cJSON_AddNumberToObject(o, "expires_in", ttl);
	json_add_str(o, "session_id", sid);
	json_add_str(o, "tenant_id", req->tenant->id_str);
	json_add_str(o, "user_id", b->user_id);
	response_json(req, 201, o);
	return 0;
}

/* With ask: the operator's latest request for this user decides. */
static int
consent(struct request *req, struct plan *plan, struct start_body *b,
        const struct support_request_state *last)
{
	struct support_one used;

	if (last->found && last->approved_live) {
		/* What the owner approved counts, not the retry's body. */
		b->reason = last->reason;
		b->minutes = last->minutes;
		support_request_use(req->db, req->tenant->id_str, last->id,
		                    &used);
		return open_session(req, plan, b, last->id);
	}
	if (last->found && last->pending_live)
		return pending(req, plan, last->id);
	if (last->found && last->denied_live)
		return refuse(req, plan, b->user_id, 403,
		              "support_request_denied",
		              "an owner of the tenant denied this support "
		              "request");
	return ask(req, plan, b);
}

/* The tenant of the path (not deleted) as req->tenant, its transaction
 * opened.  0 or 404. */
static int
enter(struct request *req, const struct tenant_one *one, bool valid)
{
	if (!valid || !one->found || strcmp(one->t.status, "deleted") == 0)
		return api_fail(req, 404, "not_found", "no such tenant");
	req->tenant = arena_alloc(req->arena, sizeof(*req->tenant));
	*req->tenant = one->t;
	api_begin(req);
	return 0;
}

int
impersonation_start(struct request *req, struct plan *plan)
{
	bool valid = req->nargs > 0 && uuid_valid(req->args[0]);
	struct support_request_state last = {0};
	const struct tenant_settings *s;
	struct support_operator op;
	struct tenant_one one = {0};
	struct api_deferred bad;
	struct start_body b = {0};
	struct support_user u;
	int st;

	(void)read_start(req, &b);
	(void)api_defer(req, &bad);
	support_operator_get(req->db, req->principal.id_str, &op);
	if (valid)
		tenants_get(req->db, req->args[0], &one);
	if ((st = plan_run(plan)) != 0)
		return st;
	/* Operators see every tenant anyway: an unknown one or a bad body
	 * is told before the missing role. */
	if ((st = enter(req, &one, valid)) != 0 ||
	    (st = api_deferred(req, &bad)) != 0)
		return st;
	if (!op.support)
		return refuse(req, plan, b.user_id, 403,
		              "support_role_required",
		              "impersonation needs the operator support role");
	if ((s = api_settings(req)) == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's settings cannot be read now");
	if (s->support_access == SETTINGS_SUPPORT_DENIED)
		return refuse(req, plan, b.user_id, 403,
		              "support_access_denied",
		              "the tenant does not allow support access");
	support_user_get(req->db, req->tenant->id_str, b.user_id, &u);
	if (s->support_access == SETTINGS_SUPPORT_ASK)
		support_request_latest(req->db, req->tenant->id_str,
		                       req->principal.id_str, b.user_id, &last);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!u.found || !u.active)
		return api_fail_errors(
		    req, 422, "validation_failed",
		    "the impersonation is not valid",
		    json_add_field_error(
		        NULL, "user_id",
		        "is not an active user of this tenant"));
	if (s->support_access == SETTINGS_SUPPORT_ASK)
		return consent(req, plan, &b, &last);
	return open_session(req, plan, &b, NULL);
}

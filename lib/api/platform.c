/*
 * platform.c - signup and the operators' API on the apex host.
 */
#include "api/platform.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/forward.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/email.h"
#include "core/host.h"
#include "core/json.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/regions.h"
#include "core/request.h"
#include "core/response.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/db.h"
#include "data/operators.h"
#include "data/plans.h"
#include "data/platform_audit.h"
#include "data/provision.h"
#include "data/tenants.h"
#include "sec/password.h"
#include "sec/token.h"

#define OPERATOR_TTL 900

/* Every problem of a signup body at once: 0, or 422 recorded with
 * api_fail_errors(). */
static int
signup_invalid(struct request *req, const struct provision *p)
{
	cJSON *e = NULL;
	const char *why;

	if (p->slug == NULL || !host_slug_valid(p->slug))
		e = json_add_field_error(
		    e, "slug",
		    "must be 3-63 of a-z, 0-9 and '-', not "
		    "reserved");
	if (p->name == NULL || *p->name == '\0' || strlen(p->name) > 200)
		e = json_add_field_error(e, "name", "must be 1-200 characters");
	if (p->owner_email == NULL ||
	    email_norm(req->arena, p->owner_email) == NULL)
		e = json_add_field_error(e, "owner.email",
		                         "must be an e-mail address");
	why = p->owner_password == NULL
	          ? "is required"
	          : password_policy(p->owner_password, p->owner_email,
	                            PASSWORD_MIN_DEFAULT);
	if (why != NULL)
		e = json_add_field_error(e, "owner.password", why);
	if (p->owner_name != NULL && strlen(p->owner_name) > 200)
		e = json_add_field_error(e, "owner.name",
		                         "at most 200 characters");
	/* Self-service signup gets the default plan; an operator moves the
	 * tenant to another (PATCH /v1/platform/tenants/{id}). */
	if (p->plan_name != NULL && strcmp(p->plan_name, cfg.default_plan) != 0)
		e = json_add_field_error(
		    e, "plan",
		    json_printf("self-service signup gets the %s plan",
		                cfg.default_plan));
	if (cJSON_HasObjectItem(req->json, "plan") && p->plan_name == NULL)
		e = json_add_field_error(e, "plan", "must be a plan name");
	if (cJSON_HasObjectItem(req->json, "template") &&
	    p->template_name == NULL)
		e = json_add_field_error(e, "template",
		                         "must be a template name");
	if (cJSON_HasObjectItem(req->json, "region") && p->region == NULL)
		e = json_add_field_error(e, "region", "must be a region name");
	if (cJSON_HasObjectItem(req->json, "locale") && p->locale == NULL)
		e = json_add_field_error(e, "locale",
		                         "must be a language tag like en or "
		                         "fr-CA");
	if (e == NULL)
		return 0;
	return api_fail_errors(req, 422, "validation_failed",
	                       "the signup is not valid", e);
}

/* The signup body into p: 0, or the status of its refusal. */
static int
signup_body(struct request *req, struct provision *p)
{
	static const char *const fields[] = {"slug",     "name", "owner",
	                                     "template", "plan", "region",
	                                     "locale",   NULL};
	static const char *const owner_fields[] = {"email", "password", "name"};
	const cJSON *b = api_object(req, fields), *owner, *item;

	if (b == NULL)
		return req->err.status;
	owner = cJSON_GetObjectItemCaseSensitive(b, "owner");
	cJSON_ArrayForEach(item, owner)
	{
		bool known = false;

		for (int i = 0; i < 3; i++)
			known |= strcmp(item->string, owner_fields[i]) == 0;
		if (!known)
			return api_fail_errors(
			    req, 422, "validation_failed",
			    "the owner has fields that are not accepted",
			    json_add_field_error(NULL, "owner",
			                         "has an unknown field"));
	}
	p->slug = json_str(b, "slug");
	p->name = json_str(b, "name");
	p->template_name = json_str(b, "template");
	p->plan_name = json_str(b, "plan");
	p->region = json_str(b, "region");
	p->locale = json_str(b, "locale");
	p->owner_email =
	    cJSON_IsObject(owner) ? json_str(owner, "email") : NULL;
	p->owner_password = json_str(owner, "password");
	p->owner_name = json_str(owner, "name");
	return signup_invalid(req, p);
}

/* Multi-region (docs/regions.md): a signup for another region is passed
 * on to that region's edge, which alone creates the tenant (and checks its
 * plan); one from another edge is never passed on again.  0 to create the
 * tenant here, also when passed on (req->forwarded_to set), or the status
 * of the refusal. */
static int
signup_region(struct request *req, const struct provision *p)
{
	if (*cfg.region == '\0' || p->region == NULL ||
	    strcmp(p->region, cfg.region) == 0)
		return 0;
	if (regions_find(p->region) == NULL || forward_came_from_edge(req))
		return api_fail_errors(
		    req, 422, "validation_failed", "the signup is not valid",
		    json_add_field_error(NULL, "region",
		                         "is not a region of this service"));
	return forward_to_region(req, p->region);
}

/* provision_tenant()'s refusal as the problem of a signup. */
static int
provision_failed(struct request *req, int rc, const struct provision_refusal *r)
{
	if (rc == PROVISION_TAKEN)
		return api_fail(req, 409, "slug_taken", r->why);
	if (rc == PROVISION_INVALID)
		return api_fail_errors(
		    req, 422, "validation_failed", r->why,
		    json_add_field_error(NULL, r->field, r->why));
	if (rc == PROVISION_UNAVAILABLE)
		return api_fail(req, 503, "service_unavailable", r->why);
	return api_fail(req, 500, "internal_error", r->why);
}

int
platform_signup(struct request *req, struct plan *plan)
{
	struct provision p = {0};
	struct tenant t;
	struct uuid uid;
	char uids[UUID_STR_LEN + 1];
	struct provision_refusal why = {"", ""};
	cJSON *o, *session;
	int rc, st;

	if ((st = signup_body(req, &p)) != 0 ||
	    (st = signup_region(req, &p)) != 0 || req->forwarded_to != NULL)
		return st;
	/* The tenant is made and committed in a transaction of its own:
	 * the session below reads the new tenant's settings and keys. */
	rc = provision_tenant(req->db, req->arena, &p, &t, &uid, &why);
	if (rc != 0)
		return provision_failed(req, rc, &why);
	/* Sign the owner in at the new tenant at once. */
	req->tenant = arena_alloc(req->arena, sizeof(*req->tenant));
	*req->tenant = t;
	uuid_format(&uid, uids);
	api_begin(req);
	if ((st = auth_new_session(req, uids, &session)) != 0 ||
	    (st = plan_commit(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "tenant", tenants_json(&t));
	for (cJSON *s = session->child; s != NULL;) {
		cJSON *next = s->next;

		cJSON_AddItemToObject(o, s->string,
		                      cJSON_DetachItemViaPointer(session, s));
		s = next;
	}
	api_created(req,
	            arena_printf(req->arena, "%s/v1/tenant", api_origin(req)),
	            json_print(o));
	return 0;
}

static int
operator_invalid(struct request *req)
{
	return api_fail(req, 401, "invalid_credentials",
	                "the e-mail or password is wrong");
}

/* The operators' lockout: as a tenant's default (docs/config.md,
 * auth.lockout_*): 5 failures within 15 minutes lock the e-mail for 5 s,
 * doubling with each further failure up to an hour. */
#define OPERATOR_LOCKOUT_THRESHOLD "5"
#define OPERATOR_LOCKOUT_WINDOW_S "900"
#define OPERATOR_LOCKOUT_BASE_S "5"

/* A platform event of this request (actor: the operator once known). */
static void
platform_event(struct request *req, const char *action, const char *op_id,
               enum audit_outcome outcome, const char *details)
{
	struct audit_event e = {
	    .actor_type = outcome == AUDIT_SUCCESS ? "operator" : "anonymous",
	    .actor_id = outcome == AUDIT_SUCCESS ? op_id : NULL,
	    .action = action,
	    .target_type = op_id ? "operator" : NULL,
	    .target_id = op_id,
	    .outcome = outcome,
	    .request_id = req->request_id,
	    .client_addr = req->client_addr,
	    .details = details,
	};

	platform_audit_queue(req->db, &e);
}

/* The platform's transaction (no tenant: the nil id, which no tenant row
 * carries), which the login's lockout row lock lives in. */
static void
platform_begin(struct request *req)
{
	static const struct uuid none;

	if (!req->tx_open) {
		db_begin(req->db, &none);
		req->tx_open = true;
	}
}

/* Locked: audited, 429 with Retry-After, no password checked. */
static int
operator_locked(struct request *req, struct plan *plan,
                const struct operator_row *op)
{
	int st;

	platform_event(req, "operator.login", op->id, AUDIT_DENIED,
	               "{\"reason\":\"locked\"}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_header(req, "Retry-After",
	                arena_printf(req->arena, "%lld", op->locked_s));
	return api_fail(req, 429, "rate_limited",
	                "too many failed logins; try again later");
}

static int
operator_failed(struct request *req, struct plan *plan, const char *norm,
                const struct operator_row *op)
{
	int st;

	operators_queue_fail(req->db, norm, OPERATOR_LOCKOUT_THRESHOLD,
	                     OPERATOR_LOCKOUT_WINDOW_S,
	                     OPERATOR_LOCKOUT_BASE_S);
	platform_event(req, "operator.login", op->id, AUDIT_FAILURE,
	               op->found && op->active
	                   ? "{\"reason\":\"bad_password\"}"
	                   : "{\"reason\":\"unknown_or_disabled\"}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	log_warn("operator login failed");
	return operator_invalid(req);
}

/* The attempt, decided while it holds the e-mail's lockout row: parallel
 * guesses are evaluated one at a time, each after the previous one's
 * failure (and lock) committed.  key/kid: the platform signing key. */
static int
operator_attempt(struct request *req, struct plan *plan, const char *norm,
                 const char *pw, const unsigned char key[CRYPTO_KEY_LEN],
                 const struct uuid *kid)
{
	struct operator_row op;
	const char *tok;
	bool ok;
	cJSON *o;
	int st;

	platform_begin(req);
	operators_by_email(req->db, norm, &op);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (op.locked_s != 0)
		return operator_locked(req, plan, &op);
	/* An unknown e-mail costs the same work as a known one. */
	if (op.found && op.active && op.password_hash != NULL)
		ok = password_verify(pw, op.password_hash);
	else
		ok = password_verify_dummy(pw, cfg.scrypt_log2n);
	if (!ok || !op.found || !op.active)
		return operator_failed(req, plan, norm, &op);
	tok = token_issue(req->arena, key, kid, api_apex_origin(req), NULL,
	                  op.id, NULL, clock_real_s(), OPERATOR_TTL);
	if (tok == NULL)
		return api_fail(req, 500, "internal_error",
		                "cannot issue a token");
	operators_queue_clear_failures(req->db, norm);
	platform_event(req, "operator.login", op.id, AUDIT_SUCCESS, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "access_token", tok);
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddNumberToObject(o, "expires_in", OPERATOR_TTL);
	response_json(req, 200, o);
	return 0;
}

int
platform_login(struct request *req, struct plan *plan)
{
	const char *email, *pw, *norm;
	unsigned char key[CRYPTO_KEY_LEN];
	struct uuid kid;
	int st;

	if (api_credentials(req, &email, &pw) < 0)
		return req->err.status;
	norm = email_norm(req->arena, email);
	if (norm == NULL) {
		/* Not an e-mail: no lockout row to count on, but audited. */
		platform_event(req, "operator.login", NULL, AUDIT_FAILURE,
		               "{\"reason\":\"unknown_or_disabled\"}");
		return (st = plan_commit(plan)) != 0 ? st
		                                     : operator_invalid(req);
	}
	/* The key before the attempt: its first use creates it, which must
	 * not ride (or be rolled back with) the login's transaction. */
	if (operators_signing_key(req->db, NULL, &kid, key) < 0)
		return api_fail(req, 503, "service_unavailable",
		                "the platform key is unavailable");
	st = operator_attempt(req, plan, norm, pw, key, &kid);
	crypto_wipe(key, sizeof(key));
	return st;
}

int
platform_tenants(struct request *req, struct plan *plan)
{
	static const char scope[] = "platform_tenants";
	struct tenant_page page;
	struct api_page p;
	cJSON *o, *items;
	int shown, st;

	if (api_page(req, scope, &p) < 0)
		return plan_refuse(plan, req->err.status);
	tenants_page(req->db, p.after, p.fetch, &page);
	if ((st = plan_read(plan)) != 0)
		return st;
	shown = page.n > p.limit ? p.limit : page.n;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	for (int i = 0; i < shown; i++)
		cJSON_AddItemToArray(items, cJSON_CreateRaw(page.rows[i].json));
	if (page.n > p.limit)
		json_add_str(
		    o, "next_cursor",
		    api_cursor_encode(req, scope, page.rows[shown - 1].slug));
	else
		cJSON_AddNullToObject(o, "next_cursor");
	response_json(req, 200, o);
	return 0;
}

/* The tenant named in the path (any status but deleted), read in the
 * trip that checks the operator, becomes req->tenant: the writes that
 * follow run in its transaction.  Returns 0 or 404. */
static int
target(struct request *req, struct plan *plan)
{
	bool valid = req->nargs > 0 && uuid_valid(req->args[0]);
	struct tenant_one one = {0};
	int st;

	/* A malformed id is simply not found, once the operator is known. */
	if (valid)
		tenants_get(req->db, req->args[0], &one);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (!valid)
		return api_fail(req, 404, "not_found", "no such resource");
	if (!one.found || strcmp(one.t.status, "deleted") == 0)
		return api_fail(req, 404, "not_found", "no such tenant");
	req->tenant = arena_alloc(req->arena, sizeof(*req->tenant));
	*req->tenant = one.t;
	api_begin(req);
	return 0;
}

static int
set_status(struct request *req, struct plan *plan, const char *status,
           const char *action)
{
	struct tenant_one after;
	int st;

	if ((st = target(req, plan)) != 0)
		return st;
	tenants_set_status(req->db, req->tenant->id_str, status, &after);
	api_audit(req, action, "tenant", req->tenant->id_str, AUDIT_SUCCESS,
	          NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	tenants_cache_forget(&req->tenant->id);
	response_json(req, 200, tenants_json(&after.t));
	return 0;
}

int
platform_suspend(struct request *req, struct plan *plan)
{
	return set_status(req, plan, "suspended", "tenant.suspend");
}

int
platform_resume(struct request *req, struct plan *plan)
{
	return set_status(req, plan, "active", "tenant.resume");
}

/* The body of a tenant update: plan and name (NULL: kept).  0 or 422. */
static int
update_body(struct request *req, const char **plan_name, const char **name)
{
	static const char *const fields[] = {"plan", "name", NULL};
	const cJSON *b = api_object(req, fields);
	cJSON *e = NULL;

	if (b == NULL)
		return req->err.status;
	*plan_name = json_str(b, "plan");
	*name = json_str(b, "name");
	if (cJSON_HasObjectItem(b, "plan") &&
	    (*plan_name == NULL || strlen(*plan_name) > PLANS_NAME_MAX))
		e = json_add_field_error(e, "plan", "must be a plan name");
	if (cJSON_HasObjectItem(b, "name") &&
	    (*name == NULL || **name == '\0' || strlen(*name) > 200))
		e = json_add_field_error(e, "name", "must be 1-200 characters");
	if (e == NULL && *plan_name == NULL && *name == NULL)
		e = json_add_field_error(e, "plan", "give a plan or a name");
	if (e == NULL)
		return 0;
	return api_fail_errors(req, 422, "validation_failed",
	                       "the tenant update is not valid", e);
}

/* {"from": a, "to": b} as JSON text. */
static const char *
from_to(const char *a, const char *b)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "from", a);
	cJSON_AddStringToObject(o, "to", b);
	return json_print(o);
}

int
platform_tenant_update(struct request *req, struct plan *plan)
{
	const char *plan_name = NULL, *name = NULL;
	struct tenant before;
	struct tenant_one after;
	int st;

	if ((st = target(req, plan)) != 0 ||
	    (st = update_body(req, &plan_name, &name)) != 0)
		return st;
	before = *req->tenant;
	tenants_update(req->db, before.id_str, plan_name, name, &after);
	if (plan_name != NULL && strcmp(plan_name, before.plan) != 0)
		api_audit(req, "tenant.plan", "tenant", before.id_str,
		          AUDIT_SUCCESS, from_to(before.plan, plan_name));
	if (name != NULL && strcmp(name, before.name) != 0)
		api_audit(req, "tenant.rename", "tenant", before.id_str,
		          AUDIT_SUCCESS, from_to(before.name, name));
	if ((st = plan_commit(plan)) != 0) {
		if (!db_error_is(req->db, "23503"))
			return st;
		memset(&req->err, 0, sizeof(req->err));
		return api_fail_errors(
		    req, 422, "validation_failed", "there is no such plan",
		    json_add_field_error(
		        NULL, "plan",
		        json_printf("there is no plan %s", plan_name)));
	}
	if (!after.found)
		return api_fail(req, 404, "not_found", "no such tenant");
	tenants_cache_forget(&req->tenant->id);
	response_json(req, 200, tenants_json(&after.t));
	return 0;
}

int
platform_delete(struct request *req, struct plan *plan)
{
	struct tenant_one after;
	cJSON *o;
	int st;

	if ((st = target(req, plan)) != 0)
		return st;
	tenants_set_status(req->db, req->tenant->id_str, "deleted", &after);
	keyring_queue_destroy(req->db, &req->tenant->id);
	api_audit(req, "tenant.delete", "tenant", req->tenant->id_str,
	          AUDIT_SUCCESS, "{\"keys\":\"destroyed\"}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	tenants_cache_forget(&req->tenant->id);
	keyring_forget(&req->tenant->id);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", req->tenant->id_str);
	cJSON_AddStringToObject(o, "status", "deleted");
	cJSON_AddStringToObject(o, "keys", "destroyed");
	cJSON_AddStringToObject(o, "rows", "purged by `strata tenant purge`");
	response_json(req, 202, o);
	return 0;
}

/*
 * platform.c - signup and the operators' API on the apex host.
 */
#include "api/platform.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/email.h"
#include "core/host.h"
#include "core/json.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/operators.h"
#include "data/provision.h"
#include "data/tenants.h"
#include "sec/password.h"
#include "sec/token.h"

#define OPERATOR_TTL 900

/* Every problem of a signup body at once; true when one was written. */
static bool
signup_invalid(struct request *req, const struct provision *p)
{
	cJSON *e = NULL;
	const char *why;

	if (p->slug == NULL || !host_slug_valid(p->slug))
		e = problem_add_error(e, "slug",
		                      "must be 3-63 of a-z, 0-9 and '-', not "
		                      "reserved");
	if (p->name == NULL || *p->name == '\0' || strlen(p->name) > 200)
		e = problem_add_error(e, "name", "must be 1-200 characters");
	if (p->owner_email == NULL ||
	    email_norm(req->arena, p->owner_email) == NULL)
		e = problem_add_error(e, "owner.email",
		                      "must be an e-mail address");
	why = p->owner_password == NULL
	          ? "is required"
	          : password_policy(p->owner_password, p->owner_email,
	                            PASSWORD_MIN_DEFAULT);
	if (why != NULL)
		e = problem_add_error(e, "owner.password", why);
	if (p->owner_name != NULL && strlen(p->owner_name) > 200)
		e = problem_add_error(e, "owner.name",
		                      "at most 200 characters");
	if (e == NULL)
		return false;
	problem_errors(req, 422, "validation_failed", "the signup is not valid",
	               e);
	return true;
}

void
platform_signup(struct request *req)
{
	static const char *const fields[] = {"slug", "name", "owner",
	                                     "template", NULL};
	static const char *const owner_fields[] = {"email", "password", "name"};
	const cJSON *b = api_object(req, fields), *owner, *item;
	struct provision p = {0};
	struct tenant t;
	struct uuid uid;
	char uids[UUID_STR_LEN + 1];
	const char *why = "";
	cJSON *o, *session;
	int rc;

	if (b == NULL)
		return;
	owner = cJSON_GetObjectItemCaseSensitive(b, "owner");
	cJSON_ArrayForEach(item, owner)
	{
		bool known = false;

		for (int i = 0; i < 3; i++)
			known |= strcmp(item->string, owner_fields[i]) == 0;
		if (!known) {
			problem_errors(req, 422, "validation_failed",
			               "the owner has fields that are not "
			               "accepted",
			               problem_add_error(NULL, "owner",
			                                 "has an unknown "
			                                 "field"));
			return;
		}
	}
	p.slug = json_str(b, "slug");
	p.name = json_str(b, "name");
	p.template_name = json_str(b, "template");
	p.owner_email = cJSON_IsObject(owner) ? json_str(owner, "email") : NULL;
	p.owner_password = json_str(owner, "password");
	p.owner_name = json_str(owner, "name");
	if (signup_invalid(req, &p))
		return;
	rc = provision_tenant(req->db, req->arena, &p, &t, &uid, &why);
	if (rc != 0) {
		if (rc == 409)
			problem(req, 409, "slug_taken", why);
		else if (rc == 422)
			problem_errors(req, 422, "validation_failed", why,
			               problem_add_error(NULL, "slug", why));
		else
			problem(req, rc,
			        rc == 503 ? "service_unavailable"
			                  : "internal_error",
			        why);
		return;
	}
	/* Sign the owner in at the new tenant at once. */
	req->tenant = arena_alloc(req->arena, sizeof(*req->tenant));
	*req->tenant = t;
	uuid_format(&uid, uids);
	api_begin(req);
	session = auth_new_session(req, uids);
	if (session == NULL || api_commit(req) < 0)
		return;
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
}

void
platform_login(struct request *req)
{
	const char *email, *pw, *norm;
	unsigned char key[CRYPTO_KEY_LEN];
	struct uuid kid;
	PGresult *r;
	const char *tok;
	bool ok;
	cJSON *o;
	int h;

	if (api_credentials(req, &email, &pw) < 0)
		return;
	norm = email_norm(req->arena, email);
	if (norm == NULL) {
		problem(req, 401, "invalid_credentials",
		        "the e-mail or password is wrong");
		return;
	}
	h = operators_queue_by_email(req->db, norm);
	if (api_sync(req) < 0)
		return;
	r = db_result(req->db, h);
	if (PQntuples(r) == 1 && strcmp(db_value(r, 0, 2), "active") == 0)
		ok = password_verify(pw, db_value(r, 0, 1));
	else
		ok = password_verify_dummy(pw, cfg.scrypt_log2n);
	if (!ok) {
		log_warn("operator login failed");
		problem(req, 401, "invalid_credentials",
		        "the e-mail or password is wrong");
		return;
	}
	if (operators_signing_key(req->db, NULL, &kid, key) < 0) {
		problem(req, 503, "service_unavailable",
		        "the platform key is unavailable");
		return;
	}
	tok =
	    token_issue(req->arena, key, &kid, api_apex_origin(req), NULL,
	                db_value(r, 0, 0), NULL, clock_real_s(), OPERATOR_TTL);
	crypto_wipe(key, sizeof(key));
	if (tok == NULL) {
		problem(req, 500, "internal_error", "cannot issue a token");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "access_token", tok);
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddNumberToObject(o, "expires_in", OPERATOR_TTL);
	response_json(req, 200, o);
}

void
platform_tenants(struct request *req)
{
	struct api_page p;
	int h;

	if (api_page(req, "platform_tenants", &p) < 0)
		return;
	h = tenants_queue_page(req->db, p.after, p.fetch);
	if (api_sync(req) < 0)
		return;
	api_list(req, db_result(req->db, h), 1, 0, p.limit, "platform_tenants");
}

/* Loads the tenant named in the path into req->tenant (any status). */
static int
target(struct request *req)
{
	const char *id = api_uuid_arg(req, 0);
	PGresult *r;
	int h;

	if (id == NULL)
		return -1;
	h = tenants_queue_get(req->db, id);
	if (api_sync(req) < 0)
		return -1;
	r = db_result(req->db, h);
	if (PQntuples(r) != 1 || strcmp(db_value(r, 0, 3), "deleted") == 0) {
		problem(req, 404, "not_found", "no such tenant");
		return -1;
	}
	req->tenant = arena_alloc(req->arena, sizeof(*req->tenant));
	tenants_from_row(req->tenant, r, 0);
	return 0;
}

static void
set_status(struct request *req, const char *status, const char *action)
{
	PGresult *r;
	struct tenant t;
	int h;

	if (target(req) < 0)
		return;
	api_begin(req);
	h = tenants_queue_set_status(req->db, req->tenant->id_str, status);
	audit_queue(req, action, "tenant", req->tenant->id_str, AUDIT_SUCCESS,
	            NULL);
	if (api_commit(req) < 0)
		return;
	r = db_result(req->db, h);
	tenants_from_row(&t, r, 0);
	tenants_cache_clear();
	response_json(req, 200, tenants_json(&t));
}

void
platform_suspend(struct request *req)
{
	set_status(req, "suspended", "tenant.suspend");
}

void
platform_resume(struct request *req)
{
	set_status(req, "active", "tenant.resume");
}

void
platform_delete(struct request *req)
{
	cJSON *o;

	if (target(req) < 0)
		return;
	api_begin(req);
	tenants_queue_set_status(req->db, req->tenant->id_str, "deleted");
	keyring_queue_destroy(req->db, &req->tenant->id);
	audit_queue(req, "tenant.delete", "tenant", req->tenant->id_str,
	            AUDIT_SUCCESS, "{\"keys\":\"destroyed\"}");
	if (api_commit(req) < 0)
		return;
	tenants_cache_clear();
	keyring_clear();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", req->tenant->id_str);
	cJSON_AddStringToObject(o, "status", "deleted");
	cJSON_AddStringToObject(o, "keys", "destroyed");
	cJSON_AddStringToObject(o, "rows", "purged by `strata tenant purge`");
	response_json(req, 202, o);
}

void
platform_usage(struct request *req)
{
	int h = tenants_queue_usage(req->db);

	if (api_sync(req) < 0)
		return;
	response_json_text(req, 200, db_value(db_result(req->db, h), 0, 0));
}

/*
 * users.c - /v1/users: list, read, create, update, delete.
 *
 * Escalation rules (API.md): nobody grants a permission they lack, nobody
 * manages a user who holds more than they do, only an owner makes or
 * touches an owner, and the last active owner can be neither demoted,
 * disabled nor deleted.
 */
#include "api/users.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/email.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/pgarray.h"
#include "data/sessions.h"
#include "data/settings.h"
#include "data/users.h"
#include "sec/password.h"
#include "sec/rbac.h"

#define ROLE_NAME_MAX 63

struct user_input {
	const char *email, *norm, *name, *password, *status;
	const char *roles; /* text[] literal, NULL = unchanged */
	bool wants_owner;
	int nroles;
};

static bool
role_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ROLE_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Reads and validates the body into in; errors collects every problem. */
static cJSON *
read_input(struct request *req, const cJSON *b, struct user_input *in,
           bool create)
{
	const struct tenant_settings *s = settings_get(req);
	cJSON *errors = NULL, *v;

	memset(in, 0, sizeof(*in));
	v = cJSON_GetObjectItemCaseSensitive(b, "email");
	if (create) {
		in->email = cJSON_IsString(v) ? v->valuestring : NULL;
		in->norm = email_norm(req->arena, in->email);
		if (in->norm == NULL)
			errors = problem_add_error(errors, "email",
			                           "must be an e-mail address");
	} else if (v != NULL) {
		errors =
		    problem_add_error(errors, "email", "cannot be changed");
	}
	v = cJSON_GetObjectItemCaseSensitive(b, "name");
	if (v != NULL) {
		if (!cJSON_IsString(v) || strlen(v->valuestring) > 200)
			errors = problem_add_error(errors, "name",
			                           "must be a string of at "
			                           "most 200 characters");
		else
			in->name = v->valuestring;
	}
	v = cJSON_GetObjectItemCaseSensitive(b, "password");
	if (v != NULL) {
		const char *why =
		    cJSON_IsString(v)
		        ? password_policy(v->valuestring, in->email,
		                          s ? s->password_min : 12)
		        : "must be a string";

		if (why != NULL)
			errors = problem_add_error(errors, "password", why);
		else
			in->password = v->valuestring;
	}
	v = cJSON_GetObjectItemCaseSensitive(b, "status");
	if (v != NULL) {
		if (create || !cJSON_IsString(v) ||
		    (strcmp(v->valuestring, "active") != 0 &&
		     strcmp(v->valuestring, "disabled") != 0))
			errors = problem_add_error(
			    errors, "status", "must be active or disabled");
		else
			in->status = v->valuestring;
	}
	v = cJSON_GetObjectItemCaseSensitive(b, "roles");
	if (v != NULL || create) {
		const cJSON *r;
		bool ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) <= 32;

		cJSON_ArrayForEach(r, v)
		{
			ok = ok && cJSON_IsString(r) &&
			     role_name_ok(r->valuestring);
			if (ok && strcmp(r->valuestring, "owner") == 0)
				in->wants_owner = true;
		}
		in->roles = ok ? pgarray_from_json(req->arena, v) : NULL;
		in->nroles = ok ? cJSON_GetArraySize(v) : 0;
		if (!ok || in->roles == NULL)
			errors = problem_add_error(errors, "roles",
			                           "must be a list of role "
			                           "names");
	}
	return errors;
}

void
users_list(struct request *req)
{
	struct api_page p;
	int h;

	if (api_page(req, "users", &p) < 0)
		return;
	h = users_queue_list(req->db, req->tenant->id_str, p.after, p.fetch);
	if (api_commit(req) < 0)
		return;
	api_list(req, db_result(req->db, h), 1, 0, p.limit, "users");
}

void
users_show(struct request *req)
{
	const char *id = api_uuid_arg(req, 0);
	PGresult *r;
	int h;

	if (id == NULL)
		return;
	h = users_queue_get(req->db, req->tenant->id_str, id);
	if (api_commit(req) < 0)
		return;
	r = db_result(req->db, h);
	if (PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such user");
		return;
	}
	api_etag(req, db_value(r, 0, 3));
	response_json_text(req, 200, db_value(r, 0, 1));
}

/* The roles must all exist and grant nothing the caller lacks; only an
 * owner hands out the owner role.  Returns 0 or -1 (problem written). */
static int
check_roles(struct request *req, const struct user_input *in, const PGresult *r)
{
	if (in->roles == NULL)
		return 0;
	if (strtol(db_value(r, 0, 1), NULL, 10) != in->nroles) {
		problem_errors(req, 422, "validation_failed",
		               "a role does not exist",
		               problem_add_error(NULL, "roles",
		                                 "names a role that does not "
		                                 "exist"));
		return -1;
	}
	if (!rbac_allows(req->principal.perms,
	                 rbac_parse_pg_array(db_value(r, 0, 0))) ||
	    (in->wants_owner && !req->principal.owner)) {
		problem(req, 403, "forbidden",
		        "you cannot grant permissions you do not hold");
		return -1;
	}
	return 0;
}

void
users_create(struct request *req)
{
	static const char *const fields[] = {"email", "name", "password",
	                                     "roles", NULL};
	const cJSON *b = api_object(req, fields);
	struct user_input in;
	char hash[PASSWORD_HASH_MAX], id[UUID_STR_LEN + 1];
	cJSON *errors;
	struct uuid u;
	int hr, hg;

	if (b == NULL)
		return;
	errors = read_input(req, b, &in, true);
	if (errors != NULL) {
		problem_errors(req, 422, "validation_failed",
		               "the user is not valid", errors);
		return;
	}
	hr = users_queue_roles_perms(req->db, req->tenant->id_str, in.roles);
	if (api_sync(req) < 0 ||
	    check_roles(req, &in, db_result(req->db, hr)) < 0)
		return;
	if (in.password != NULL &&
	    password_hash(in.password, cfg.scrypt_log2n, hash) < 0) {
		problem(req, 500, "internal_error", "cannot hash the password");
		return;
	}
	uuid_v7(&u);
	uuid_format(&u, id);
	users_queue_insert(req->db, req->tenant->id_str, id, in.email, in.norm,
	                   in.name ? in.name : "", in.password ? hash : NULL);
	users_queue_set_roles(req->db, req->tenant->id_str, id, in.roles);
	audit_queue(req, "user.create", "user", id, AUDIT_SUCCESS,
	            arena_printf(req->arena, "{\"roles\":%s}",
	                         json_print(cJSON_GetObjectItem(b, "roles"))));
	hg = users_queue_get(req->db, req->tenant->id_str, id);
	if (api_commit(req) < 0) {
		if (db_error_is(req->db, "23505"))
			problem(req, 409, "conflict",
			        "a user with this e-mail exists");
		return;
	}
	api_etag(req, db_value(db_result(req->db, hg), 0, 3));
	api_created(req, arena_printf(req->arena, "/v1/users/%s", id),
	            db_value(db_result(req->db, hg), 0, 1));
}

/* Loads the target with the owner lock held; checks that the caller may
 * manage it and what would become of the owners.  Returns the row or
 * NULL (problem written). */
static PGresult *
load_target(struct request *req, const char *id, const struct user_input *in,
            bool removing)
{
	int ht, ho, hr;
	PGresult *t;
	bool target_owner, stays_owner;

	ho = users_queue_lock_owners(req->db, req->tenant->id_str, id);
	ht = users_queue_get(req->db, req->tenant->id_str, id);
	hr = in ? users_queue_roles_perms(req->db, req->tenant->id_str,
	                                  in->roles)
	        : -1;
	if (api_sync(req) < 0)
		return NULL;
	t = db_result(req->db, ht);
	if (PQntuples(t) != 1) {
		problem(req, 404, "not_found", "no such user");
		return NULL;
	}
	target_owner = db_value(t, 0, 4)[0] == 't';
	if (!rbac_allows(req->principal.perms,
	                 rbac_parse_pg_array(db_value(t, 0, 2))) ||
	    (target_owner && !req->principal.owner)) {
		problem(req, 403, "forbidden",
		        "you cannot manage a user with more permissions than "
		        "you");
		return NULL;
	}
	if (in != NULL && check_roles(req, in, db_result(req->db, hr)) < 0)
		return NULL;
	stays_owner = !removing &&
	              (in == NULL || in->roles == NULL || in->wants_owner) &&
	              (in == NULL || in->status == NULL ||
	               strcmp(in->status, "active") == 0);
	if (target_owner && !stays_owner &&
	    strcmp(db_value(db_result(req->db, ho), 0, 1), "0") == 0) {
		problem(req, 409, "last_owner",
		        "the last owner cannot be removed, demoted or "
		        "disabled");
		return NULL;
	}
	return t;
}

/* {"fields":[names]}: which fields changed, never their values. */
static const char *
changed_fields(const cJSON *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "fields");
	const cJSON *item;

	cJSON_ArrayForEach(item, b)
	    cJSON_AddItemToArray(a, cJSON_CreateString(item->string));
	return json_print(o);
}

void
users_update(struct request *req)
{
	static const char *const fields[] = {"name", "password", "roles",
	                                     "status", NULL};
	const char *id = api_uuid_arg(req, 0);
	const cJSON *b = id ? api_object(req, fields) : NULL;
	char hash[PASSWORD_HASH_MAX];
	struct user_input in;
	cJSON *errors;
	PGresult *t;
	int hg;

	if (b == NULL)
		return;
	errors = read_input(req, b, &in, false);
	if (errors != NULL) {
		problem_errors(req, 422, "validation_failed",
		               "the change is not valid", errors);
		return;
	}
	t = load_target(req, id, &in, false);
	if (t == NULL || api_if_match(req, db_value(t, 0, 3)) < 0)
		return;
	if (in.password != NULL &&
	    password_hash(in.password, cfg.scrypt_log2n, hash) < 0) {
		problem(req, 500, "internal_error", "cannot hash the password");
		return;
	}
	users_queue_update(req->db, req->tenant->id_str, id, in.name, in.status,
	                   in.password ? hash : NULL);
	if (in.roles != NULL)
		users_queue_set_roles(req->db, req->tenant->id_str, id,
		                      in.roles);
	/* A disabled user or a new password ends every session at once. */
	if (in.password != NULL ||
	    (in.status != NULL && strcmp(in.status, "disabled") == 0))
		sessions_queue_revoke_user(req->db, req->tenant->id_str, id);
	audit_queue(req, "user.update", "user", id, AUDIT_SUCCESS,
	            changed_fields(b));
	hg = users_queue_get(req->db, req->tenant->id_str, id);
	if (api_commit(req) < 0)
		return;
	api_etag(req, db_value(db_result(req->db, hg), 0, 3));
	response_json_text(req, 200, db_value(db_result(req->db, hg), 0, 1));
}

void
users_delete(struct request *req)
{
	const char *id = api_uuid_arg(req, 0);
	PGresult *t;

	if (id == NULL)
		return;
	t = load_target(req, id, NULL, true);
	if (t == NULL || api_if_match(req, db_value(t, 0, 3)) < 0)
		return;
	users_queue_delete(req->db, req->tenant->id_str, id);
	audit_queue(req, "user.delete", "user", id, AUDIT_SUCCESS, NULL);
	if (api_commit(req) < 0)
		return;
	response_status(req, 204);
}

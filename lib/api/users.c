/*
 * users.c - /v1/users: list, read, create, update, delete.
 *
 * In the plan shape (api/plan.h).  A refusal about the body or the path is
 * held until the plan has authorized the route, so a caller without the
 * permission is told 403 whatever it sent.  Writes are queued only after
 * plan_run() said yes; the owners lock and the target ride its trip.
 *
 * Escalation rules (API.md): nobody grants a permission they lack, nobody
 * manages a user who holds more than they do, only an owner makes or
 * touches an owner, and the last active owner can be neither demoted,
 * disabled nor deleted.
 */
#include "api/users.h"

#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/email.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/response.h"
#include "core/uuid.h"
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

/* The body's "roles" into in->roles (a text[] literal), in->nroles and
 * in->wants_owner; absent on an update: unchanged (NULL).  Returns false
 * when they are not a list of at most 32 role names. */
static bool
read_roles(struct request *req, const cJSON *b, struct user_input *in,
           bool create)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "roles");
	const cJSON *r;
	bool ok;

	in->roles = NULL;
	in->nroles = 0;
	in->wants_owner = false;
	if (v == NULL && !create)
		return true;
	ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) <= 32;
	cJSON_ArrayForEach(r, v)
	{
		ok = ok && cJSON_IsString(r) && role_name_ok(r->valuestring);
		if (ok && strcmp(r->valuestring, "owner") == 0)
			in->wants_owner = true;
	}
	in->roles = ok ? pgarray_from_json(req->arena, v) : NULL;
	in->nroles = ok ? cJSON_GetArraySize(v) : 0;
	return ok && in->roles != NULL;
}

/* Reads and validates the body into in; errors collects every problem. */
static cJSON *
read_input(struct request *req, const cJSON *b, struct user_input *in,
           bool create)
{
	const struct tenant_settings *s = api_settings(req);
	cJSON *errors = NULL, *v;

	memset(in, 0, sizeof(*in));
	v = cJSON_GetObjectItemCaseSensitive(b, "email");
	if (create) {
		in->email = cJSON_IsString(v) ? v->valuestring : NULL;
		in->norm = email_norm(req->arena, in->email);
		if (in->norm == NULL)
			errors = json_add_field_error(
			    errors, "email", "must be an e-mail address");
	} else if (v != NULL) {
		errors =
		    json_add_field_error(errors, "email", "cannot be changed");
	}
	v = cJSON_GetObjectItemCaseSensitive(b, "name");
	if (v != NULL) {
		if (!cJSON_IsString(v) || strlen(v->valuestring) > 200)
			errors = json_add_field_error(errors, "name",
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
			errors = json_add_field_error(errors, "password", why);
		else
			in->password = v->valuestring;
	}
	v = cJSON_GetObjectItemCaseSensitive(b, "status");
	if (v != NULL) {
		if (create || !cJSON_IsString(v) ||
		    (strcmp(v->valuestring, "active") != 0 &&
		     strcmp(v->valuestring, "disabled") != 0))
			errors = json_add_field_error(
			    errors, "status", "must be active or disabled");
		else
			in->status = v->valuestring;
	}
	if (!read_roles(req, b, in, create))
		errors = json_add_field_error(errors, "roles",
		                              "must be a list of role names");
	return errors;
}

int
users_list(struct request *req, struct plan *plan)
{
	struct user_page page = {0};
	struct api_page p = {0};
	struct api_deferred bad;
	int st;

	/* A bad cursor or limit is answered after authorization. */
	if (api_page(req, "users", &p) == 0)
		users_list_page(req->db, req->tenant->id_str, p.after, p.fetch,
		                &page);
	(void)api_defer(req, &bad);
	if ((st = plan_read(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	api_list_texts(req, page.n, page.json, page.ids, p.limit, "users");
	return 0;
}

int
users_show(struct request *req, struct plan *plan)
{
	struct user u = {0};
	int st;

	/* A malformed id is simply not found, after authorization. */
	if (uuid_valid(req->args[0]))
		users_get(req->db, req->tenant->id_str, req->args[0], &u);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (!u.found)
		return api_fail(req, 404, "not_found", "no such user");
	api_etag(req, u.version);
	response_json_text(req, 200, u.json);
	return 0;
}

/* The roles must all exist and grant nothing the caller lacks; only an
 * owner hands out the owner role.  Returns 0 or the status. */
static int
check_roles(struct request *req, const struct user_input *in,
            const struct user_role_grant *g)
{
	if (in->roles == NULL)
		return 0;
	if (g->found != in->nroles)
		return api_fail_errors(req, 422, "validation_failed",
		                       "a role does not exist",
		                       json_add_field_error(NULL, "roles",
		                                            "names a role that "
		                                            "does not exist"));
	if (!rbac_may_grant(req->principal.perms, req->principal.owner,
	                    rbac_parse_pg_array(g->permissions),
	                    in->wants_owner))
		return api_fail(req, 403, "forbidden",
		                "you cannot grant permissions you do not hold");
	return 0;
}

/* Queues, ahead of authorization, what the body's roles grant: only reads,
 * and only when the body is otherwise readable; the refusal about the body
 * (if any) is held in bad. */
static void
queue_grant(struct request *req, const cJSON *b, bool create,
            struct user_role_grant *g, struct api_deferred *bad)
{
	struct user_input pre = {0};

	memset(g, 0, sizeof(*g));
	if (b != NULL && read_roles(req, b, &pre, create) && pre.roles != NULL)
		users_roles_grant(req->db, req->tenant->id_str, pre.roles, g);
	(void)api_defer(req, bad);
}

int
users_create(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"email", "name", "password",
	                                     "roles", NULL};
	const cJSON *b = api_object(req, fields);
	struct user_role_grant grant;
	struct api_deferred bad;
	struct user_input in;
	struct user created;
	char hash[PASSWORD_HASH_MAX], id[UUID_STR_LEN + 1];
	cJSON *errors;
	struct uuid u;
	int st;

	queue_grant(req, b, true, &grant, &bad);
	if ((st = plan_run(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	if ((errors = read_input(req, b, &in, true)) != NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the user is not valid", errors);
	if ((st = check_roles(req, &in, &grant)) != 0)
		return st;
	if (in.password != NULL &&
	    password_hash(in.password, cfg.scrypt_log2n, hash) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot hash the password");
	uuid_v7(&u);
	uuid_format(&u, id);
	users_queue_insert(req->db, req->tenant->id_str, id, in.email, in.norm,
	                   in.name ? in.name : "", in.password ? hash : NULL);
	users_queue_set_roles(req->db, req->tenant->id_str, id, in.roles);
	api_audit(req, "user.create", "user", id, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"roles\":%s}",
	                       json_print(cJSON_GetObjectItem(b, "roles"))));
	api_event(req, "user.created", "user", id, NULL, NULL, NULL);
	users_get(req->db, req->tenant->id_str, id, &created);
	if ((st = plan_commit(plan)) != 0) {
		if (st == 409 && db_error_is(req->db, "23505"))
			req->err.detail = "a user with this e-mail exists";
		return st;
	}
	if (!created.found)
		return api_fail(req, 500, "internal_error",
		                "the user was not read back");
	api_etag(req, created.version);
	api_created(req, arena_printf(req->arena, "/v1/users/%s", id),
	            created.json);
	return 0;
}

/* The user a change names, read with the owners lock held, and what the
 * change's roles grant. */
struct target {
	struct user u;
	long long other_owners; /* active owners other than the target */
	struct user_role_grant grant;
};

/* Queues the reads of t (its grant is queued by queue_grant). */
static void
queue_target(struct request *req, const char *id, struct target *t)
{
	users_lock_owners(req->db, req->tenant->id_str, id, &t->other_owners);
	users_get(req->db, req->tenant->id_str, id, &t->u);
}

/* Checks that the caller may manage the target and what would become of
 * the owners (in: the change, NULL for a removal).  Returns 0 or the
 * status. */
static int
check_target(struct request *req, const struct target *t,
             const struct user_input *in, bool removing)
{
	bool stays_owner;
	int st;

	if (!t->u.found)
		return api_fail(req, 404, "not_found", "no such user");
	if (!rbac_allows(req->principal.perms,
	                 rbac_parse_pg_array(t->u.permissions)) ||
	    (t->u.is_owner && !req->principal.owner))
		return api_fail(
		    req, 403, "forbidden",
		    "you cannot manage a user with more permissions "
		    "than you");
	if (in != NULL && (st = check_roles(req, in, &t->grant)) != 0)
		return st;
	stays_owner = !removing &&
	              (in == NULL || in->roles == NULL || in->wants_owner) &&
	              (in == NULL || in->status == NULL ||
	               strcmp(in->status, "active") == 0);
	if (t->u.is_owner && !stays_owner && t->other_owners == 0)
		return api_fail(req, 409, "last_owner",
		                "the last owner cannot be removed, demoted or "
		                "disabled");
	return 0;
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

/* Queues the writes of a checked change of user id. */
static void
queue_update(struct request *req, const char *id, const struct user_input *in,
             const char *hash, const cJSON *b, struct user *after)
{
	const char *tid = req->tenant->id_str;

	users_queue_update(req->db, tid, id, in->name, in->status, hash);
	if (in->roles != NULL)
		users_queue_set_roles(req->db, tid, id, in->roles);
	/* A disabled user or a new password ends every session at once. */
	if (hash != NULL ||
	    (in->status != NULL && strcmp(in->status, "disabled") == 0))
		sessions_queue_revoke_user(req->db, tid, id);
	api_audit(req, "user.update", "user", id, AUDIT_SUCCESS,
	          changed_fields(b));
	api_event(req, "user.updated", "user", id, NULL, NULL, NULL);
	users_get(req->db, tid, id, after);
}

int
users_update(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"name", "password", "roles",
	                                     "status", NULL};
	const char *id = req->args[0];
	bool id_ok = uuid_valid(id);
	const cJSON *b = id_ok ? api_object(req, fields) : NULL;
	char hash[PASSWORD_HASH_MAX];
	struct api_deferred bad;
	struct user_input in;
	struct target t = {0};
	struct user after;
	cJSON *errors;
	int st;

	queue_grant(req, b, false, &t.grant, &bad);
	if (id_ok && bad.status == 0)
		queue_target(req, id, &t);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!id_ok)
		return api_fail(req, 404, "not_found", "no such resource");
	if ((st = api_deferred(req, &bad)) != 0)
		return st;
	if ((errors = read_input(req, b, &in, false)) != NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the change is not valid", errors);
	if ((st = check_target(req, &t, &in, false)) != 0)
		return st;
	if (api_if_match(req, t.u.version) < 0)
		return req->err.status;
	if (in.password != NULL &&
	    password_hash(in.password, cfg.scrypt_log2n, hash) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot hash the password");
	queue_update(req, id, &in, in.password ? hash : NULL, b, &after);
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!after.found)
		return api_fail(req, 404, "not_found", "no such user");
	api_etag(req, after.version);
	response_json_text(req, 200, after.json);
	return 0;
}

int
users_delete(struct request *req, struct plan *plan)
{
	const char *id = req->args[0];
	bool id_ok = uuid_valid(id);
	struct target t = {0};
	int st;

	if (id_ok)
		queue_target(req, id, &t);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!id_ok)
		return api_fail(req, 404, "not_found", "no such resource");
	if ((st = check_target(req, &t, NULL, true)) != 0)
		return st;
	if (api_if_match(req, t.u.version) < 0)
		return req->err.status;
	users_queue_delete(req->db, req->tenant->id_str, id);
	api_audit(req, "user.delete", "user", id, AUDIT_SUCCESS, NULL);
	api_event(req, "user.deleted", "user", id, NULL, NULL, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

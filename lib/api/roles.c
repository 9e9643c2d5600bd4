/*
 * roles.c - custom roles; the built-in four are fixed.
 */
#include "api/roles.h"

#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/roles.h"
#include "sec/rbac.h"

void
roles_list(struct request *req)
{
	int h = roles_queue_list(req->db, req->tenant->id_str);

	if (api_commit(req) < 0)
		return;
	api_list(req, db_result(req->db, h), 1, 0, 1000, "roles");
}

/* permissions: known names only, none the caller lacks.  Returns the
 * text[] literal or NULL (problem written). */
static const char *
read_perms(struct request *req, const cJSON *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "permissions");
	const char *bad = NULL;
	char *lit;
	uint32_t bits;

	if (rbac_parse(v, &bits, &bad) < 0) {
		problem_errors(req, 422, "validation_failed",
		               "permissions must be a list of known names",
		               problem_add_error(NULL, "permissions",
		                                 bad ? "names an unknown "
		                                       "permission"
		                                     : "must be a list"));
		return NULL;
	}
	if (!rbac_allows(req->principal.perms, bits)) {
		problem(req, 403, "forbidden",
		        "you cannot grant permissions you do not hold");
		return NULL;
	}
	lit = arena_alloc(req->arena, 512);
	return rbac_pg_array(bits, lit, 512);
}

static bool
name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 63 && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

bool
roles_prefetch_show(struct request *req)
{
	req->pf[0] =
	    roles_queue_get(req->db, req->tenant->id_str, req->args[0]);
	return true;
}

void
roles_show(struct request *req)
{
	PGresult *r = db_result(req->db, req->pf[0]);

	if (r == NULL || PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such role");
		return;
	}
	response_json_text(req, 200, db_value(r, 0, 0));
}

void
roles_create(struct request *req)
{
	static const char *const fields[] = {"name", "permissions", NULL};
	const cJSON *b = api_object(req, fields);
	const char *name, *perms;
	int h;

	if (b == NULL)
		return;
	name = json_str(b, "name");
	if (!name_ok(name)) {
		problem_errors(req, 422, "validation_failed",
		               "the role is not valid",
		               problem_add_error(NULL, "name",
		                                 "must be 1-63 of a-z, 0-9, "
		                                 "'_' and '-', starting with "
		                                 "a letter"));
		return;
	}
	if (rbac_builtin(name) >= 0) {
		problem(req, 409, "conflict", "built-in roles exist already");
		return;
	}
	perms = read_perms(req, b);
	if (perms == NULL)
		return;
	h = roles_queue_insert(req->db, req->tenant->id_str, name, perms);
	audit_queue(
	    req, "role.create", "role", name, AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"permissions\":%s}",
	                 json_print(cJSON_GetObjectItem(b, "permissions"))));
	if (api_commit(req) < 0) {
		if (db_error_is(req->db, "23505"))
			problem(req, 409, "conflict",
			        "a role with this name exists");
		return;
	}
	api_created(req, arena_printf(req->arena, "/v1/roles/%s", name),
	            db_value(db_result(req->db, h), 0, 0));
}

/* The role named in the path: 404 when absent, 409 when built in. */
static int
load_custom(struct request *req, const char *name)
{
	int h = roles_queue_get(req->db, req->tenant->id_str, name);
	PGresult *r;

	if (api_sync(req) < 0)
		return -1;
	r = db_result(req->db, h);
	if (PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such role");
		return -1;
	}
	if (db_value(r, 0, 2)[0] == 't') {
		problem(req, 409, "builtin_role",
		        "built-in roles cannot be changed or deleted");
		return -1;
	}
	/* Changing a role changes every holder: only someone holding all
	 * of its current permissions may do it. */
	if (!rbac_allows(req->principal.perms,
	                 rbac_parse_pg_array(db_value(r, 0, 1)))) {
		problem(req, 403, "forbidden",
		        "the role holds permissions you do not hold");
		return -1;
	}
	return db_value(r, 0, 3)[0] == 't' ? 1 : 0;
}

void
roles_update(struct request *req)
{
	static const char *const fields[] = {"permissions", NULL};
	const char *name = req->args[0];
	const cJSON *b = api_object(req, fields);
	const char *perms;
	int h;

	if (b == NULL || load_custom(req, name) < 0)
		return;
	perms = read_perms(req, b);
	if (perms == NULL)
		return;
	h = roles_queue_update(req->db, req->tenant->id_str, name, perms);
	audit_queue(
	    req, "role.update", "role", name, AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"permissions\":%s}",
	                 json_print(cJSON_GetObjectItem(b, "permissions"))));
	if (api_commit(req) < 0)
		return;
	response_json_text(req, 200, db_value(db_result(req->db, h), 0, 0));
}

void
roles_delete(struct request *req)
{
	const char *name = req->args[0];
	int used = load_custom(req, name);

	if (used < 0)
		return;
	if (used == 1) {
		problem(req, 409, "role_in_use",
		        "the role is still given to users");
		return;
	}
	roles_queue_delete(req->db, req->tenant->id_str, name);
	audit_queue(req, "role.delete", "role", name, AUDIT_SUCCESS, NULL);
	if (api_commit(req) < 0)
		return;
	response_status(req, 204);
}

/*
 * roles.c - custom roles; the built-in four are fixed.
 *
 * In the plan shape (api/plan.h).  A refusal about the body is held until
 * the plan has authorized the route; writes are queued only after
 * plan_run() said yes.  Nobody grants a permission they lack: a role is
 * created or changed only with permissions its author holds, and changed
 * or deleted only by someone holding all of its current ones.
 */
#include "api/roles.h"

#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/response.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/roles.h"
#include "sec/rbac.h"

#define PERMS_LIT_MAX 512

int
roles_list(struct request *req, struct plan *plan)
{
	struct role_list l = {0};
	int st;

	roles_list_all(req->db, req->tenant->id_str, &l);
	if ((st = plan_read(plan)) != 0)
		return st;
	api_list_texts(req, l.n, l.json, l.names, 1000, "roles");
	return 0;
}

int
roles_show(struct request *req, struct plan *plan)
{
	struct role r = {0};
	int st;

	roles_get(req->db, req->tenant->id_str, req->args[0], &r);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (!r.found)
		return api_fail(req, 404, "not_found", "no such role");
	response_json_text(req, 200, r.json);
	return 0;
}

/* permissions: known names only, none the caller lacks.  Sets *lit to
 * the text[] literal; returns 0 or the status (422, 403). */
static int
read_perms(struct request *req, const cJSON *b, const char **lit)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "permissions");
	const char *bad = NULL;
	uint32_t bits;

	if (rbac_parse(v, &bits, &bad) < 0)
		return api_fail_errors(
		    req, 422, "validation_failed",
		    "permissions must be a list of known names",
		    json_add_field_error(NULL, "permissions",
		                         bad ? "names an unknown permission"
		                             : "must be a list"));
	if (!rbac_may_grant(req->principal.perms, req->principal.owner, bits,
	                    false))
		return api_fail(req, 403, "forbidden",
		                "you cannot grant permissions you do not hold");
	*lit = rbac_pg_array(bits, arena_alloc(req->arena, PERMS_LIT_MAX),
	                     PERMS_LIT_MAX);
	if (*lit == NULL)
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	return 0;
}

static bool
name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 63 && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* {"permissions": the body's list}, for the audit trail. */
static const char *
audit_perms(struct request *req, const cJSON *b)
{
	return arena_printf(req->arena, "{\"permissions\":%s}",
	                    json_print(cJSON_GetObjectItem(b, "permissions")));
}

int
roles_create(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"name", "permissions", NULL};
	const cJSON *b = api_object(req, fields);
	struct api_deferred bad;
	const char *name, *perms = NULL;
	struct role r;
	int st;

	(void)api_defer(req, &bad);
	if ((st = plan_run(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	name = json_str(b, "name");
	if (!name_ok(name))
		return api_fail_errors(
		    req, 422, "validation_failed", "the role is not valid",
		    json_add_field_error(
		        NULL, "name",
		        "must be 1-63 of a-z, 0-9, '_' and '-', "
		        "starting with a letter"));
	if (rbac_builtin(name) >= 0)
		return api_fail(req, 409, "conflict",
		                "built-in roles exist already");
	if ((st = read_perms(req, b, &perms)) != 0)
		return st;
	roles_insert(req->db, req->tenant->id_str, name, perms, &r);
	api_audit(req, "role.create", "role", name, AUDIT_SUCCESS,
	          audit_perms(req, b));
	api_event(req, "role.created", "role", name, NULL, NULL, NULL);
	if ((st = plan_commit(plan)) != 0) {
		if (st == 409 && db_error_is(req->db, "23505"))
			req->err.detail = "a role with this name exists";
		return st;
	}
	if (!r.found)
		return api_fail(req, 500, "internal_error",
		                "the role was not read back");
	api_created(req, arena_printf(req->arena, "/v1/roles/%s", name),
	            r.json);
	return 0;
}

/* The role named in the path, read in the plan's trip: 404 when absent,
 * 409 when built in; changing a role changes every holder, so only
 * someone holding all of its current permissions may do it (403).
 * Returns 0 or the status. */
static int
check_custom(struct request *req, const struct role *r)
{
	if (!r->found)
		return api_fail(req, 404, "not_found", "no such role");
	if (r->builtin)
		return api_fail(req, 409, "builtin_role",
		                "built-in roles cannot be changed or deleted");
	if (!rbac_allows(req->principal.perms,
	                 rbac_parse_pg_array(r->permissions)))
		return api_fail(req, 403, "forbidden",
		                "the role holds permissions you do not hold");
	return 0;
}

int
roles_update(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"permissions", NULL};
	const char *name = req->args[0];
	const cJSON *b = api_object(req, fields);
	struct api_deferred bad;
	struct role cur = {0}, after;
	const char *perms = NULL;
	int st;

	(void)api_defer(req, &bad);
	roles_get(req->db, req->tenant->id_str, name, &cur);
	if ((st = plan_run(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	if ((st = check_custom(req, &cur)) != 0 ||
	    (st = read_perms(req, b, &perms)) != 0)
		return st;
	roles_update_perms(req->db, req->tenant->id_str, name, perms, &after);
	api_audit(req, "role.update", "role", name, AUDIT_SUCCESS,
	          audit_perms(req, b));
	api_event(req, "role.updated", "role", name, NULL, NULL, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!after.found)
		return api_fail(req, 404, "not_found", "no such role");
	response_json_text(req, 200, after.json);
	return 0;
}

int
roles_delete(struct request *req, struct plan *plan)
{
	const char *name = req->args[0];
	struct role cur = {0};
	int st;

	roles_get(req->db, req->tenant->id_str, name, &cur);
	if ((st = plan_run(plan)) != 0 || (st = check_custom(req, &cur)) != 0)
		return st;
	if (cur.in_use)
		return api_fail(req, 409, "role_in_use",
		                "the role is still given to users");
	roles_queue_delete(req->db, req->tenant->id_str, name);
	api_audit(req, "role.delete", "role", name, AUDIT_SUCCESS, NULL);
	api_event(req, "role.deleted", "role", name, NULL, NULL, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

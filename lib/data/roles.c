/*
 * roles.c - roles table.
 */
#include "data/roles.h"

#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/versions.h"
#include "sec/rbac.h"

#define ROLE_JSON                                                              \
	"json_build_object('name', r.name, 'permissions', "                    \
	"array_to_json(r.permissions), 'builtin', r.builtin, 'created_at', "   \
	"ts(r.created_at), 'updated_at', ts(r.updated_at))"

static struct db_stmt st_builtin =
    DB_STMT("role_builtin",
            "INSERT INTO roles (tenant_id, name, permissions, builtin) VALUES "
            "($1, $2, $3, true)",
            3);
static struct db_stmt st_list =
    DB_STMT("role_list",
            "SELECT r.name, " ROLE_JSON " FROM roles r WHERE r.tenant_id = $1 "
            "ORDER BY r.builtin DESC, r.name",
            1);
static struct db_stmt st_perms =
    DB_STMT("role_perms",
            "SELECT r.name, r.permissions FROM roles r WHERE r.tenant_id = $1 "
            "ORDER BY r.name",
            1);
static struct db_stmt st_get = DB_STMT(
    "role_get",
    "SELECT " ROLE_JSON ", r.permissions, r.builtin, EXISTS (SELECT 1 "
    "FROM user_roles ur WHERE ur.tenant_id = r.tenant_id AND ur.role_name "
    "= r.name) FROM roles r WHERE r.tenant_id = $1 AND r.name = $2",
    2);
static struct db_stmt st_insert = DB_STMT(
    "role_insert",
    "WITH r AS (INSERT INTO roles (tenant_id, name, permissions) VALUES "
    "($1, $2, $3) RETURNING *) SELECT " ROLE_JSON " FROM r",
    3);
static struct db_stmt st_update =
    DB_STMT("role_update",
            "WITH r AS (UPDATE roles SET permissions = $3, version = "
            "version + 1, updated_at = now() WHERE tenant_id = $1 AND name = "
            "$2 AND NOT builtin RETURNING *) SELECT " ROLE_JSON " FROM r",
            3);
static struct db_stmt st_delete = DB_STMT(
    "role_delete",
    "DELETE FROM roles WHERE tenant_id = $1 AND name = $2 AND NOT builtin "
    "RETURNING name",
    2);

int
roles_queue_builtins(struct db *db, const char *tid)
{
	char perms[512];
	int h = -1;

	for (int i = 0; i < 4; i++) {
		const char *p[3] = {
		    tid, rbac_builtin_roles[i],
		    rbac_pg_array((uint32_t)rbac_builtin(rbac_builtin_roles[i]),
		                  perms, sizeof(perms))};

		h = db_queue(db, &st_builtin, p);
	}
	return h;
}

static void
decode_list(const PGresult *r, void *out, struct arena *a)
{
	struct role_list *l = out;

	l->n = db_rows(r);
	l->names = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->names));
	l->json = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->json));
	for (int i = 0; i < l->n; i++) {
		l->names[i] = db_str(r, i, 0, a);
		l->json[i] = db_str(r, i, 1, a);
	}
}

int
roles_list_all(struct db *db, const char *tid, struct role_list *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, p, decode_list, out);
}

static void
decode_perms(const PGresult *r, void *out, struct arena *a)
{
	struct role_perms_list *l = out;

	l->n = db_rows(r);
	l->names = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->names));
	l->permissions =
	    arena_calloc(a, (size_t)l->n + 1, sizeof(*l->permissions));
	for (int i = 0; i < l->n; i++) {
		l->names[i] = db_str(r, i, 0, a);
		l->permissions[i] = db_str(r, i, 1, a);
	}
}

int
roles_list_perms(struct db *db, const char *tid, struct role_perms_list *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_perms, p, decode_perms, out);
}

static void
decode_role(const PGresult *r, void *out, struct arena *a)
{
	struct role *ro = out;

	if (db_rows(r) != 1)
		return;
	ro->found = true;
	ro->json = db_str(r, 0, 0, a);
	if (PQnfields(r) < 4)
		return; /* a written role: its object only */
	ro->permissions = db_str(r, 0, 1, a);
	ro->builtin = db_bool(r, 0, 2);
	ro->in_use = db_bool(r, 0, 3);
}

int
roles_get(struct db *db, const char *tid, const char *name, struct role *out)
{
	const char *p[2] = {tid, name};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_role, out);
}

int
roles_insert(struct db *db, const char *tid, const char *name,
             const char *perms, struct role *out)
{
	const char *p[3] = {tid, name, perms};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_insert, p, decode_role, out);
}

int
roles_update_perms(struct db *db, const char *tid, const char *name,
                   const char *perms, struct role *out)
{
	const char *p[3] = {tid, name, perms};

	memset(out, 0, sizeof(*out));
	versions_queue_bump_auth(db, tid);
	return db_queue_into(db, &st_update, p, decode_role, out);
}

int
roles_queue_delete(struct db *db, const char *tid, const char *name)
{
	const char *p[2] = {tid, name};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_delete, p);
}

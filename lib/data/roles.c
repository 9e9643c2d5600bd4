/*
 * roles.c - roles table.
 */
#include "data/roles.h"

#include <stddef.h>

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
static struct db_stmt st_get = DB_STMT(
    "role_get",
    "SELECT " ROLE_JSON ", r.permissions, r.builtin, EXISTS (SELECT 1 "
    "FROM user_roles ur WHERE ur.tenant_id = r.tenant_id AND ur.role_name "
    "= r.name) FROM roles r WHERE r.tenant_id = $1 AND r.name = $2",
    2);
static struct db_stmt st_insert = DB_STMT(
    "role_insert",
    "INSERT INTO roles AS r (tenant_id, name, permissions) VALUES ($1, $2, "
    "$3) RETURNING " ROLE_JSON,
    3);
static struct db_stmt st_update =
    DB_STMT("role_update",
            "UPDATE roles r SET permissions = $3, version = version + 1, "
            "updated_at = now() WHERE r.tenant_id = $1 AND r.name = $2 AND NOT "
            "r.builtin RETURNING " ROLE_JSON,
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

int
roles_queue_list(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_list, p);
}

int
roles_queue_get(struct db *db, const char *tid, const char *name)
{
	const char *p[2] = {tid, name};

	return db_queue(db, &st_get, p);
}

int
roles_queue_insert(struct db *db, const char *tid, const char *name,
                   const char *perms)
{
	const char *p[3] = {tid, name, perms};

	return db_queue(db, &st_insert, p);
}

int
roles_queue_update(struct db *db, const char *tid, const char *name,
                   const char *perms)
{
	const char *p[3] = {tid, name, perms};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_update, p);
}

int
roles_queue_delete(struct db *db, const char *tid, const char *name)
{
	const char *p[2] = {tid, name};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_delete, p);
}

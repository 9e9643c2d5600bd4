/*
 * users.c - users and user_roles.
 */
#include "data/users.h"

#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/versions.h"

#define USER_JSON                                                              \
	"json_build_object('id', u.id, 'email', u.email, 'name', u.name, "     \
	"'status', u.status, 'roles', ARRAY(SELECT ur.role_name FROM "         \
	"user_roles ur WHERE ur.tenant_id = u.tenant_id AND ur.user_id = "     \
	"u.id ORDER BY 1), 'created_at', ts(u.created_at), 'updated_at', "     \
	"ts(u.updated_at), 'version', u.version)"

#define USER_PERMS                                                             \
	"ARRAY(SELECT unnest(r.permissions) FROM user_roles ur JOIN roles r "  \
	"ON r.tenant_id = ur.tenant_id AND r.name = ur.role_name WHERE "       \
	"ur.tenant_id = u.tenant_id AND ur.user_id = u.id)"

/* The principal as the workers cache it, with the auth epoch read in the
 * same statement (one snapshot): a cached copy is never newer than the
 * epoch it is filed under.  Every subquery names tenant_id = $1 itself:
 * Citus routes a statement to one shard only then (a subquery that follows
 * u.tenant_id is sent to every shard). */
static struct db_stmt st_principal_row = DB_STMT(
    "user_principal_row",
    "SELECT u.status, u.email, u.name, array_to_json(ARRAY(SELECT "
    "ur.role_name FROM user_roles ur WHERE ur.tenant_id = $1 AND "
    "ur.user_id = $2 ORDER BY 1)), ARRAY(SELECT unnest(r.permissions) FROM "
    "user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.name = "
    "ur.role_name WHERE ur.tenant_id = $1 AND ur.user_id = $2), EXISTS "
    "(SELECT 1 FROM "
    "refresh_tokens rt WHERE rt.tenant_id = $1 AND rt.family_id = $3::uuid "
    "AND rt.revoked_at IS NOT NULL), coalesce((SELECT v.auth_epoch FROM "
    "tenant_versions v WHERE v.tenant_id = $1), 0) FROM users u WHERE "
    "u.tenant_id = $1 AND u.id = $2",
    3);
static struct db_stmt st_by_email = DB_STMT(
    "user_by_email",
    "SELECT id, password_hash, status FROM users WHERE tenant_id = $1 AND "
    "email_norm = $2",
    2);
static struct db_stmt st_by_oidc = DB_STMT(
    "user_by_oidc",
    "SELECT id FROM users WHERE tenant_id = $1 AND oidc_issuer = $2 AND "
    "oidc_subject = $3",
    3);
static struct db_stmt st_insert_oidc = DB_STMT(
    "user_insert_oidc",
    "INSERT INTO users (tenant_id, id, email, email_norm, name, "
    "oidc_issuer, oidc_subject) VALUES ($1, $2, $3, 'oidc|' || "
    "encode(sha256(convert_to($5 || '|' || $6, 'UTF8')), 'hex'), $4, $5, "
    "$6)",
    6);
static struct db_stmt st_get = DB_STMT(
    "user_get",
    "SELECT u.id, " USER_JSON ", " USER_PERMS ", u.version, EXISTS (SELECT "
    "1 FROM user_roles o WHERE o.tenant_id = u.tenant_id AND o.user_id = "
    "u.id AND o.role_name = 'owner') FROM users u WHERE u.tenant_id = $1 "
    "AND u.id = $2",
    2);
static struct db_stmt st_list = DB_STMT(
    "user_list",
    "SELECT u.id, " USER_JSON " FROM users u WHERE u.tenant_id = $1 AND "
    "($2::uuid IS NULL OR u.id > $2::uuid) ORDER BY u.id LIMIT $3",
    3);
static struct db_stmt st_insert =
    DB_STMT("user_insert",
            "INSERT INTO users (tenant_id, id, email, email_norm, name, "
            "password_hash) VALUES ($1, $2, $3, $4, $5, $6)",
            6);
static struct db_stmt st_roles_clear =
    DB_STMT("user_roles_clear",
            "DELETE FROM user_roles WHERE tenant_id = $1 AND user_id = $2", 2);
/* Selects the tenant's own roles (each name once: the primary key), so
 * that Citus runs the INSERT ... SELECT on the tenant's shard. */
static struct db_stmt st_roles_set = DB_STMT(
    "user_roles_set",
    "INSERT INTO user_roles (tenant_id, user_id, role_name) SELECT "
    "ro.tenant_id, $2, ro.name FROM roles ro WHERE ro.tenant_id = $1 AND "
    "ro.name = ANY ($3::text[])",
    3);
static struct db_stmt st_update =
    DB_STMT("user_update",
            "UPDATE users SET name = coalesce($3, name), status = coalesce($4, "
            "status), password_hash = coalesce($5, password_hash), version = "
            "version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 "
            "RETURNING version",
            5);
static struct db_stmt st_delete = DB_STMT(
    "user_delete", "DELETE FROM users WHERE tenant_id = $1 AND id = $2", 2);
static struct db_stmt st_lock_owners = DB_STMT(
    "user_lock_owners",
    "SELECT pg_advisory_xact_lock(hashtextextended('owners:' || "
    "$1::text, 0)), (SELECT count(*) FROM user_roles ur JOIN users u ON "
    "u.tenant_id = ur.tenant_id AND u.id = ur.user_id WHERE ur.tenant_id "
    "= $1::uuid AND ur.role_name = 'owner' AND u.status = 'active' AND "
    "u.id <> $2::uuid)",
    2);
static struct db_stmt st_roles_perms = DB_STMT(
    "roles_perms",
    "SELECT ARRAY(SELECT DISTINCT p FROM roles r, unnest(r.permissions) p "
    "WHERE r.tenant_id = $1 AND r.name = ANY ($2::text[])), (SELECT "
    "count(*) FROM roles r WHERE r.tenant_id = $1 AND r.name = ANY "
    "($2::text[]))",
    2);

static void
decode_principal(const PGresult *r, void *out, struct arena *a)
{
	struct user_principal_row *p = out;

	if (db_rows(r) != 1)
		return;
	p->found = true;
	p->active = strcmp(db_value(r, 0, 0), "active") == 0;
	p->email = db_str(r, 0, 1, a);
	p->name = db_str(r, 0, 2, a);
	p->roles = db_str(r, 0, 3, a);
	p->permissions = db_str(r, 0, 4, a);
	p->session_revoked = db_bool(r, 0, 5);
	p->auth_epoch = db_int(r, 0, 6);
}

int
users_queue_principal_row(struct db *db, const char *tid, const char *uid,
                          const char *sid, struct user_principal_row *out)
{
	const char *p[3] = {tid, uid, sid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_principal_row, p, decode_principal, out);
}

int
users_queue_by_email(struct db *db, const char *tid, const char *email_norm)
{
	const char *p[2] = {tid, email_norm};

	return db_queue(db, &st_by_email, p);
}

static void
decode_user(const PGresult *r, void *out, struct arena *a)
{
	struct user *u = out;

	if (db_rows(r) != 1)
		return;
	u->found = true;
	u->id = db_str(r, 0, 0, a);
	u->json = db_str(r, 0, 1, a);
	u->permissions = db_str(r, 0, 2, a);
	u->version = db_str(r, 0, 3, a);
	u->is_owner = db_bool(r, 0, 4);
}

int
users_get(struct db *db, const char *tid, const char *id, struct user *out)
{
	const char *p[2] = {tid, id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_user, out);
}

static void
decode_page(const PGresult *r, void *out, struct arena *a)
{
	struct user_page *pg = out;

	pg->n = db_rows(r);
	pg->ids = arena_calloc(a, (size_t)pg->n + 1, sizeof(*pg->ids));
	pg->json = arena_calloc(a, (size_t)pg->n + 1, sizeof(*pg->json));
	for (int i = 0; i < pg->n; i++) {
		pg->ids[i] = db_str(r, i, 0, a);
		pg->json[i] = db_str(r, i, 1, a);
	}
}

int
users_list_page(struct db *db, const char *tid, const char *after,
                const char *limit, struct user_page *out)
{
	const char *p[3] = {tid, after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, p, decode_page, out);
}

int
users_queue_insert(struct db *db, const char *tid, const char *id,
                   const char *email, const char *email_norm, const char *name,
                   const char *password_hash)
{
	const char *p[6] = {tid, id, email, email_norm, name, password_hash};

	return db_queue(db, &st_insert, p);
}

int
users_queue_set_roles(struct db *db, const char *tid, const char *id,
                      const char *roles)
{
	const char *p2[2] = {tid, id};
	const char *p3[3] = {tid, id, roles};

	versions_queue_bump_auth(db, tid);
	db_queue(db, &st_roles_clear, p2);
	return db_queue(db, &st_roles_set, p3);
}

int
users_queue_update(struct db *db, const char *tid, const char *id,
                   const char *name, const char *status,
                   const char *password_hash)
{
	const char *p[5] = {tid, id, name, status, password_hash};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_update, p);
}

int
users_queue_delete(struct db *db, const char *tid, const char *id)
{
	const char *p[2] = {tid, id};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_delete, p);
}

static void
decode_count(const PGresult *r, void *out, struct arena *a)
{
	long long *n = out;

	(void)a;
	if (db_rows(r) == 1)
		*n = db_int(r, 0, 1);
}

int
users_lock_owners(struct db *db, const char *tid, const char *uid,
                  long long *others)
{
	const char *p[2] = {tid, uid};

	*others = 0;
	return db_queue_into(db, &st_lock_owners, p, decode_count, others);
}

static void
decode_grant(const PGresult *r, void *out, struct arena *a)
{
	struct user_role_grant *g = out;

	if (db_rows(r) != 1)
		return;
	g->permissions = db_str(r, 0, 0, a);
	g->found = (int)db_int(r, 0, 1);
}

int
users_roles_grant(struct db *db, const char *tid, const char *roles,
                  struct user_role_grant *out)
{
	const char *p[2] = {tid, roles};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_roles_perms, p, decode_grant, out);
}

int
users_by_oidc(struct db *db, const char *tid, const char *issuer,
              const char *sub, struct db_text *id)
{
	const char *p[3] = {tid, issuer, sub};

	memset(id, 0, sizeof(*id));
	return db_queue_into(db, &st_by_oidc, p, db_decode_text, id);
}

int
users_queue_insert_oidc(struct db *db, const char *tid, const char *id,
                        const char *email, const char *name, const char *issuer,
                        const char *sub)
{
	const char *p[6] = {tid, id, email, name, issuer, sub};

	return db_queue(db, &st_insert_oidc, p);
}

/*
 * exports.c - bulk reads for exports and subject rights, and retention.
 */
#include "data/exports.h"

#include "data/db.h"
#include "data/records.h"

static struct db_stmt st_subject_records =
    DB_STMT("export_subject_records",
            "SELECT " RECORD_COLUMNS " FROM records r" RECORD_SUBJECT_JOIN
            " WHERE r.tenant_id = $1 AND r.subject = ANY ($2::text[]) ORDER BY "
            "r.id",
            2);
static struct db_stmt st_erase =
    DB_STMT("export_erase_subject",
            "DELETE FROM records WHERE tenant_id = $1 AND subject = ANY "
            "($2::text[]) RETURNING id",
            2);
static struct db_stmt st_events =
    DB_STMT("export_record_events",
            "SELECT json_build_object('seq', e.seq, 'at', ts(e.at), 'actor', "
            "json_build_object('type', e.actor_type, 'id', NULLIF(e.actor_id, "
            "'')), 'action', e.action, 'target', json_build_object('type', "
            "e.target_type, 'id', e.target_id), 'outcome', e.outcome, "
            "'details', e.details) FROM audit_events e WHERE e.tenant_id = $1 "
            "AND e.target_id = ANY ($2::text[]) ORDER BY e.seq",
            2);
static struct db_stmt st_collections =
    DB_STMT("export_collections",
            "SELECT name, version, definition::text FROM collections WHERE "
            "tenant_id = $1 ORDER BY name",
            1);
static struct db_stmt st_records =
    DB_STMT("export_records",
            "SELECT " RECORD_COLUMNS " FROM records r" RECORD_SUBJECT_JOIN
            " WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id > $2::uuid) "
            "ORDER BY r.id LIMIT $3",
            3);
static struct db_stmt st_users = DB_STMT(
    "export_users",
    "SELECT coalesce(json_agg(json_build_object('id', u.id, 'email', "
    "u.email, 'name', u.name, 'status', u.status, 'roles', ARRAY(SELECT "
    "ur.role_name FROM user_roles ur WHERE ur.tenant_id = u.tenant_id AND "
    "ur.user_id = u.id ORDER BY 1), 'oidc_issuer', u.oidc_issuer, "
    "'created_at', ts(u.created_at)) ORDER BY u.id), '[]') FROM users u "
    "WHERE u.tenant_id = $1",
    1);
static struct db_stmt st_roles = DB_STMT(
    "export_roles",
    "SELECT coalesce(json_agg(json_build_object('name', r.name, "
    "'permissions', r.permissions, 'builtin', r.builtin) ORDER BY r.name), "
    "'[]') FROM roles r WHERE r.tenant_id = $1",
    1);
static struct db_stmt st_config = DB_STMT(
    "export_config",
    "SELECT coalesce(json_agg(json_build_object('version', v.version, "
    "'settings', v.settings, 'comment', v.comment, 'created_at', "
    "ts(v.created_at), 'created_by', v.created_by, 'restored_from', "
    "v.restored_from) ORDER BY v.version), '[]') FROM config_versions v "
    "WHERE v.tenant_id = $1",
    1);
static struct db_stmt st_api_keys =
    DB_STMT("export_api_keys",
            "SELECT coalesce(json_agg(json_build_object('id', k.id, 'name', "
            "k.name, 'permissions', k.permissions, 'created_at', "
            "ts(k.created_at), 'expires_at', ts(k.expires_at), 'revoked_at', "
            "ts(k.revoked_at)) ORDER BY k.id), '[]') FROM api_keys k WHERE "
            "k.tenant_id = $1",
            1);

static int
one(struct db *db, struct db_stmt *st, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, st, p);
}

int
exports_queue_collections(struct db *db, const char *tid)
{
	return one(db, &st_collections, tid);
}

int
exports_queue_users(struct db *db, const char *tid)
{
	return one(db, &st_users, tid);
}

int
exports_queue_roles(struct db *db, const char *tid)
{
	return one(db, &st_roles, tid);
}

int
exports_queue_config(struct db *db, const char *tid)
{
	return one(db, &st_config, tid);
}

int
exports_queue_api_keys(struct db *db, const char *tid)
{
	return one(db, &st_api_keys, tid);
}

int
exports_queue_subject_records(struct db *db, const char *tid,
                              const char *hashes)
{
	const char *p[2] = {tid, hashes};

	return db_queue(db, &st_subject_records, p);
}

int
exports_queue_erase_subject(struct db *db, const char *tid, const char *hashes)
{
	const char *p[2] = {tid, hashes};

	return db_queue(db, &st_erase, p);
}

int
exports_queue_record_events(struct db *db, const char *tid, const char *ids)
{
	const char *p[2] = {tid, ids};

	return db_queue(db, &st_events, p);
}

int
exports_queue_records(struct db *db, const char *tid, const char *after,
                      const char *limit)
{
	const char *p[3] = {tid, after, limit};

	return db_queue(db, &st_records, p);
}

/*
 * exports.c - bulk reads for exports and subject rights, and usage.
 */
#include "data/exports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
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
/* A batch stops at $3 rows or once the data before a row reaches $4
 * bytes; the last column is the bytes up to and including each row, as
 * the server counts them, so the caller knows whether the cut was made
 * by size.  The lateral subquery (OFFSET 0: not flattened) renders each
 * row's data once. */
static struct db_stmt st_records = DB_STMT(
    "export_records_batch",
    "SELECT b.id, b.collection, b.data, b.version, b.created_at, "
    "b.updated_at, b.created_by, b.sk_id, b.sk_wrapped, b.sk_wrapped_by, "
    "b.upto FROM (SELECT r.id, r.collection, d.t AS data, r.version, "
    "ts(r.created_at) AS created_at, ts(r.updated_at) AS updated_at, "
    "r.created_by, sk.id AS sk_id, sk.wrapped AS sk_wrapped, sk.wrapped_by "
    "AS sk_wrapped_by, sum(octet_length(d.t)) OVER (ORDER BY r.id ROWS "
    "UNBOUNDED PRECEDING) AS upto, octet_length(d.t) AS len FROM records r "
    "CROSS JOIN LATERAL (SELECT r.data::text AS t OFFSET 0) "
    "d" RECORD_SUBJECT_JOIN
    " WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id > $2::uuid) "
    "ORDER BY r.id LIMIT $3) b WHERE b.upto - b.len < $4::bigint ORDER BY "
    "b.id",
    4);
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
static struct db_stmt st_usage = DB_STMT(
    "tenant_usage_one",
    "SELECT (SELECT coalesce(sum(records), 0) FROM tenant_counters WHERE "
    "tenant_id = $1), (SELECT count(*) FROM collections WHERE tenant_id "
    "= $1), (SELECT coalesce(sum(pg_column_size(data)), 0) FROM records "
    "WHERE tenant_id = $1), (SELECT count(*) FROM users WHERE tenant_id = "
    "$1)",
    1);

static void
decode_collections(const PGresult *r, void *out, struct arena *a)
{
	struct export_collections *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	for (int i = 0; i < o->n; i++) {
		o->rows[i].name = db_str(r, i, 0, a);
		o->rows[i].version = db_int(r, i, 1);
		o->rows[i].definition = db_str(r, i, 2, a);
	}
}

/* RECORD_COLUMNS rows; with an 11th column, the server's running total
 * of data bytes (the export's batches). */
static void
decode_batch(const PGresult *r, void *out, struct arena *a)
{
	struct export_batch *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	o->bytes = 0;
	for (int i = 0; i < o->n; i++) {
		records_from_row(r, i, &o->rows[i], a);
		o->rows[i].cursor = NULL;
		o->bytes += o->rows[i].data_len;
	}
	if (o->n > 0 && PQnfields(r) > RECORD_CURSOR_COL)
		o->bytes = (size_t)db_int(r, o->n - 1, RECORD_CURSOR_COL);
}

static void
decode_texts(const PGresult *r, void *out, struct arena *a)
{
	struct export_texts *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	for (int i = 0; i < o->n; i++)
		o->rows[i] = db_str(r, i, 0, a);
}

static void
decode_array(const PGresult *r, void *out, struct arena *a)
{
	struct export_array *o = out;

	if (db_rows(r) == 1 && !db_is_null(r, 0, 0))
		o->json = db_str(r, 0, 0, a);
}

static void
decode_count(const PGresult *r, void *out, struct arena *a)
{
	struct export_count *o = out;

	(void)a;
	o->n = db_rows(r);
}

static void
decode_usage(const PGresult *r, void *out, struct arena *a)
{
	struct export_usage *o = out;

	if (db_rows(r) != 1)
		return;
	o->found = true;
	o->records = db_str(r, 0, 0, a);
	o->collections = db_str(r, 0, 1, a);
	o->storage_bytes = db_str(r, 0, 2, a);
	o->users = db_str(r, 0, 3, a);
}

int
exports_collections(struct db *db, const char *tid,
                    struct export_collections *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_collections, p, decode_collections, out);
}

int
exports_subject_records(struct db *db, const char *tid, const char *hashes,
                        struct export_batch *out)
{
	const char *p[2] = {tid, hashes};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_subject_records, p, decode_batch, out);
}

int
exports_erase_subject(struct db *db, const char *tid, const char *hashes,
                      struct export_count *out)
{
	const char *p[2] = {tid, hashes};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_erase, p, decode_count, out);
}

int
exports_record_events(struct db *db, const char *tid, const char *ids,
                      struct export_texts *out)
{
	const char *p[2] = {tid, ids};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_events, p, decode_texts, out);
}

int
exports_begin(struct db *db, const struct uuid *tenant)
{
	db_begin_snapshot(db, tenant);
	return 0;
}

int
exports_records(struct db *db, const char *tid, const char *after, int limit,
                size_t max_bytes, struct export_batch *out)
{
	char lim[16], max[24];
	const char *p[4] = {tid, after, lim, max};

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(max, sizeof(max), "%zu", max_bytes);
	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_records, p, decode_batch, out);
}

static int
array(struct db *db, struct db_stmt *st, const char *tid,
      struct export_array *out)
{
	const char *p[1] = {tid};

	out->json = "[]";
	return db_queue_into(db, st, p, decode_array, out);
}

int
exports_users(struct db *db, const char *tid, struct export_array *out)
{
	return array(db, &st_users, tid, out);
}

int
exports_roles(struct db *db, const char *tid, struct export_array *out)
{
	return array(db, &st_roles, tid, out);
}

int
exports_config(struct db *db, const char *tid, struct export_array *out)
{
	return array(db, &st_config, tid, out);
}

int
exports_api_keys(struct db *db, const char *tid, struct export_array *out)
{
	return array(db, &st_api_keys, tid, out);
}

int
exports_usage(struct db *db, const char *tid, struct export_usage *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_usage, p, decode_usage, out);
}

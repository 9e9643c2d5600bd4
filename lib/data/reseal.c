/*
 * reseal.c - the SQL of re-encryption.
 */
#include "data/reseal.h"

#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/records.h"

static struct db_stmt st_targets = DB_STMT(
    "reseal_targets",
    "SELECT k.id, k.purpose, coalesce((SELECT v.keyring_version FROM "
    "tenant_versions v WHERE v.tenant_id = $1), 0), clock_timestamp()::text "
    "FROM tenant_keys k WHERE k.tenant_id = $1 AND k.retired_at IS NULL AND "
    "k.destroyed_at IS NULL AND k.purpose IN ('data', 'index') ORDER BY "
    "k.purpose FOR SHARE OF k",
    1);
static struct db_stmt st_checkpoint_get =
    DB_STMT("reseal_checkpoint_get",
            "SELECT data_key_id, index_key_id, coalesce(after_id::text, ''), "
            "records FROM key_reencrypt WHERE tenant_id = $1",
            1);
/* The new row's started_at and updated_at are their DEFAULT now(): Citus
 * allows only IMMUTABLE functions in a DO UPDATE SET. */
static struct db_stmt st_checkpoint_put = DB_STMT(
    "reseal_checkpoint_put",
    "INSERT INTO key_reencrypt AS k (tenant_id, data_key_id, index_key_id, "
    "after_id, records) VALUES ($1, $2, $3, NULLIF($4, '')::uuid, $5) ON "
    "CONFLICT (tenant_id) DO UPDATE SET data_key_id = excluded.data_key_id, "
    "index_key_id = excluded.index_key_id, after_id = excluded.after_id, "
    "records = excluded.records, started_at = CASE WHEN excluded.after_id "
    "IS NULL THEN excluded.started_at ELSE k.started_at END, updated_at = "
    "excluded.updated_at",
    5);
static struct db_stmt st_checkpoint_drop =
    DB_STMT("reseal_checkpoint_drop",
            "DELETE FROM key_reencrypt WHERE tenant_id = $1", 1);
static struct db_stmt st_collections =
    DB_STMT("reseal_collections",
            "SELECT name, version, definition::text FROM collections WHERE "
            "tenant_id = $1 ORDER BY name FOR SHARE",
            1);
static struct db_stmt st_records =
    DB_STMT("reseal_records",
            "SELECT " RECORD_COLUMNS " FROM records r" RECORD_SUBJECT_JOIN
            " WHERE r.tenant_id = $1 AND r.id > $2::uuid ORDER BY r.id "
            "LIMIT $3 FOR UPDATE OF r",
            3);
static struct db_stmt st_record_update =
    DB_STMT("reseal_record_update",
            "UPDATE records SET data = $3::jsonb, subject = $4 WHERE "
            "tenant_id = $1 AND id = $2",
            4);
static struct db_stmt st_subjects = DB_STMT(
    "reseal_subjects",
    "SELECT id, wrapped, wrapped_by FROM subject_keys WHERE tenant_id = $1 "
    "AND wrapped_by <> $2::uuid AND id > $3::uuid ORDER BY id LIMIT $4 FOR "
    "UPDATE",
    4);
static struct db_stmt st_subject_rewrap =
    DB_STMT("reseal_subject_rewrap",
            "UPDATE subject_keys SET wrapped = $3, wrapped_by = $4 WHERE "
            "tenant_id = $1 AND id = $2",
            4);
static struct db_stmt st_dead_subjects = DB_STMT(
    "reseal_dead_subjects",
    "WITH d AS (DELETE FROM subject_keys s WHERE s.tenant_id = $1 AND "
    "s.created_at < (SELECT k.created_at FROM tenant_keys k WHERE "
    "k.tenant_id = $1 AND k.id = $2) AND NOT EXISTS (SELECT 1 FROM records "
    "r WHERE r.tenant_id = s.tenant_id AND r.subject = s.subject_hash) "
    "RETURNING 1) SELECT count(*) FROM d",
    2);
/* Client sessions of this role only: the workers and the command line
 * connect as it; others' xact_start reads as NULL and is not counted. */
static struct db_stmt st_older =
    DB_STMT("reseal_older",
            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
            "current_database() AND backend_type = 'client backend' AND "
            "pid <> pg_backend_pid() AND xact_start < $1::timestamptz",
            1);
static struct db_stmt st_verify = DB_STMT(
    "reseal_verify",
    "WITH old AS (SELECT id::text AS id FROM tenant_keys WHERE tenant_id = "
    "$1 AND purpose = 'data' AND id <> $2::uuid AND expires_at IS NULL) "
    "SELECT (SELECT count(*) FROM records r, jsonb_each(r.data) e WHERE "
    "r.tenant_id = $1 AND jsonb_typeof(e.value) = 'string' AND "
    "split_part(e.value "
    "#>> '{}', ':', 3) IN (SELECT id FROM old) AND (e.value #>> '{}') LIKE "
    "'enc:v1:%') + (SELECT count(*) FROM mfa_totp m WHERE m.tenant_id = $1 "
    "AND split_part(m.secret, ':', 3) IN (SELECT id FROM old)), (SELECT "
    "count(*) FROM subject_keys WHERE tenant_id = $1 AND wrapped_by::text "
    "IN (SELECT id FROM old))",
    2);
static struct db_stmt st_mfa =
    DB_STMT("reseal_mfa",
            "SELECT user_id, secret FROM mfa_totp WHERE tenant_id = $1 AND "
            "split_part(secret, ':', 3) <> $2 AND user_id > $3::uuid ORDER BY "
            "user_id LIMIT $4 FOR UPDATE",
            4);
static struct db_stmt st_mfa_update =
    DB_STMT("reseal_mfa_update",
            "UPDATE mfa_totp SET secret = $3 WHERE tenant_id = $1 AND "
            "user_id = $2",
            3);
static struct db_stmt st_retire = DB_STMT(
    "reseal_retire",
    "WITH r AS (UPDATE tenant_keys SET expires_at = now() WHERE tenant_id = "
    "$1 AND purpose IN ('data', 'index') AND retired_at IS NOT NULL AND "
    "expires_at IS NULL AND destroyed_at IS NULL RETURNING purpose) SELECT "
    "count(*) FILTER (WHERE purpose = 'data'), count(*) FILTER (WHERE "
    "purpose = 'index') FROM r",
    1);

static void
decode_targets(const PGresult *r, void *out, struct arena *a)
{
	struct reseal_targets *o = out;
	bool data = false, index = false;

	for (int i = 0; i < db_rows(r); i++) {
		const char *purpose = db_value(r, i, 1);
		char *dst = strcmp(purpose, "data") == 0 ? o->data : o->index;

		data |= dst == o->data;
		index |= dst == o->index;
		memcpy(dst, db_value(r, i, 0), UUID_STR_LEN);
		dst[UUID_STR_LEN] = '\0';
		o->keyring_version = db_int(r, i, 2);
		o->now = db_str(r, i, 3, a);
	}
	o->found = data && index && db_rows(r) == 2;
}

int
reseal_lock_targets(struct db *db, const char *tid, struct reseal_targets *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_targets, p, decode_targets, out);
}

static void
decode_checkpoint(const PGresult *r, void *out, struct arena *a)
{
	struct reseal_checkpoint *o = out;

	if (db_rows(r) != 1)
		return;
	o->found = true;
	o->data = db_str(r, 0, 0, a);
	o->index = db_str(r, 0, 1, a);
	o->after = db_str(r, 0, 2, a);
	o->records = db_int(r, 0, 3);
}

int
reseal_checkpoint_get(struct db *db, const char *tid,
                      struct reseal_checkpoint *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_checkpoint_get, p, decode_checkpoint, out);
}

int
reseal_checkpoint_put(struct db *db, const char *tid, const char *data,
                      const char *index, const char *after, const char *records)
{
	const char *p[5] = {tid, data, index, after, records};

	return db_queue(db, &st_checkpoint_put, p);
}

int
reseal_checkpoint_drop(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_checkpoint_drop, p);
}

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

int
reseal_collections(struct db *db, const char *tid,
                   struct export_collections *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_collections, p, decode_collections, out);
}

static void
decode_records(const PGresult *r, void *out, struct arena *a)
{
	struct export_batch *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	for (int i = 0; i < o->n; i++)
		records_from_row(r, i, &o->rows[i], a);
}

int
reseal_records(struct db *db, const char *tid, const char *after,
               const char *limit, struct export_batch *out)
{
	const char *p[3] = {tid, after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_records, p, decode_records, out);
}

int
reseal_record_update(struct db *db, const char *tid, const char *id,
                     const char *data, const char *subject)
{
	const char *p[4] = {tid, id, data, subject};

	return db_queue(db, &st_record_update, p);
}

static void
decode_subjects(const PGresult *r, void *out, struct arena *a)
{
	struct reseal_subjects *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	for (int i = 0; i < o->n; i++) {
		o->rows[i].id = db_str(r, i, 0, a);
		o->rows[i].wrapped = db_str(r, i, 1, a);
		o->rows[i].wrapped_by = db_str(r, i, 2, a);
	}
}

int
reseal_subjects(struct db *db, const char *tid, const char *data_key,
                const char *after, const char *limit,
                struct reseal_subjects *out)
{
	const char *p[4] = {tid, data_key, after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_subjects, p, decode_subjects, out);
}

int
reseal_subject_rewrap(struct db *db, const char *tid, const char *id,
                      const char *wrapped, const char *wrapped_by)
{
	const char *p[4] = {tid, id, wrapped, wrapped_by};

	return db_queue(db, &st_subject_rewrap, p);
}

static void
decode_mfa(const PGresult *r, void *out, struct arena *a)
{
	struct reseal_mfa *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	for (int i = 0; i < o->n; i++) {
		o->rows[i].uid = db_str(r, i, 0, a);
		o->rows[i].secret = db_str(r, i, 1, a);
	}
}

int
reseal_mfa_secrets(struct db *db, const char *tid, const char *data_key,
                   const char *after, const char *limit, struct reseal_mfa *out)
{
	const char *p[4] = {tid, data_key, after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_mfa, p, decode_mfa, out);
}

int
reseal_mfa_update(struct db *db, const char *tid, const char *uid,
                  const char *secret)
{
	const char *p[3] = {tid, uid, secret};

	return db_queue(db, &st_mfa_update, p);
}

int
reseal_drop_dead_subjects(struct db *db, const char *tid, const char *index_key,
                          long long *out)
{
	const char *p[2] = {tid, index_key};

	*out = 0;
	return db_queue_into(db, &st_dead_subjects, p, db_decode_int, out);
}

int
reseal_older_transactions(struct db *db, const char *cutoff, long long *out)
{
	const char *p[1] = {cutoff};

	*out = 0;
	return db_queue_into(db, &st_older, p, db_decode_int, out);
}

static void
decode_left(const PGresult *r, void *out, struct arena *a)
{
	struct reseal_left *o = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	o->values = db_int(r, 0, 0);
	o->subject_keys = db_int(r, 0, 1);
}

int
reseal_verify(struct db *db, const char *tid, const char *data_key,
              struct reseal_left *out)
{
	const char *p[2] = {tid, data_key};

	/* Unknown until read: a failed read must not look like "none left". */
	out->values = out->subject_keys = -1;
	return db_queue_into(db, &st_verify, p, decode_left, out);
}

static void
decode_retired(const PGresult *r, void *out, struct arena *a)
{
	struct reseal_retired *o = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	o->data = db_int(r, 0, 0);
	o->index = db_int(r, 0, 1);
}

int
reseal_retire(struct db *db, const char *tid, struct reseal_retired *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_retire, p, decode_retired, out);
}

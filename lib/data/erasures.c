/*
 * erasures.c - the erasure ledger and its re-application.
 */
#include "data/erasures.h"

#include <string.h>

#include "data/db.h"

static struct db_stmt st_record =
    DB_STMT("erasure_record",
            "INSERT INTO erasure_ledger (tenant_id, subject_hash) SELECT $1, h "
            "FROM unnest($2::text[]) h ON CONFLICT DO NOTHING",
            2);
/* The keys first, as in the erasure itself (api/privacy.c). */
static struct db_stmt st_keys =
    DB_STMT("erasure_reapply_keys",
            "DELETE FROM subject_keys WHERE tenant_id = $1 AND subject_hash IN "
            "(SELECT subject_hash FROM erasure_ledger WHERE tenant_id = $1) "
            "RETURNING id",
            1);
static struct db_stmt st_records =
    DB_STMT("erasure_reapply_records",
            "DELETE FROM records WHERE tenant_id = $1 AND subject IN "
            "(SELECT subject_hash FROM erasure_ledger WHERE tenant_id = $1) "
            "RETURNING id",
            1);
/* tenant_counters spreads the tenant's record count over shards (their
 * sum counts): counted again, all of it on shard 0. */
static struct db_stmt st_count_zero =
    DB_STMT("erasure_count_zero",
            "UPDATE tenant_counters SET records = 0 WHERE tenant_id = $1 AND "
            "shard <> 0",
            1);
static struct db_stmt st_count = DB_STMT(
    "erasure_count",
    "INSERT INTO tenant_counters (tenant_id, shard, records) SELECT $1, 0, "
    "count(*) FROM records WHERE tenant_id = $1 ON CONFLICT (tenant_id, "
    "shard) DO UPDATE SET records = EXCLUDED.records",
    1);
/* The ledger is a tenant table (row-level security FORCEd): read and
 * written one tenant at a time, inside that tenant's transaction. */
static struct db_stmt st_export = DB_STMT(
    "erasure_export",
    "SELECT coalesce(json_agg(json_build_object('tenant_id', tenant_id, "
    "'subject_hash', subject_hash, 'erased_at', erased_at) ORDER BY "
    "subject_hash), '[]')::text FROM erasure_ledger WHERE tenant_id = $1",
    1);
static struct db_stmt st_import =
    DB_STMT("erasure_import",
            "INSERT INTO erasure_ledger (tenant_id, subject_hash, erased_at) "
            "SELECT l.tenant_id, l.subject_hash, l.erased_at FROM "
            "json_populate_recordset(NULL::erasure_ledger, $2::json) l WHERE "
            "l.tenant_id = $1 ON CONFLICT DO NOTHING RETURNING subject_hash",
            2);
static struct db_stmt st_ledger_count =
    DB_STMT("erasure_ledger_count",
            "SELECT count(*) FROM erasure_ledger WHERE tenant_id = $1", 1);

int
erasures_queue_record(struct db *db, const char *tid, const char *hashes)
{
	const char *p[2] = {tid, hashes};

	return db_queue(db, &st_record, p);
}

static void
decode_keys(const PGresult *r, void *out, struct arena *a)
{
	struct erasures_count *o = out;

	(void)a;
	o->keys = db_rows(r);
}

static void
decode_records(const PGresult *r, void *out, struct arena *a)
{
	struct erasures_count *o = out;

	(void)a;
	o->records = db_rows(r);
}

int
erasures_queue_reapply(struct db *db, const char *tid,
                       struct erasures_count *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	if (db_queue_into(db, &st_keys, p, decode_keys, out) < 0 ||
	    db_queue_into(db, &st_records, p, decode_records, out) < 0 ||
	    db_queue(db, &st_count_zero, p) < 0)
		return -1;
	return db_queue(db, &st_count, p);
}

static void
decode_text(const PGresult *r, void *out, struct arena *a)
{
	const char **o = out;

	*o = db_str(r, 0, 0, a);
}

static void
decode_long(const PGresult *r, void *out, struct arena *a)
{
	long *o = out;

	(void)a;
	*o = (long)db_int(r, 0, 0);
}

static void
decode_rows(const PGresult *r, void *out, struct arena *a)
{
	long *o = out;

	(void)a;
	*o = db_rows(r);
}

int
erasures_queue_export(struct db *db, const char *tid, const char **out)
{
	const char *p[1] = {tid};

	*out = NULL;
	return db_queue_into(db, &st_export, p, decode_text, out);
}

int
erasures_queue_import(struct db *db, const char *tid, const char *json,
                      long *imported)
{
	const char *p[2] = {tid, json};

	*imported = 0;
	return db_queue_into(db, &st_import, p, decode_rows, imported);
}

int
erasures_queue_count(struct db *db, const char *tid, long *out)
{
	const char *p[1] = {tid};

	*out = 0;
	return db_queue_into(db, &st_ledger_count, p, decode_long, out);
}

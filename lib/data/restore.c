/*
 * restore.c - one tenant's rows from a restored copy into the live database.
 *
 * Rows travel as JSON (row_to_json on the copy, json_populate_recordset
 * here), which keeps every column's type with no column list to maintain:
 * both databases run the same migrations (checked by the caller).  Table
 * names come from the list below, never from input.
 */
#include "data/restore.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"

struct table_sql {
	const char *name;
	const char *read;
	const char *del;
	const char *insert;
};

#define TABLE(t)                                                               \
	{                                                                      \
		t,                                                             \
		    "SELECT count(*), coalesce(json_agg(x), '[]')::text "      \
		    "FROM " t " x WHERE tenant_id = $1",                       \
		    "DELETE FROM " t " WHERE tenant_id = $1",                  \
		    "INSERT INTO " t " SELECT * FROM json_populate_recordset(" \
		    "NULL::" t ", $2::json) WHERE tenant_id = $1"              \
	}

/* Parents first; deleted in the reverse order. */
static const struct table_sql tables[RESTORE_TABLES] = {
    TABLE("users"),
    TABLE("mfa_totp"), /* deleting users would cascade to them */
    TABLE("mfa_recovery_codes"),
    TABLE("roles"),
    TABLE("user_roles"),
    TABLE("refresh_tokens"),
    TABLE("api_keys"),
    TABLE("collections"),
    TABLE("collection_versions"),
    TABLE("records"),
    TABLE("record_index"),
    TABLE("tenant_counters"),
    TABLE("subject_keys"),
};

static const char sql_check[] =
    "SELECT pg_is_in_recovery(), coalesce(pg_last_xact_replay_timestamp() "
    "<= $1::timestamptz, true)";
static const char sql_migrations[] =
    "SELECT string_agg(name, ',' ORDER BY name) FROM public.strata_migrations";
static const char sql_keys[] =
    "SELECT coalesce(json_agg(k), '[]')::text FROM tenant_keys k WHERE "
    "tenant_id = $1";
static const char sql_config[] =
    "SELECT v.version, v.settings::text FROM config_versions v JOIN tenants "
    "t ON t.id = v.tenant_id AND t.config_version = v.version WHERE "
    "v.tenant_id = $1";
static const char sql_keys_merge[] =
    "INSERT INTO tenant_keys SELECT * FROM json_populate_recordset(NULL::"
    "tenant_keys, $2::json) WHERE tenant_id = $1 ON CONFLICT DO NOTHING";
/* The copy's configuration as a new version, when it differs from the
 * live one (the compare-and-set of config_versions.c, unconditional). */
static const char sql_config_append[] =
    "WITH cur AS (SELECT t.config_version AS v, c.settings FROM tenants t "
    "LEFT JOIN config_versions c ON c.tenant_id = t.id AND c.version = "
    "t.config_version WHERE t.id = $1), t AS (UPDATE tenants SET "
    "config_version = config_version + 1, updated_at = now() WHERE id = $1 "
    "AND (SELECT settings IS DISTINCT FROM $2::jsonb FROM cur) RETURNING "
    "id, config_version) INSERT INTO config_versions (tenant_id, version, "
    "settings, comment, created_by, restored_from) SELECT t.id, "
    "t.config_version, $2::jsonb, $3, 'system', $4::bigint FROM t";
static const char sql_versions[] =
    "UPDATE tenant_versions SET auth_epoch = auth_epoch + 1, schema_version "
    "= schema_version + 1, keyring_version = keyring_version + 1 WHERE "
    "tenant_id = $1";

const char *
restore_table(int i)
{
	return i >= 0 && i < RESTORE_TABLES ? tables[i].name : "";
}

struct table_out {
	struct restore_source *src;
	int i;
};

static void
decode_check(const PGresult *r, void *out, struct arena *a)
{
	struct restore_source *s = out;

	(void)a;
	s->in_recovery = db_bool(r, 0, 0);
	s->at_or_before = db_bool(r, 0, 1);
}

static void
decode_text(const PGresult *r, void *out, struct arena *a)
{
	const char **s = out;

	*s = db_rows(r) > 0 ? db_str(r, 0, 0, a) : NULL;
}

static void
decode_table(const PGresult *r, void *out, struct arena *a)
{
	struct table_out *t = out;

	t->src->n[t->i] = db_int(r, 0, 0);
	t->src->rows[t->i] = db_str(r, 0, 1, a);
}

static void
decode_config(const PGresult *r, void *out, struct arena *a)
{
	struct restore_source *s = out;

	if (db_rows(r) == 0)
		return;
	s->config_version = db_int(r, 0, 0);
	s->settings = db_str(r, 0, 1, a);
}

int
restore_queue_read(struct db *src, const struct uuid *tenant, const char *at,
                   struct restore_source *out)
{
	struct table_out *touts;
	char tid[UUID_STR_LEN + 1];
	const char *p[1];
	const char *pat[1] = {at};
	int h;

	memset(out, 0, sizeof(*out));
	touts = arena_calloc(src->arena, RESTORE_TABLES, sizeof(*touts));
	uuid_format(tenant, tid);
	p[0] = arena_strdup(src->arena, tid);
	db_begin_snapshot(src, tenant);
	db_queue_text_into(src, sql_check, 1, pat, decode_check, out);
	db_queue_text_into(src, sql_migrations, 0, NULL, decode_text,
	                   &out->migrations);
	for (int i = 0; i < RESTORE_TABLES; i++) {
		touts[i].src = out;
		touts[i].i = i;
		db_queue_text_into(src, tables[i].read, 1, p, decode_table,
		                   &touts[i]);
	}
	db_queue_text_into(src, sql_keys, 1, p, decode_text, &out->keys);
	db_queue_text_into(src, sql_config, 1, p, decode_config, out);
	h = db_commit(src);
	return h;
}

int
restore_queue_migrations(struct db *db, const char **out)
{
	*out = NULL;
	return db_queue_text_into(db, sql_migrations, 0, NULL, decode_text,
	                          out);
}

int
restore_queue_replace(struct db *live, struct arena *a, const char *tid,
                      const struct restore_source *src, const char *comment)
{
	const char *p1[1] = {tid};
	int h = 0;

	for (int i = RESTORE_TABLES - 1; i >= 0 && h >= 0; i--)
		h = db_queue_text(live, tables[i].del, 1, p1);
	for (int i = 0; i < RESTORE_TABLES && h >= 0; i++) {
		const char *p[2] = {tid, src->rows[i] ? src->rows[i] : "[]"};

		h = db_queue_text(live, tables[i].insert, 2, p);
	}
	if (h >= 0) {
		const char *p[2] = {tid, src->keys ? src->keys : "[]"};

		h = db_queue_text(live, sql_keys_merge, 2, p);
	}
	if (h >= 0 && src->config_version > 0) {
		const char *p[4] = {
		    tid, src->settings, comment,
		    arena_printf(a, "%ld", src->config_version)};

		h = db_queue_text(live, sql_config_append, 4, p);
	}
	if (h >= 0)
		h = db_queue_text(live, sql_versions, 1, p1);
	return h;
}

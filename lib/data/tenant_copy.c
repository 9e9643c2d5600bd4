/*
 * tenant_copy.c - one tenant's rows out as JSON and in under a new id.
 */
#include "data/tenant_copy.h"

#include <string.h>

#include "core/arena.h"
#include "data/db.h"

/* The tables carried, parents first (their order in the document is
 * PostgreSQL's: jsonb sorts an object's keys). */
static const char *const tables[TENANT_COPY_TABLES] = {
    "users",           "roles",
    "user_roles",      "api_keys",
    "mfa_totp",        "mfa_recovery_codes",
    "collections",     "collection_versions",
    "records",         "record_index",
    "tenant_counters", "subject_keys",
    "erasure_ledger",  "config_versions",
    "webhooks",        "audit_events",
    "audit_links",
};

/* The export's read of every table: one object of the tables' rows
 * without tenant_id, and the SHA-256 of its jsonb text.  Assembled from
 * the names above (too long for one C literal). */
static const char *
tables_sql(struct arena *a)
{
	const char *s = "";

	for (int i = 0; i < TENANT_COPY_TABLES; i++)
		s = arena_printf(
		    a,
		    "%s%s'%s', (SELECT coalesce(jsonb_agg(to_jsonb(x) "
		    "- 'tenant_id'), '[]') FROM %s x WHERE tenant_id "
		    "= $1)",
		    s, i > 0 ? ", " : "", tables[i], tables[i]);
	return arena_printf(
	    a,
	    "SELECT t::text, encode(sha256(convert_to(t::text, "
	    "'UTF8')), 'hex') FROM (SELECT jsonb_build_object(%s) "
	    "AS t) s",
	    s);
}

static const char sql_tenant[] =
    "SELECT jsonb_build_object('id', id, 'slug', slug, 'name', name, "
    "'plan', plan, 'region', region, 'status', status, 'config_version', "
    "config_version)::text FROM tenants WHERE id = $1";
static const char sql_keys[] =
    "SELECT id, purpose, wrapped::text, created_at::text, "
    "retired_at::text, expires_at::text FROM tenant_keys WHERE tenant_id = "
    "$1 AND wrapped IS NOT NULL ORDER BY created_at, id";
static const char sql_check[] =
    "SELECT encode(sha256(convert_to(coalesce(d->'tables', 'null')::text, "
    "'UTF8')), 'hex'), array_to_string(ARRAY(SELECT k FROM unnest($1::"
    "text[]) k WHERE jsonb_typeof(d->'tables'->k) IS DISTINCT FROM "
    "'array'), ','), coalesce((SELECT max((e->>'seq')::bigint) FROM "
    "jsonb_array_elements(CASE WHEN jsonb_typeof(d->'tables'->'audit_"
    "events') = 'array' THEN d->'tables'->'audit_events' ELSE '[]' END) "
    "e), 0), (SELECT coalesce(sum(jsonb_array_length(v)), 0) FROM "
    "jsonb_each(CASE WHEN jsonb_typeof(d->'tables') = 'object' THEN "
    "d->'tables' ELSE '{}' END) t(k, v) WHERE jsonb_typeof(v) = 'array'), "
    "coalesce((SELECT max((e->>'version')::bigint) FROM "
    "jsonb_array_elements(CASE WHEN jsonb_typeof(d->'tables'->'config_"
    "versions') = 'array' THEN d->'tables'->'config_versions' ELSE '[]' "
    "END) e), 0) FROM (SELECT $2::jsonb AS d) s";
/* The newest carried configuration version ($2) is the document's, not
 * read back from config_versions: Citus modifies no reference table
 * (tenants) from a distributed one's rows. */
static const char sql_config[] =
    "UPDATE tenants SET config_version = $2::bigint WHERE id = $1";
static const char sql_versions[] =
    "INSERT INTO tenant_versions (tenant_id, config_version) VALUES ($1, "
    "$2::bigint) ON CONFLICT (tenant_id) DO UPDATE SET config_version = "
    "EXCLUDED.config_version";
/* Every INSERT ... SELECT of an import reads its rows from the tenant's
 * row of import_documents (sql/024_import_documents.sql says why). */
static const char sql_doc[] =
    "INSERT INTO import_documents (tenant_id, tables) VALUES ($1, "
    "$2::jsonb->'tables')";
static const char sql_doc_plain[] =
    "INSERT INTO import_documents (tenant_id, tables) VALUES ($1, "
    "jsonb_build_object('roles', $2::jsonb->'roles', 'config_versions', "
    "$2::jsonb->'config_versions'))";
static const char sql_doc_rows[] =
    "SELECT import_document_rows($1, $2::text[])";
static const char sql_doc_done[] =
    "DELETE FROM import_documents WHERE tenant_id = $1";
static const char sql_seq[] = "SELECT audit_seq_at_least($1::bigint)";
static const char sql_sealed[] =
    "SELECT 'record', r.id::text, r.collection, f.key, f.value #>> '{}', "
    "NULL FROM records r, jsonb_each(r.data) f WHERE r.tenant_id = $1 AND "
    "jsonb_typeof(f.value) = 'string' AND f.value #>> '{}' LIKE 'enc:v1:%' "
    "UNION ALL SELECT 'mfa', user_id::text, NULL, NULL, secret, NULL FROM "
    "mfa_totp WHERE tenant_id = $1 UNION ALL SELECT 'subject', id::text, "
    "NULL, NULL, wrapped::text, wrapped_by::text FROM subject_keys WHERE "
    "tenant_id = $1 UNION ALL SELECT 'webhook', id::text, NULL, NULL, "
    "secret, NULL FROM webhooks WHERE tenant_id = $1";
static const char sql_reseal_record[] =
    "UPDATE records SET data = jsonb_set(data, ARRAY[$3], to_jsonb($4::"
    "text)) WHERE tenant_id = $1 AND id = $2::uuid";
static const char sql_reseal_mfa[] =
    "UPDATE mfa_totp SET secret = $3 WHERE tenant_id = $1 AND user_id = "
    "$2::uuid";
static const char sql_reseal_webhook[] =
    "UPDATE webhooks SET secret = $3 WHERE tenant_id = $1 AND id = $2::uuid";
static const char sql_reseal_subject[] =
    "UPDATE subject_keys SET wrapped = $3::bytea, wrapped_by = $4::uuid "
    "WHERE tenant_id = $1 AND id = $2::uuid";
static const char sql_key[] =
    "INSERT INTO tenant_keys (tenant_id, id, purpose, wrapped, created_at, "
    "retired_at, expires_at) VALUES ($1, $2::uuid, $3, $4::bytea, "
    "coalesce($5::timestamptz, now()), $6::timestamptz, $7::timestamptz) "
    "ON CONFLICT (tenant_id, id) DO NOTHING";
static const char sql_retire[] =
    "UPDATE tenant_keys SET retired_at = now() WHERE tenant_id = $1 AND "
    "purpose = $2 AND retired_at IS NULL AND wrapped IS NOT NULL AND NOT "
    "(id = ANY ($3::uuid[]))";

static const char sql_plain_roles[] =
    "INSERT INTO roles (tenant_id, name, permissions, builtin) SELECT "
    "s.tenant_id, r->>'name', ARRAY(SELECT jsonb_array_elements_text(r->"
    "'permissions')), coalesce((r->>'builtin')::boolean, false) FROM "
    "import_documents s, jsonb_array_elements(s.tables->'roles') r WHERE "
    "s.tenant_id = $1 ON CONFLICT (tenant_id, name) DO NOTHING";
static const char sql_plain_config[] =
    "INSERT INTO config_versions (tenant_id, version, settings, comment, "
    "created_at, created_by, restored_from) SELECT s.tenant_id, (v->>"
    "'version')::bigint, v->'settings', coalesce(v->>'comment', ''), "
    "coalesce((v->>'created_at')::timestamptz, now()), coalesce(v->>"
    "'created_by', ''), (v->>'restored_from')::bigint FROM "
    "import_documents s, jsonb_array_elements(s.tables->'config_versions') "
    "v WHERE s.tenant_id = $1";
static const char sql_plain_user[] =
    "INSERT INTO users (tenant_id, id, email, email_norm, name, status, "
    "created_at) VALUES ($1, $2::uuid, $3, $4, $5, $6, coalesce($7::"
    "timestamptz, now()))";
static const char sql_plain_user_role[] =
    "INSERT INTO user_roles (tenant_id, user_id, role_name) VALUES ($1, "
    "$2::uuid, $3)";
static const char sql_record_meta[] =
    "UPDATE records SET version = $3::bigint, created_at = $4::timestamptz, "
    "updated_at = $5::timestamptz WHERE tenant_id = $1 AND id = $2::uuid";

/* The tenant's configuration version set to version (text), in
 * tenants and in its version row. */
static int
queue_config_version(struct db *db, const char *tid, const char *version)
{
	const char *p[2] = {tid, version};

	db_queue_text(db, sql_config, 2, p);
	return db_queue_text(db, sql_versions, 2, p);
}

int
tenant_copy_queue_plain(struct db *db, const char *tid, const char *doc,
                        long long config_version, struct arena *a)
{
	const char *p1[1] = {tid};
	const char *p2[2] = {tid, doc};

	db_queue_text(db, sql_doc_plain, 2, p2);
	db_queue_text(db, sql_plain_roles, 1, p1);
	db_queue_text(db, sql_plain_config, 1, p1);
	db_queue_text(db, sql_doc_done, 1, p1);
	return queue_config_version(db, tid,
	                            arena_printf(a, "%lld", config_version));
}

int
tenant_copy_queue_plain_user(struct db *db, const char *tid,
                             const char *const user[6],
                             const char *const *roles, int nroles)
{
	const char *p[7] = {tid,     user[0], user[1], user[2],
	                    user[3], user[4], user[5]};
	int h = db_queue_text(db, sql_plain_user, 7, p);

	for (int i = 0; i < nroles && h >= 0; i++) {
		const char *pr[3] = {tid, user[0], roles[i]};

		h = db_queue_text(db, sql_plain_user_role, 3, pr);
	}
	return h;
}

int
tenant_copy_queue_record_meta(struct db *db, const char *tid, const char *id,
                              const char *version, const char *created_at,
                              const char *updated_at)
{
	const char *p[5] = {tid, id, version, created_at, updated_at};

	return db_queue_text(db, sql_record_meta, 5, p);
}

const char *
tenant_copy_table(int i)
{
	return i >= 0 && i < TENANT_COPY_TABLES ? tables[i] : "";
}

/* {users,roles,...} as a text[] literal. */
static const char *
table_list(struct arena *a)
{
	size_t n = 3;
	char *s, *p;

	for (int i = 0; i < TENANT_COPY_TABLES; i++)
		n += strlen(tables[i]) + 1;
	p = s = arena_alloc(a, n);
	*p++ = '{';
	for (int i = 0; i < TENANT_COPY_TABLES; i++) {
		size_t l = strlen(tables[i]);

		if (i > 0)
			*p++ = ',';
		memcpy(p, tables[i], l);
		p += l;
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

static void
decode_tables(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_copy_source *s = out;

	if (db_rows(r) == 0)
		return;
	s->tables = db_str(r, 0, 0, a);
	s->digest = db_str(r, 0, 1, a);
}

static void
decode_tenant(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_copy_source *s = out;

	s->found = db_rows(r) > 0;
	if (s->found)
		s->tenant = db_str(r, 0, 0, a);
}

static void
decode_keys(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_copy_keys *k = out;
	int n = db_rows(r);

	k->n = n;
	k->rows = arena_calloc(a, n > 0 ? (size_t)n : 1, sizeof(*k->rows));
	for (int i = 0; i < n; i++) {
		struct tenant_copy_key *e = &k->rows[i];

		uuid_parse(db_value(r, i, 0), &e->id);
		e->purpose = db_str(r, i, 1, a);
		e->wrapped = db_str(r, i, 2, a);
		e->created_at = db_str(r, i, 3, a);
		e->retired_at = db_str(r, i, 4, a);
		e->expires_at = db_str(r, i, 5, a);
	}
}

int
tenant_copy_queue_keys(struct db *db, const char *tid,
                       struct tenant_copy_keys *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_text_into(db, sql_keys, 1, p, decode_keys, out);
}

int
tenant_copy_queue_read(struct db *db, const struct uuid *tenant,
                       struct tenant_copy_source *out)
{
	char tid[UUID_STR_LEN + 1];
	const char *p[1];

	memset(out, 0, sizeof(*out));
	uuid_format(tenant, tid);
	p[0] = arena_strdup(db->arena, tid);
	db_begin_snapshot(db, tenant);
	db_queue_text_into(db, sql_tenant, 1, p, decode_tenant, out);
	db_queue_text_into(db, tables_sql(db->arena), 1, p, decode_tables, out);
	tenant_copy_queue_keys(db, p[0], &out->keys);
	return db_commit(db);
}

static void
decode_check(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_copy_check *c = out;

	if (db_rows(r) == 0)
		return;
	c->digest = db_str(r, 0, 0, a);
	c->missing = db_str(r, 0, 1, a);
	c->max_seq = db_int(r, 0, 2);
	c->rows = db_int(r, 0, 3);
	c->config_version = db_int(r, 0, 4);
}

int
tenant_copy_queue_stage(struct db *db, const char *doc,
                        struct tenant_copy_check *out)
{
	const char *p[2] = {table_list(db->arena), doc};

	memset(out, 0, sizeof(*out));
	return db_queue_text_into(db, sql_check, 2, p, decode_check, out);
}

int
tenant_copy_queue_insert(struct db *db, const char *tid, const char *doc,
                         const struct tenant_copy_check *c, struct arena *a)
{
	const char *p1[1] = {tid};
	const char *p2[2] = {tid, doc};
	const char *pr[2] = {tid, table_list(a)};
	const char *ps[1] = {arena_printf(a, "%lld", c->max_seq)};
	int h = db_queue_text(db, sql_doc, 2, p2);

	if (h >= 0)
		h = db_queue_text(db, sql_doc_rows, 2, pr);
	if (h >= 0)
		h = db_queue_text(db, sql_doc_done, 1, p1);
	if (h >= 0)
		h = queue_config_version(
		    db, tid, arena_printf(a, "%lld", c->config_version));
	if (h >= 0)
		h = db_queue_text(db, sql_seq, 1, ps);
	return h;
}

static void
decode_sealed(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_copy_sealed_rows *s = out;
	int n = db_rows(r);

	s->n = n;
	s->rows = arena_calloc(a, n > 0 ? (size_t)n : 1, sizeof(*s->rows));
	for (int i = 0; i < n; i++) {
		struct tenant_copy_sealed *e = &s->rows[i];

		e->kind = db_str(r, i, 0, a);
		e->id = db_str(r, i, 1, a);
		e->collection = db_str(r, i, 2, a);
		e->field = db_str(r, i, 3, a);
		e->value = db_str(r, i, 4, a);
		e->wrapped_by = db_str(r, i, 5, a);
	}
}

int
tenant_copy_queue_sealed(struct db *db, const char *tid,
                         struct tenant_copy_sealed_rows *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_text_into(db, sql_sealed, 1, p, decode_sealed, out);
}

int
tenant_copy_queue_reseal(struct db *db, const char *tid,
                         const struct tenant_copy_sealed *s, const char *value,
                         const char *wrapped_by)
{
	if (strcmp(s->kind, "record") == 0) {
		const char *p[4] = {tid, s->id, s->field, value};

		return db_queue_text(db, sql_reseal_record, 4, p);
	} else if (strcmp(s->kind, "subject") != 0) {
		const char *p[3] = {tid, s->id, value};

		return db_queue_text(db,
		                     strcmp(s->kind, "mfa") == 0
		                         ? sql_reseal_mfa
		                         : sql_reseal_webhook,
		                     3, p);
	} else {
		const char *p[4] = {tid, s->id, value, wrapped_by};

		return db_queue_text(db, sql_reseal_subject, 4, p);
	}
}

int
tenant_copy_queue_key(struct db *db, const char *tid,
                      const struct tenant_copy_key *k)
{
	char id[UUID_STR_LEN + 1];
	const char *p[7] = {
	    tid,           id,           k->purpose, k->wrapped, k->created_at,
	    k->retired_at, k->expires_at};

	uuid_format(&k->id, id);
	p[1] = arena_strdup(db->arena, id);
	return db_queue_text(db, sql_key, 7, p);
}

int
tenant_copy_queue_retire_others(struct db *db, const char *tid,
                                const char *purpose, const char *ids)
{
	const char *p[3] = {tid, purpose, ids};

	return db_queue_text(db, sql_retire, 3, p);
}

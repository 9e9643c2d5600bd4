/*
 * config_versions.c - config_versions and domains.
 */
#include "data/config_versions.h"

#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/directory.h"

#define VERSION_JSON                                                           \
	"json_build_object('version', v.version, 'updated_at', "               \
	"ts(v.created_at), 'updated_by', NULLIF(v.created_by, ''), "           \
	"'comment', v.comment, 'restored_from', v.restored_from)"

/* The compare-and-set on tenants.config_version and the new version. */
#define VERSION_WRITE                                                          \
	"WITH t AS (UPDATE tenants SET config_version = config_version + 1, "  \
	"updated_at = now() WHERE id = $1 AND config_version = $2::bigint "    \
	"RETURNING id, config_version), v AS (INSERT INTO config_versions "    \
	"(tenant_id, version, settings, comment, created_by, restored_from) "  \
	"SELECT t.id, t.config_version, $3::jsonb, $4, $5, $6::bigint FROM t " \
	"RETURNING *) SELECT " VERSION_JSON

static struct db_stmt st_current =
    DB_STMT("config_current",
            "SELECT v.version, v.settings::text, " VERSION_JSON
            " FROM config_versions v JOIN tenants t ON t.id = v.tenant_id AND "
            "t.config_version = v.version WHERE v.tenant_id = $1",
            1);
static struct db_stmt st_get =
    DB_STMT("config_get",
            "SELECT v.version, v.settings::text, " VERSION_JSON
            " FROM config_versions v WHERE v.tenant_id = $1 AND v.version = "
            "$2::bigint",
            2);
static struct db_stmt st_list = DB_STMT(
    "config_list",
    "SELECT v.version, " VERSION_JSON " FROM config_versions v WHERE "
    "v.tenant_id = $1 AND ($2::bigint IS NULL OR v.version < $2::bigint) "
    "ORDER BY v.version DESC LIMIT $3",
    3);
static struct db_stmt st_lock =
    DB_STMT("config_lock", "SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", 1);
/* Config writes notify nobody: the version row of every request carries
 * config_version, and settings are cached by it. */
static struct db_stmt st_write =
    DB_STMT("config_write", VERSION_WRITE " FROM v", 6);
/* Tenant creation: a worker may remember the new slug as unknown. */
static struct db_stmt st_write_first = DB_STMT(
    "config_write_first",
    VERSION_WRITE ", pg_notify('strata_cache', 'tenant:' || v.tenant_id) "
                  "FROM v",
    6);
static struct db_stmt st_domains_taken =
    DB_STMT("config_domains_taken",
            "SELECT name FROM domains WHERE name = ANY ($2::text[]) AND "
            "owner_tenant_id <> $1 ORDER BY name LIMIT 1",
            2);
/* Workers route verified domains from their host cache: dropping one
 * must reach them. */
static struct db_stmt st_domains_drop = DB_STMT(
    "config_domains_drop",
    "WITH d AS (DELETE FROM domains WHERE owner_tenant_id = $1 AND name <> "
    "ALL ($2::text[]) RETURNING verified_at) SELECT pg_notify('strata_cache', "
    "'tenant:' || $1::text) WHERE EXISTS (SELECT 1 FROM d WHERE verified_at "
    "IS NOT NULL)",
    2);
/* A name another tenant holds fails with 23505, so nothing commits. */
static struct db_stmt st_domains_add =
    DB_STMT("config_domains_add",
            "INSERT INTO domains (name, owner_tenant_id) SELECT n, $1 FROM "
            "unnest($2::text[]) AS n WHERE NOT EXISTS (SELECT 1 FROM domains d "
            "WHERE d.name = n AND d.owner_tenant_id = $1)",
            2);
static struct db_stmt st_domain_status = DB_STMT(
    "config_domain_status",
    "SELECT name, verified_at IS NOT NULL, ts(verified_at) FROM domains "
    "WHERE owner_tenant_id = $1 ORDER BY name",
    1);
/* least(), not coalesce(): Citus refuses now() inside a coalesce() of an
 * UPDATE; a verification time is never in the future. */
static struct db_stmt st_verify = DB_STMT(
    "config_verify_domain",
    "WITH d AS (UPDATE domains SET verified_at = least(verified_at, now()) "
    "WHERE name = $2 AND owner_tenant_id = $1 RETURNING name) "
    "SELECT name, pg_notify('strata_cache', 'tenant:' || $1::text) FROM d",
    2);

static struct db_stmt st_verified = DB_STMT(
    "config_verified_domains",
    "SELECT d.name FROM domains d JOIN tenants t ON t.id = d.owner_tenant_id "
    "WHERE d.verified_at IS NOT NULL AND t.status <> 'deleted' "
    "ORDER BY d.name",
    0);

/* Rows of (version, settings, meta). */
static void
decode_one(const PGresult *r, void *out, struct arena *a)
{
	struct config_version_one *o = out;

	if (db_rows(r) != 1)
		return;
	o->found = true;
	o->v.version = db_int(r, 0, 0);
	o->v.settings = db_str(r, 0, 1, a);
	o->v.meta = db_str(r, 0, 2, a);
}

/* Rows of (version, meta). */
static void
decode_page(const PGresult *r, void *out, struct arena *a)
{
	struct config_version_page *p = out;

	p->n = db_rows(r);
	p->rows = arena_calloc(a, (size_t)p->n + 1, sizeof(*p->rows));
	for (int i = 0; i < p->n; i++) {
		p->rows[i].version = db_int(r, i, 0);
		p->rows[i].meta = db_str(r, i, 1, a);
	}
}

static void
decode_written(const PGresult *r, void *out, struct arena *a)
{
	struct config_written *w = out;

	if (db_rows(r) != 1)
		return;
	w->written = true;
	w->meta = db_str(r, 0, 0, a);
}

static void
decode_taken(const PGresult *r, void *out, struct arena *a)
{
	struct config_domain_taken *t = out;

	if (db_rows(r) > 0)
		t->name = db_str(r, 0, 0, a);
}

static void
decode_domains(const PGresult *r, void *out, struct arena *a)
{
	struct config_domains *d = out;

	d->n = db_rows(r);
	d->rows = arena_calloc(a, (size_t)d->n + 1, sizeof(*d->rows));
	for (int i = 0; i < d->n; i++) {
		d->rows[i].name = db_str(r, i, 0, a);
		d->rows[i].verified = db_bool(r, i, 1);
		d->rows[i].verified_at = db_str(r, i, 2, a);
	}
}

int
config_current(struct db *db, const char *tid, struct config_version_one *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_current, p, decode_one, out);
}

int
config_get(struct db *db, const char *tid, const char *version,
           struct config_version_one *out)
{
	const char *p[2] = {tid, version};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_one, out);
}

int
config_list(struct db *db, const char *tid, const char *before,
            const char *limit, struct config_version_page *out)
{
	const char *p[3] = {tid, before, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, p, decode_page, out);
}

int
config_lock(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_lock, p);
}

int
config_write(struct db *db, const char *tid, const char *expected,
             const char *settings, const char *comment, const char *by,
             const char *restored_from, struct config_written *out)
{
	const char *p[6] = {tid,     expected, settings,
	                    comment, by,       restored_from};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_write, p, decode_written, out);
}

int
config_domains_sync(struct db *db, const char *tid, const char *names,
                    struct config_domain_taken *taken)
{
	const char *p[2] = {tid, names};
	int h;

	memset(taken, 0, sizeof(*taken));
	if (db_queue_into(db, &st_domains_taken, p, decode_taken, taken) < 0 ||
	    db_queue(db, &st_domains_drop, p) < 0)
		return -1;
	h = db_queue(db, &st_domains_add, p);
	/* The directory lists verified domains (docs/regions.md). */
	if (h >= 0 && directory_queue_sync(db, tid) < 0)
		return -1;
	return h;
}

int
config_domain_status(struct db *db, const char *tid, struct config_domains *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_domain_status, p, decode_domains, out);
}

int
config_queue_write(struct db *db, const char *tid, const char *expected,
                   const char *settings, const char *comment, const char *by,
                   const char *restored_from)
{
	const char *p[6] = {tid,     expected, settings,
	                    comment, by,       restored_from};

	return db_queue(
	    db, strcmp(expected, "0") == 0 ? &st_write_first : &st_write, p);
}

int
config_queue_verified_domains(struct db *db)
{
	return db_queue(db, &st_verified, NULL);
}

int
config_queue_verify_domain(struct db *db, const char *tid, const char *name)
{
	const char *p[2] = {tid, name};
	int h = db_queue(db, &st_verify, p);

	if (h >= 0 && directory_queue_sync(db, tid) < 0)
		return -1;
	return h;
}

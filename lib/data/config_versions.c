/*
 * config_versions.c - config_versions and domains.
 */
#include "data/config_versions.h"

#include "data/db.h"

#define VERSION_JSON                                                           \
	"json_build_object('version', v.version, 'updated_at', "               \
	"ts(v.created_at), 'updated_by', NULLIF(v.created_by, ''), "           \
	"'comment', v.comment, 'restored_from', v.restored_from)"

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
static struct db_stmt st_write = DB_STMT(
    "config_write",
    "WITH t AS (UPDATE tenants SET config_version = config_version + 1, "
    "updated_at = now() WHERE id = $1 AND config_version = $2::bigint "
    "RETURNING id, config_version), v AS (INSERT INTO config_versions "
    "(tenant_id, version, settings, comment, created_by, restored_from) "
    "SELECT t.id, t.config_version, $3::jsonb, $4, $5, $6::bigint FROM t "
    "RETURNING *) SELECT " VERSION_JSON ", pg_notify('strata_cache', "
    "'tenant:' || v.tenant_id) FROM v",
    6);
static struct db_stmt st_domains_drop =
    DB_STMT("config_domains_drop",
            "DELETE FROM domains WHERE owner_tenant_id = $1 AND name <> ALL "
            "($2::text[])",
            2);
static struct db_stmt st_domains_add =
    DB_STMT("config_domains_add",
            "INSERT INTO domains (name, owner_tenant_id) SELECT n, $1 FROM "
            "unnest($2::text[]) AS n ON CONFLICT (name) DO NOTHING",
            2);
static struct db_stmt st_domains_taken =
    DB_STMT("config_domains_taken",
            "SELECT name FROM domains WHERE name = ANY ($2::text[]) AND "
            "owner_tenant_id <> $1",
            2);
static struct db_stmt st_domain_status = DB_STMT(
    "config_domain_status",
    "SELECT name, verified_at IS NOT NULL, ts(verified_at) FROM domains "
    "WHERE owner_tenant_id = $1 ORDER BY name",
    1);
static struct db_stmt st_verify = DB_STMT(
    "config_verify_domain",
    "WITH d AS (UPDATE domains SET verified_at = coalesce(verified_at, "
    "now()) WHERE name = $2 AND owner_tenant_id = $1 RETURNING name) "
    "SELECT name, pg_notify('strata_cache', 'tenant:' || $1::text) FROM d",
    2);

int
config_queue_current(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_current, p);
}

int
config_queue_get(struct db *db, const char *tid, const char *version)
{
	const char *p[2] = {tid, version};

	return db_queue(db, &st_get, p);
}

int
config_queue_list(struct db *db, const char *tid, const char *before,
                  const char *limit)
{
	const char *p[3] = {tid, before, limit};

	return db_queue(db, &st_list, p);
}

int
config_queue_write(struct db *db, const char *tid, const char *expected,
                   const char *settings, const char *comment, const char *by,
                   const char *restored_from)
{
	const char *p[6] = {tid,     expected, settings,
	                    comment, by,       restored_from};

	return db_queue(db, &st_write, p);
}

int
config_queue_domains(struct db *db, const char *tid, const char *names)
{
	const char *p[2] = {tid, names};

	db_queue(db, &st_domains_drop, p);
	db_queue(db, &st_domains_add, p);
	return db_queue(db, &st_domains_taken, p);
}

int
config_queue_domain_status(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_domain_status, p);
}

int
config_queue_verify_domain(struct db *db, const char *tid, const char *name)
{
	const char *p[2] = {tid, name};

	return db_queue(db, &st_verify, p);
}

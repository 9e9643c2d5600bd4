/*
 * versions.c - the version row and its bumps.
 */
#include "data/versions.h"

#include <stdio.h>
#include <string.h>

#include "data/db.h"

/* The distributed side names tenant_id = $1 itself: a single-shard
 * router query under Citus. */
static struct db_stmt st_get = DB_STMT(
    "versions_get",
    "SELECT t.status, t.config_version, coalesce(v.auth_epoch, 0), "
    "coalesce(v.schema_version, 0), coalesce(v.keyring_version, 0), "
    "coalesce((SELECT p.version FROM plans p WHERE p.name = t.plan), 0) "
    "FROM tenants t LEFT JOIN tenant_versions v ON v.tenant_id = $1 WHERE "
    "t.id = $1",
    1);

#define BUMP(col)                                                              \
	"INSERT INTO tenant_versions (tenant_id, " col ") VALUES ($1, 2) ON "  \
	"CONFLICT (tenant_id) DO UPDATE SET " col " = tenant_versions." col    \
	" + 1"

static struct db_stmt st_bump_auth =
    DB_STMT("versions_bump_auth", BUMP("auth_epoch"), 1);
static struct db_stmt st_bump_schema =
    DB_STMT("versions_bump_schema", BUMP("schema_version"), 1);
static struct db_stmt st_bump_keyring =
    DB_STMT("versions_bump_keyring", BUMP("keyring_version"), 1);

static void
decode(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_versions *v = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	v->found = true;
	snprintf(v->status, sizeof(v->status), "%s", db_value(r, 0, 0));
	v->config_version = db_int(r, 0, 1);
	v->auth_epoch = db_int(r, 0, 2);
	v->schema_version = db_int(r, 0, 3);
	v->keyring_version = db_int(r, 0, 4);
	v->plan_version = db_int(r, 0, 5);
}

int
versions_queue_get(struct db *db, const char *tid, struct tenant_versions *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode, out);
}

int
versions_queue_bump_auth(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_bump_auth, p);
}

int
versions_queue_bump_schema(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_bump_schema, p);
}

int
versions_queue_bump_keyring(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_bump_keyring, p);
}

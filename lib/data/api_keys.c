/*
 * api_keys.c - api_keys table.
 */
#include "data/api_keys.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/hex.h"
#include "data/db.h"
#include "data/versions.h"

#define KEY_JSON                                                               \
	"json_build_object('id', k.id, 'name', k.name, 'permissions', "        \
	"array_to_json(k.permissions), 'created_by', k.created_by, "           \
	"'created_at', ts(k.created_at), 'expires_at', ts(k.expires_at), "     \
	"'last_used_at', ts(k.last_used_at), 'revoked_at', "                   \
	"ts(k.revoked_at), 'prefix', 'stk_' || replace(k.id::text, '-', "      \
	"''))"

static struct db_stmt st_principal_row = DB_STMT(
    "apikey_principal_row",
    "SELECT encode(k.secret_hash, 'hex'), k.permissions, k.revoked_at IS "
    "NULL, coalesce(extract(epoch FROM k.expires_at)::bigint, 0), k.name, "
    "coalesce((SELECT v.auth_epoch FROM tenant_versions v WHERE v.tenant_id "
    "= $1), 0) FROM api_keys k WHERE k.tenant_id = $1 AND k.id = $2",
    2);
/* Guarded by the secret's hash in SQL: only a key whose secret was
 * presented is touched, whatever the worker has or has not checked. */
static struct db_stmt st_touch_verified = DB_STMT(
    "apikey_touch_verified",
    "UPDATE api_keys SET last_used_at = now() WHERE tenant_id = $1 AND id "
    "= $2 AND secret_hash = decode($3, 'hex') AND (last_used_at IS NULL OR "
    "last_used_at < now() - interval '1 minute')",
    3);
static struct db_stmt st_list =
    DB_STMT("apikey_list",
            "SELECT k.id, " KEY_JSON " FROM api_keys k WHERE k.tenant_id = $1 "
            "ORDER BY k.created_at, k.id",
            1);
static struct db_stmt st_insert = DB_STMT(
    "apikey_insert",
    "WITH k AS (INSERT INTO api_keys (tenant_id, id, name, secret_hash, "
    "permissions, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, "
    "$7) RETURNING *) SELECT " KEY_JSON " FROM k",
    7);
static struct db_stmt st_lock_live =
    DB_STMT("apikey_lock_live",
            "SELECT 1 FROM api_keys WHERE tenant_id = $1 AND id = $2 AND "
            "revoked_at IS NULL FOR UPDATE",
            2);
static struct db_stmt st_revoke = DB_STMT(
    "apikey_revoke",
    "UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = "
    "$2 AND revoked_at IS NULL RETURNING id",
    2);

static void
decode_principal(const PGresult *r, void *out, struct arena *a)
{
	struct api_key_principal_row *k = out;
	const char *hex;

	if (db_rows(r) != 1)
		return;
	hex = db_value(r, 0, 0);
	k->found = true;
	k->hash_ok =
	    hex_decode(hex, k->secret_hash, sizeof(k->secret_hash)) == 0;
	k->permissions = db_str(r, 0, 1, a);
	k->not_revoked = db_bool(r, 0, 2);
	k->expires_at = db_int(r, 0, 3);
	k->name = db_str(r, 0, 4, a);
	k->auth_epoch = db_int(r, 0, 5);
}

int
api_keys_queue_principal_row(struct db *db, const char *tid, const char *id,
                             struct api_key_principal_row *out)
{
	const char *p[2] = {tid, id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_principal_row, p, decode_principal, out);
}

int
api_keys_queue_touch(struct db *db, const char *tid, const char *id,
                     const char *secret_hash_hex)
{
	const char *p[3] = {tid, id, secret_hash_hex};

	return db_queue(db, &st_touch_verified, p);
}

static void
decode_list(const PGresult *r, void *out, struct arena *a)
{
	struct api_key_list *l = out;

	l->n = db_rows(r);
	l->ids = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->ids));
	l->json = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->json));
	for (int i = 0; i < l->n; i++) {
		l->ids[i] = db_str(r, i, 0, a);
		l->json[i] = db_str(r, i, 1, a);
	}
}

int
api_keys_list_all(struct db *db, const char *tid, struct api_key_list *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, p, decode_list, out);
}

static void
decode_row(const PGresult *r, void *out, struct arena *a)
{
	struct api_key_row *k = out;

	if (db_rows(r) != 1)
		return;
	k->found = true;
	k->json = db_str(r, 0, 0, a);
}

int
api_keys_insert(struct db *db, const char *tid, const char *id,
                const char *name, const char *hash, const char *perms,
                const char *created_by, const char *expires_at,
                struct api_key_row *out)
{
	const char *p[7] = {tid, id, name, hash, perms, created_by, expires_at};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_insert, p, decode_row, out);
}

static void
decode_live(const PGresult *r, void *out, struct arena *a)
{
	(void)a;
	*(bool *)out = db_rows(r) == 1;
}

int
api_keys_lock_live(struct db *db, const char *tid, const char *id, bool *live)
{
	const char *p[2] = {tid, id};

	*live = false;
	return db_queue_into(db, &st_lock_live, p, decode_live, live);
}

int
api_keys_queue_revoke(struct db *db, const char *tid, const char *id)
{
	const char *p[2] = {tid, id};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_revoke, p);
}

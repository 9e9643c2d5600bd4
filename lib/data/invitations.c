/*
 * invitations.c - invitations.
 */
#include "data/invitations.h"

#include <string.h>

#include "core/arena.h"
#include "data/db.h"

#define INVITATION_JSON                                                        \
	"json_build_object('id', i.id, 'email', i.email, 'roles', i.roles, "   \
	"'status', CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted' WHEN "  \
	"i.revoked_at IS NOT NULL THEN 'revoked' WHEN i.expires_at <= now() "  \
	"THEN 'expired' ELSE 'pending' END, 'invited_by', i.invited_by, "      \
	"'user_id', i.user_id, 'expires_at', ts(i.expires_at), "               \
	"'accepted_at', ts(i.accepted_at), 'created_at', ts(i.created_at))"

static struct db_stmt st_email = DB_STMT(
    "invitation_email_state",
    "SELECT EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = $1 AND "
    "u.email_norm = $2), EXISTS (SELECT 1 FROM invitations i WHERE "
    "i.tenant_id = $1 AND i.email_norm = $2 AND i.accepted_at IS NULL AND "
    "i.revoked_at IS NULL AND i.expires_at > now())",
    2);
/* The answer is built after the write, not in its RETURNING (Citus takes
 * only IMMUTABLE functions there). */
static struct db_stmt st_insert = DB_STMT(
    "invitation_insert",
    "WITH i AS (INSERT INTO invitations (tenant_id, id, email, email_norm, "
    "roles, token_hash, expires_at, invited_by) VALUES ($1, $2, $3, $4, $5, "
    "$6, now() + $7 * interval '1 second', $8) RETURNING *) "
    "SELECT " INVITATION_JSON " FROM i",
    8);
static struct db_stmt st_list = DB_STMT(
    "invitation_list",
    "SELECT i.id, " INVITATION_JSON " FROM invitations i WHERE i.tenant_id "
    "= $1 AND ($2::uuid IS NULL OR i.id > $2::uuid) ORDER BY i.id LIMIT $3",
    3);
static struct db_stmt st_get = DB_STMT(
    "invitation_get_locked",
    "SELECT " INVITATION_JSON ", i.accepted_at IS NULL AND i.revoked_at IS "
    "NULL AND i.expires_at > now() FROM invitations i WHERE i.tenant_id = "
    "$1 AND i.id = $2 FOR UPDATE",
    2);
static struct db_stmt st_revoke = DB_STMT(
    "invitation_revoke",
    "UPDATE invitations SET revoked_at = now() WHERE tenant_id = $1 AND id "
    "= $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    2);
static struct db_stmt st_claim = DB_STMT(
    "invitation_claim",
    "SELECT i.id, i.email, i.email_norm, i.roles::text, i.accepted_at IS "
    "NOT NULL OR i.revoked_at IS NOT NULL, i.expires_at <= now() FROM "
    "invitations i WHERE i.tenant_id = $1 AND i.token_hash = $2 FOR UPDATE",
    2);
static struct db_stmt st_accept = DB_STMT(
    "invitation_accept",
    "UPDATE invitations SET accepted_at = now(), user_id = $3 WHERE "
    "tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS "
    "NULL",
    3);

static void
decode_email(const PGresult *r, void *out, struct arena *a)
{
	struct invitation_email *e = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	e->user_exists = db_bool(r, 0, 0);
	e->pending = db_bool(r, 0, 1);
}

int
invitations_email_state(struct db *db, const char *tid, const char *email_norm,
                        struct invitation_email *out)
{
	const char *p[2] = {tid, email_norm};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_email, p, decode_email, out);
}

static void
decode_one(const PGresult *r, void *out, struct arena *a)
{
	struct invitation *i = out;

	if (db_rows(r) != 1)
		return;
	i->found = true;
	i->json = db_str(r, 0, 0, a);
	i->pending = PQnfields(r) > 1 && db_bool(r, 0, 1);
}

int
invitations_get_locked(struct db *db, const char *tid, const char *id,
                       struct invitation *out)
{
	const char *p[2] = {tid, id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_one, out);
}

int
invitations_queue_insert(struct db *db, const char *tid, const char *id,
                         const char *email, const char *email_norm,
                         const char *roles, const char *hash, const char *ttl_s,
                         const char *inviter, struct invitation *out)
{
	const char *p[8] = {tid,   id,   email, email_norm,
	                    roles, hash, ttl_s, inviter};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_insert, p, decode_one, out);
}

static void
decode_page(const PGresult *r, void *out, struct arena *a)
{
	struct invitation_page *pg = out;

	pg->n = db_rows(r);
	pg->ids = arena_calloc(a, (size_t)pg->n + 1, sizeof(*pg->ids));
	pg->json = arena_calloc(a, (size_t)pg->n + 1, sizeof(*pg->json));
	for (int i = 0; i < pg->n; i++) {
		pg->ids[i] = db_str(r, i, 0, a);
		pg->json[i] = db_str(r, i, 1, a);
	}
}

int
invitations_list_page(struct db *db, const char *tid, const char *after,
                      const char *limit, struct invitation_page *out)
{
	const char *p[3] = {tid, after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, p, decode_page, out);
}

int
invitations_queue_revoke(struct db *db, const char *tid, const char *id)
{
	const char *p[2] = {tid, id};

	return db_queue(db, &st_revoke, p);
}

static void
decode_claim(const PGresult *r, void *out, struct arena *a)
{
	struct invitation_claim *c = out;

	if (db_rows(r) != 1)
		return;
	c->found = true;
	c->id = db_str(r, 0, 0, a);
	c->email = db_str(r, 0, 1, a);
	c->email_norm = db_str(r, 0, 2, a);
	c->roles = db_str(r, 0, 3, a);
	c->spent = db_bool(r, 0, 4);
	c->expired = db_bool(r, 0, 5);
}

int
invitations_claim(struct db *db, const char *tid, const char *hash,
                  struct invitation_claim *out)
{
	const char *p[2] = {tid, hash};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_claim, p, decode_claim, out);
}

int
invitations_queue_accept(struct db *db, const char *tid, const char *id,
                         const char *uid)
{
	const char *p[3] = {tid, id, uid};

	return db_queue(db, &st_accept, p);
}

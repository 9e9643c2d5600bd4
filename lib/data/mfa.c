/*
 * mfa.c - mfa_totp, mfa_recovery_codes and mfa_challenges.
 */
#include "data/mfa.h"

#include <string.h>

#include "data/db.h"

/* Every subquery names tenant_id = $1, and mfa_totp is read through
 * subqueries, not a LEFT JOIN: Citus routes a statement to one shard only
 * when each table names the tenant, and on PostgreSQL 15 it refuses an
 * outer join of tables under RLS ("outer joins and pseudoconstant quals",
 * the constant tenant meeting the policy's current_setting()). */
#define IS_ADMIN                                                               \
	"EXISTS (SELECT 1 FROM user_roles ur WHERE ur.tenant_id = $1 "         \
	"AND ur.user_id = u.id AND ur.role_name IN ('owner', 'admin'))"

/* mfa_totp's columns of the user u, one subquery each (NULL without one). */
static struct db_stmt st_login = DB_STMT(
    "mfa_login",
    "SELECT coalesce((SELECT t.confirmed_at IS NOT NULL FROM mfa_totp t "
    "WHERE t.tenant_id = $1 AND t.user_id = u.id), false), " IS_ADMIN
    " FROM users u WHERE u.tenant_id = $1 AND u.email_norm = $2",
    2);
static struct db_stmt st_get = DB_STMT(
    "mfa_totp_get",
    "SELECT EXISTS (SELECT 1 FROM mfa_totp t WHERE t.tenant_id = $1 AND "
    "t.user_id = u.id), coalesce((SELECT t.confirmed_at IS NOT NULL FROM "
    "mfa_totp t WHERE t.tenant_id = $1 AND t.user_id = u.id), false), "
    "(SELECT t.secret FROM mfa_totp t WHERE t.tenant_id = $1 AND t.user_id "
    "= u.id), coalesce((SELECT t.last_step FROM mfa_totp t WHERE "
    "t.tenant_id = $1 AND t.user_id = u.id), 0), " IS_ADMIN ", "
    "u.email_norm, (SELECT count(*) FROM mfa_recovery_codes c WHERE "
    "c.tenant_id = $1 AND c.user_id = u.id AND c.used_at IS NULL) FROM "
    "users u WHERE u.tenant_id = $1 AND u.id = $2",
    2);
static struct db_stmt st_begin = DB_STMT(
    "mfa_totp_begin",
    "INSERT INTO mfa_totp AS t (tenant_id, user_id, secret) VALUES ($1, $2, "
    "$3) ON CONFLICT (tenant_id, user_id) DO UPDATE SET secret = "
    "excluded.secret, last_step = 0, created_at = excluded.created_at WHERE "
    "t.confirmed_at IS NULL RETURNING 1",
    3);
static struct db_stmt st_confirm =
    DB_STMT("mfa_totp_confirm",
            "UPDATE mfa_totp SET confirmed_at = now(), last_step = $3 WHERE "
            "tenant_id = $1 AND user_id = $2 AND confirmed_at IS NULL AND "
            "last_step < $3 RETURNING 1",
            3);
static struct db_stmt st_use_step = DB_STMT(
    "mfa_totp_use_step",
    "UPDATE mfa_totp SET last_step = $3 WHERE tenant_id = $1 AND user_id = "
    "$2 AND confirmed_at IS NOT NULL AND last_step < $3 RETURNING 1",
    3);
static struct db_stmt st_recovery_clear = DB_STMT(
    "mfa_recovery_clear",
    "DELETE FROM mfa_recovery_codes WHERE tenant_id = $1 AND user_id = $2", 2);
/* Through the user's row: Citus then runs the INSERT ... SELECT on the
 * tenant's shard (from unnest() alone it would COPY through the
 * coordinator, which forced RLS refuses).  The user exists (the foreign
 * key asks the same). */
static struct db_stmt st_recovery_add = DB_STMT(
    "mfa_recovery_add",
    "INSERT INTO mfa_recovery_codes (tenant_id, user_id, code_hash) SELECT "
    "u.tenant_id, u.id, h FROM users u, unnest($3::text[]) h WHERE "
    "u.tenant_id = $1 AND u.id = $2",
    3);
static struct db_stmt st_recovery_spend = DB_STMT(
    "mfa_recovery_spend",
    "UPDATE mfa_recovery_codes c SET used_at = now() WHERE c.tenant_id = $1 "
    "AND c.user_id = $2 AND c.code_hash = $3 AND c.used_at IS NULL AND "
    "EXISTS (SELECT 1 FROM mfa_totp t WHERE t.tenant_id = $1 AND t.user_id "
    "= $2 AND t.confirmed_at IS NOT NULL) RETURNING 1",
    3);
static struct db_stmt st_remove = DB_STMT(
    "mfa_remove",
    "WITH c AS (DELETE FROM mfa_challenges WHERE tenant_id = $1 AND "
    "user_id = $2), r AS (DELETE FROM mfa_recovery_codes WHERE tenant_id = "
    "$1 AND user_id = $2) DELETE FROM mfa_totp WHERE tenant_id = $1 AND "
    "user_id = $2 RETURNING 1",
    2);
static struct db_stmt st_challenge_purge = DB_STMT(
    "mfa_challenge_purge",
    "DELETE FROM mfa_challenges WHERE tenant_id = $1 AND user_id = $2 AND "
    "(used_at IS NOT NULL OR expires_at < now())",
    2);
static struct db_stmt st_challenge_insert =
    DB_STMT("mfa_challenge_insert",
            "INSERT INTO mfa_challenges (tenant_id, challenge_hash, user_id, "
            "email_norm, expires_at) VALUES ($1, $2, $3, $4, now() + $5 * "
            "interval '1 second')",
            5);
static struct db_stmt st_challenge_email =
    DB_STMT("mfa_challenge_email",
            "SELECT email_norm FROM mfa_challenges WHERE tenant_id = $1 AND "
            "challenge_hash = $2",
            2);
static struct db_stmt st_challenge_get = DB_STMT(
    "mfa_challenge_get",
    "SELECT c.expires_at <= now(), c.used_at IS NOT NULL, c.attempts, "
    "c.user_id, c.email_norm, u.status = 'active', coalesce((SELECT "
    "t.confirmed_at IS NOT NULL FROM mfa_totp t WHERE t.tenant_id = $1 AND "
    "t.user_id = c.user_id), false), (SELECT t.secret FROM mfa_totp t WHERE "
    "t.tenant_id = $1 AND t.user_id = c.user_id), coalesce((SELECT "
    "t.last_step FROM mfa_totp t WHERE t.tenant_id = $1 AND t.user_id = "
    "c.user_id), 0) FROM mfa_challenges c JOIN users u ON u.tenant_id = $1 "
    "AND u.id = c.user_id WHERE c.tenant_id = $1 AND c.challenge_hash = $2 "
    "FOR UPDATE OF c",
    2);
/* Spent at the last try.  now() stays outside the CASE (Citus takes only
 * IMMUTABLE functions in a CASE of a write): least() ignores the NULL of
 * the other tries, and a challenge that fails is unspent (read FOR
 * UPDATE, used_at NULL), so it is now() at the last, as before. */
static struct db_stmt st_challenge_fail = DB_STMT(
    "mfa_challenge_fail",
    "UPDATE mfa_challenges SET attempts = attempts + 1, used_at = "
    "least(used_at, now() + CASE WHEN attempts + 1 >= $3 THEN interval '0 "
    "s' END) WHERE tenant_id = $1 AND challenge_hash = $2",
    3);
static struct db_stmt st_challenge_spend = DB_STMT(
    "mfa_challenge_spend",
    "UPDATE mfa_challenges SET used_at = now() WHERE tenant_id = $1 AND "
    "challenge_hash = $2",
    2);

static void
decode_login(const PGresult *r, void *out, struct arena *a)
{
	struct mfa_login *m = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	m->found = true;
	m->enabled = db_bool(r, 0, 0);
	m->is_admin = db_bool(r, 0, 1);
}

int
mfa_login_state(struct db *db, const char *tid, const char *email_norm,
                struct mfa_login *out)
{
	const char *p[2] = {tid, email_norm};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_login, p, decode_login, out);
}

static void
decode_totp(const PGresult *r, void *out, struct arena *a)
{
	struct mfa_totp *t = out;

	if (db_rows(r) != 1)
		return;
	t->user_found = true;
	t->found = db_bool(r, 0, 0);
	t->confirmed = db_bool(r, 0, 1);
	t->secret = db_str(r, 0, 2, a);
	t->last_step = db_int(r, 0, 3);
	t->is_admin = db_bool(r, 0, 4);
	t->email_norm = db_str(r, 0, 5, a);
	t->recovery_left = db_int(r, 0, 6);
}

int
mfa_totp_get(struct db *db, const char *tid, const char *uid,
             struct mfa_totp *out)
{
	const char *p[2] = {tid, uid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_totp, out);
}

/* One guarded write whose returned row says whether it took. */
static int
guarded(struct db *db, struct db_stmt *st, const char *const *p,
        struct db_text *out)
{
	memset(out, 0, sizeof(*out));
	return db_queue_into(db, st, p, db_decode_text, out);
}

int
mfa_totp_begin(struct db *db, const char *tid, const char *uid,
               const char *secret, struct db_text *out)
{
	const char *p[3] = {tid, uid, secret};

	return guarded(db, &st_begin, p, out);
}

int
mfa_totp_confirm(struct db *db, const char *tid, const char *uid,
                 const char *step, struct db_text *out)
{
	const char *p[3] = {tid, uid, step};

	return guarded(db, &st_confirm, p, out);
}

int
mfa_totp_use_step(struct db *db, const char *tid, const char *uid,
                  const char *step, struct db_text *out)
{
	const char *p[3] = {tid, uid, step};

	return guarded(db, &st_use_step, p, out);
}

int
mfa_recovery_replace(struct db *db, const char *tid, const char *uid,
                     const char *hashes)
{
	const char *p2[2] = {tid, uid};
	const char *p3[3] = {tid, uid, hashes};

	db_queue(db, &st_recovery_clear, p2);
	return db_queue(db, &st_recovery_add, p3);
}

int
mfa_recovery_spend(struct db *db, const char *tid, const char *uid,
                   const char *hash, struct db_text *out)
{
	const char *p[3] = {tid, uid, hash};

	return guarded(db, &st_recovery_spend, p, out);
}

int
mfa_remove(struct db *db, const char *tid, const char *uid, struct db_text *out)
{
	const char *p[2] = {tid, uid};

	return guarded(db, &st_remove, p, out);
}

int
mfa_challenge_insert(struct db *db, const char *tid, const char *hash,
                     const char *uid, const char *email_norm, const char *ttl)
{
	const char *p2[2] = {tid, uid};
	const char *p5[5] = {tid, hash, uid, email_norm, ttl};

	db_queue(db, &st_challenge_purge, p2);
	return db_queue(db, &st_challenge_insert, p5);
}

int
mfa_challenge_email(struct db *db, const char *tid, const char *hash,
                    struct db_text *out)
{
	const char *p[2] = {tid, hash};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_challenge_email, p, db_decode_text, out);
}

static void
decode_challenge(const PGresult *r, void *out, struct arena *a)
{
	struct mfa_challenge *c = out;

	if (db_rows(r) != 1)
		return;
	c->found = true;
	c->expired = db_bool(r, 0, 0);
	c->used = db_bool(r, 0, 1);
	c->attempts = (int)db_int(r, 0, 2);
	c->uid = db_str(r, 0, 3, a);
	c->email_norm = db_str(r, 0, 4, a);
	c->user_active = db_bool(r, 0, 5);
	c->enabled = db_bool(r, 0, 6);
	c->secret = db_str(r, 0, 7, a);
	c->last_step = db_int(r, 0, 8);
}

int
mfa_challenge_get(struct db *db, const char *tid, const char *hash,
                  struct mfa_challenge *out)
{
	const char *p[2] = {tid, hash};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_challenge_get, p, decode_challenge, out);
}

int
mfa_challenge_fail(struct db *db, const char *tid, const char *hash,
                   const char *max)
{
	const char *p[3] = {tid, hash, max};

	return db_queue(db, &st_challenge_fail, p);
}

int
mfa_challenge_spend(struct db *db, const char *tid, const char *hash)
{
	const char *p[2] = {tid, hash};

	return db_queue(db, &st_challenge_spend, p);
}

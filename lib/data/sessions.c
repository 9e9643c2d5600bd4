/*
 * sessions.c - refresh_tokens and login_failures.
 */
#include "data/sessions.h"

#include <string.h>

#include "data/db.h"
#include "data/versions.h"

static struct db_stmt st_insert =
    DB_STMT("session_insert",
            "INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, "
            "token_hash, expires_at) VALUES ($1, $2, $3, $4, $5, now() + $6 * "
            "interval '1 second')",
            6);
static struct db_stmt st_lookup =
    DB_STMT("session_lookup",
            "SELECT rt.family_id, rt.user_id, rt.spent_at IS NOT NULL, "
            "rt.revoked_at IS NOT NULL, rt.expires_at <= now(), u.status = "
            "'active' FROM refresh_tokens rt JOIN users u ON u.tenant_id = "
            "rt.tenant_id AND u.id = rt.user_id WHERE rt.tenant_id = $1 AND "
            "rt.token_hash = $2",
            2);
static struct db_stmt st_login_user = DB_STMT(
    "session_login_user",
    "SELECT id, password_hash, status FROM users WHERE tenant_id = $1 AND "
    "email_norm = $2",
    2);
static struct db_stmt st_spend = DB_STMT(
    "session_spend",
    "UPDATE refresh_tokens SET spent_at = now() WHERE tenant_id = $1 AND "
    "token_hash = $2 AND spent_at IS NULL AND revoked_at IS NULL AND "
    "expires_at > now() RETURNING family_id, user_id",
    2);
static struct db_stmt st_revoke_family =
    DB_STMT("session_revoke_family",
            "UPDATE refresh_tokens SET revoked_at = least(revoked_at, now()) "
            "WHERE tenant_id = $1 AND family_id = $2",
            2);
static struct db_stmt st_revoke_user =
    DB_STMT("session_revoke_user",
            "UPDATE refresh_tokens SET revoked_at = least(revoked_at, now()) "
            "WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL",
            2);
/* The attempt's claim on its (tenant, e-mail) row: the row is created or
 * locked until the attempt's transaction ends, so concurrent attempts for
 * one e-mail are decided one after the other, each seeing the failures
 * and the lock the previous ones committed (READ COMMITTED re-reads the
 * row after the wait).  Answers the seconds the lock still holds,
 * computed outside the INSERT: Citus allows no now() in a RETURNING. */
static struct db_stmt st_claim = DB_STMT(
    "login_claim",
    "WITH f AS (INSERT INTO login_failures AS f (tenant_id, email_norm) "
    "VALUES ($1, $2) ON CONFLICT (tenant_id, email_norm) DO UPDATE SET "
    "failures = f.failures RETURNING f.locked_until) SELECT "
    "greatest(coalesce(ceil(extract(epoch FROM f.locked_until - "
    "now()))::int, 0), 0) FROM f",
    2);
/* Whether the failure window of row f is over.  The time is the new row's
 * window_start (now()): Citus allows only IMMUTABLE functions in DO UPDATE
 * SET, and no subquery in an INSERT. */
#define LOGIN_STALE                                                            \
	"(excluded.window_start - f.window_start > $3 * interval '1 second' "  \
	"AND coalesce(f.locked_until, '-infinity') < excluded.window_start)"
static struct db_stmt st_fail = DB_STMT(
    "login_fail",
    "INSERT INTO login_failures AS f (tenant_id, email_norm, failures, "
    "window_start) VALUES ($1, $2, 1, now()) ON CONFLICT (tenant_id, "
    "email_norm) DO UPDATE SET failures = CASE WHEN " LOGIN_STALE " THEN 1 "
    "ELSE f.failures + 1 END, window_start = CASE WHEN " LOGIN_STALE
    " THEN excluded.window_start ELSE f.window_start END",
    3);
/* The lock's end from seconds (to_timestamp() is IMMUTABLE): Citus refuses
 * a STABLE function of a column (timestamptz + interval) in an UPDATE, and
 * now() in a RETURNING. */
static struct db_stmt st_lock = DB_STMT(
    "login_lock",
    "WITH l AS (UPDATE login_failures SET locked_until = "
    "to_timestamp(extract(epoch FROM now()) + least(3600, $4 * power(2, "
    "failures - $3))) WHERE tenant_id = $1 AND email_norm = $2 AND "
    "failures >= $3 RETURNING failures, locked_until) SELECT failures, "
    "ceil(extract(epoch FROM locked_until - now()))::int FROM l",
    4);
static struct db_stmt st_clear = DB_STMT(
    "login_clear",
    "DELETE FROM login_failures WHERE tenant_id = $1 AND email_norm = $2", 2);

int
sessions_queue_insert(struct db *db, const char *tid, const char *id,
                      const char *family, const char *uid, const char *hash,
                      const char *ttl)
{
	const char *p[6] = {tid, id, family, uid, hash, ttl};

	return db_queue(db, &st_insert, p);
}

int
sessions_queue_revoke_family(struct db *db, const char *tid, const char *family)
{
	const char *p[2] = {tid, family};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_revoke_family, p);
}

int
sessions_queue_revoke_user(struct db *db, const char *tid, const char *uid)
{
	const char *p[2] = {tid, uid};

	versions_queue_bump_auth(db, tid);
	return db_queue(db, &st_revoke_user, p);
}

int
sessions_queue_fail(struct db *db, const char *tid, const char *email_norm,
                    const char *threshold, const char *window_s,
                    const char *base_s)
{
	const char *p3[3] = {tid, email_norm, window_s};
	const char *l4[4] = {tid, email_norm, threshold, base_s};

	db_queue(db, &st_fail, p3);
	return db_queue(db, &st_lock, l4);
}

int
sessions_queue_clear_failures(struct db *db, const char *tid,
                              const char *email_norm)
{
	const char *p[2] = {tid, email_norm};

	return db_queue(db, &st_clear, p);
}

static void
decode_login_user(const PGresult *r, void *out, struct arena *a)
{
	struct login_state *s = out;

	if (db_rows(r) != 1)
		return;
	s->found = true;
	s->uid = db_str(r, 0, 0, a);
	s->password_hash = db_str(r, 0, 1, a);
	s->active = strcmp(db_value(r, 0, 2), "active") == 0;
}

static void
decode_lock(const PGresult *r, void *out, struct arena *a)
{
	struct login_state *s = out;

	(void)a;
	if (db_rows(r) == 1)
		s->locked_s = db_int(r, 0, 0);
}

int
sessions_login_state(struct db *db, const char *tid, const char *email_norm,
                     struct login_state *out)
{
	const char *p[2] = {tid, email_norm};

	memset(out, 0, sizeof(*out));
	db_queue_into(db, &st_login_user, p, decode_login_user, out);
	return db_queue_into(db, &st_claim, p, decode_lock, out);
}

static void
decode_lookup(const PGresult *r, void *out, struct arena *a)
{
	struct refresh_state *s = out;

	if (db_rows(r) != 1)
		return;
	s->found = true;
	s->family = db_str(r, 0, 0, a);
	s->uid = db_str(r, 0, 1, a);
	s->spent = db_bool(r, 0, 2);
	s->revoked = db_bool(r, 0, 3);
	s->expired = db_bool(r, 0, 4);
	s->user_active = db_bool(r, 0, 5);
}

static void
decode_spend(const PGresult *r, void *out, struct arena *a)
{
	struct refresh_state *s = out;

	(void)a;
	s->spent_now = db_rows(r) == 1;
}

int
sessions_refresh_state(struct db *db, const char *tid, const char *hash,
                       bool spend, struct refresh_state *out)
{
	const char *p[2] = {tid, hash};
	int h;

	memset(out, 0, sizeof(*out));
	h = db_queue_into(db, &st_lookup, p, decode_lookup, out);
	if (spend)
		h = db_queue_into(db, &st_spend, p, decode_spend, out);
	return h;
}

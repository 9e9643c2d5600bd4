/*
 * resets.c - password_resets.
 */
#include "data/resets.h"

#include <string.h>

#include "data/db.h"

/* tenant_id from the user's row (u.tenant_id = $1): Citus pushes an
 * INSERT ... SELECT whole to the tenant's shard only when the target's
 * tenant_id comes from there, and runs the others through COPY, which
 * forced RLS refuses. */
static struct db_stmt st_request = DB_STMT(
    "reset_request",
    "INSERT INTO password_resets (tenant_id, id, user_id, token_hash, "
    "expires_at) SELECT u.tenant_id, $2, u.id, $4, now() + interval '30 "
    "minutes' "
    "FROM users u WHERE u.tenant_id = $1 AND u.email_norm = $3 AND "
    "u.status = 'active'",
    4);
static struct db_stmt st_claim = DB_STMT(
    "reset_claim",
    "SELECT r.user_id, u.email, r.used_at IS NOT NULL, r.expires_at <= "
    "now(), u.status = 'active' FROM password_resets r JOIN users u ON "
    "u.tenant_id = r.tenant_id AND u.id = r.user_id WHERE r.tenant_id = $1 "
    "AND r.token_hash = $2 FOR UPDATE OF r",
    2);
/* least() ignores a NULL as coalesce() does; Citus takes no now() inside
 * a COALESCE of a write. */
static struct db_stmt st_spend =
    DB_STMT("reset_spend",
            "UPDATE password_resets SET used_at = least(used_at, now()) WHERE "
            "tenant_id = $1 AND user_id = $2 AND used_at IS NULL",
            2);

int
resets_queue_request(struct db *db, const char *tid, const char *id,
                     const char *email_norm, const char *hash)
{
	const char *p[4] = {tid, id, email_norm, hash};

	return db_queue(db, &st_request, p);
}

static void
decode_claim(const PGresult *r, void *out, struct arena *a)
{
	struct reset_claim *c = out;

	if (db_rows(r) != 1)
		return;
	c->found = true;
	c->uid = db_str(r, 0, 0, a);
	c->email = db_str(r, 0, 1, a);
	c->spent = db_bool(r, 0, 2);
	c->expired = db_bool(r, 0, 3);
	c->user_active = db_bool(r, 0, 4);
}

int
resets_claim(struct db *db, const char *tid, const char *hash,
             struct reset_claim *out)
{
	const char *p[2] = {tid, hash};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_claim, p, decode_claim, out);
}

int
resets_queue_spend(struct db *db, const char *tid, const char *uid)
{
	const char *p[2] = {tid, uid};

	return db_queue(db, &st_spend, p);
}

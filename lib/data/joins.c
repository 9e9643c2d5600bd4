/*
 * joins.c - join_requests and join_domains.
 */
#include "data/joins.h"

#include <string.h>

#include "data/db.h"

/* The row is selected through the tenant's built-in owner role (every
 * tenant has it from its creation and it is never deleted), not from a
 * bare SELECT: Citus pushes an INSERT ... SELECT whole to the tenant's
 * shard only when its rows come from there, and runs the others through
 * COPY, which forced RLS refuses. */
static struct db_stmt st_request = DB_STMT(
    "join_request",
    "INSERT INTO join_requests (tenant_id, id, email, email_norm, domain, "
    "token_hash, expires_at) SELECT o.tenant_id, $2, $3, $4, $5, $6, now() "
    "+ interval '24 hours' FROM roles o WHERE o.tenant_id = $1 AND o.name "
    "= 'owner' AND o.builtin AND $7::boolean AND EXISTS (SELECT 1 FROM "
    "join_domains d WHERE d.name = $5 AND d.owner_tenant_id = $1) AND NOT "
    "EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = $1 AND u.email_norm "
    "= $4)",
    7);
static struct db_stmt st_claim = DB_STMT(
    "join_claim",
    "SELECT j.id, j.email, j.email_norm, j.domain, j.used_at IS NOT NULL, "
    "j.expires_at <= now(), EXISTS (SELECT 1 FROM join_domains d WHERE "
    "d.name = j.domain AND d.owner_tenant_id = $1) FROM join_requests j "
    "WHERE j.tenant_id = $1 AND j.token_hash = $2 FOR UPDATE",
    2);
static struct db_stmt st_spend =
    DB_STMT("join_spend",
            "UPDATE join_requests SET used_at = now(), user_id = $3 WHERE "
            "tenant_id = $1 AND id = $2 AND used_at IS NULL",
            3);
static struct db_stmt st_verify =
    DB_STMT("join_domain_verify", "SELECT join_domain_verify($1, $2)", 2);

int
joins_queue_request(struct db *db, const char *tid, const char *id,
                    const char *email, const char *email_norm,
                    const char *domain, const char *hash, const char *listed)
{
	const char *p[7] = {tid, id, email, email_norm, domain, hash, listed};

	return db_queue(db, &st_request, p);
}

static void
decode_claim(const PGresult *r, void *out, struct arena *a)
{
	struct join_claim *c = out;

	if (db_rows(r) != 1)
		return;
	c->found = true;
	c->id = db_str(r, 0, 0, a);
	c->email = db_str(r, 0, 1, a);
	c->email_norm = db_str(r, 0, 2, a);
	c->domain = db_str(r, 0, 3, a);
	c->spent = db_bool(r, 0, 4);
	c->expired = db_bool(r, 0, 5);
	c->verified = db_bool(r, 0, 6);
}

int
joins_claim(struct db *db, const char *tid, const char *hash,
            struct join_claim *out)
{
	const char *p[2] = {tid, hash};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_claim, p, decode_claim, out);
}

int
joins_queue_spend(struct db *db, const char *tid, const char *id,
                  const char *uid)
{
	const char *p[3] = {tid, id, uid};

	return db_queue(db, &st_spend, p);
}

int
joins_verify_domain(struct db *db, const char *tid, const char *domain)
{
	const char *p[2] = {tid, domain};
	int h = db_queue_in_block(db, &st_verify, p, NULL, NULL);

	if (h < 0 || db_sync(db) != DB_OK || db_rows(db_result(db, h)) != 1)
		return -1;
	return db_bool(db_result(db, h), 0, 0) ? 1 : 0;
}

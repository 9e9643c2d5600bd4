/*
 * outbox.c - mail_outbox.
 */
#include "data/outbox.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"

/* Queued only while the invitation, reset or join request it names
 * exists.  The row is selected through that row (a UNION: one tenant_id
 * at most), never from a bare SELECT: Citus pushes an INSERT ... SELECT
 * whole to the tenant's shard only when its rows come from there, and runs
 * the others through COPY, which forced RLS refuses. */
static struct db_stmt st_insert = DB_STMT(
    "outbox_insert",
    "INSERT INTO mail_outbox (tenant_id, id, kind, to_addr, params, "
    "link_base, sealed_link) SELECT c.tenant_id, $2, $3, $4, $5::jsonb, $6, "
    "$7 FROM (SELECT i.tenant_id FROM invitations i WHERE i.tenant_id = $1 "
    "AND i.id = $8::uuid UNION SELECT r.tenant_id FROM password_resets r "
    "WHERE r.tenant_id = $1 AND r.id = $8::uuid UNION SELECT j.tenant_id "
    "FROM join_requests j WHERE j.tenant_id = $1 AND j.id = $8::uuid) c",
    8);
/* The settings columns come from the tenant's current version (none:
 * the template's defaults apply in the renderer). */
static struct db_stmt st_claim = DB_STMT(
    "outbox_claim",
    "WITH c AS (SELECT m.id FROM mail_outbox m WHERE m.tenant_id = $1 AND "
    "m.status = 'pending' AND m.next_at <= now() ORDER BY m.next_at LIMIT "
    "$2 FOR UPDATE SKIP LOCKED), u AS (UPDATE mail_outbox m SET attempts = "
    "m.attempts + 1, next_at = now() + $3 * interval '1 second' FROM c "
    "WHERE m.tenant_id = $1 AND m.id = c.id RETURNING m.*) SELECT u.id, "
    "u.kind, u.to_addr, u.params, u.link_base, u.sealed_link, u.attempts, "
    "(extract(epoch FROM u.first_at) * 1000)::bigint, t.name, t.slug, "
    "coalesce(s.settings ->> 'display_name', ''), coalesce(s.settings ->> "
    "'locale', ''), coalesce(s.settings -> 'branding' ->> "
    "'primary_color', ''), coalesce(s.settings -> 'branding' ->> "
    "'logo_url', '') FROM u JOIN tenants t ON t.id = $1 LEFT JOIN "
    "config_versions s ON s.tenant_id = $1 AND s.version = "
    "t.config_version ORDER BY u.first_at",
    3);
/* now() stays outside the CASE (NULL + interval is NULL): Citus takes
 * only IMMUTABLE functions in a CASE of a write. */
static struct db_stmt st_finish = DB_STMT(
    "outbox_finish",
    "UPDATE mail_outbox SET status = $3, last_error = $5, next_at = CASE "
    "WHEN $3 = 'pending' THEN to_timestamp($4::bigint / 1000.0) ELSE "
    "next_at END, sent_at = now() + CASE WHEN $3 = 'sent' THEN interval "
    "'0 s' END, "
    "sealed_link = CASE WHEN $3 = 'pending' THEN sealed_link END WHERE "
    "tenant_id = $1 AND id = $2",
    5);
static struct db_stmt st_purge =
    DB_STMT("outbox_purge", "SELECT mail_purge($1, $2, $3, $4)", 4);
static struct db_stmt st_due =
    DB_STMT("outbox_due_tenants",
            "SELECT tenant_id, due FROM mail_due_tenants($1, $2, $3)", 3);

int
outbox_queue(struct db *db, const char *tid, const struct outbox_mail *m)
{
	const char *p[8] = {tid,       m->id,        m->kind,        m->to,
	                    m->params, m->link_base, m->sealed_link, m->cause};

	return db_queue(db, &st_insert, p);
}

static void
decode_claims(const PGresult *r, void *out, struct arena *a)
{
	struct outbox_claims *l = out;

	l->n = db_rows(r);
	l->items = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->items));
	for (int i = 0; i < l->n; i++) {
		struct outbox_claim *c = &l->items[i];

		if (uuid_parse(db_value(r, i, 0), &c->id) < 0)
			memset(&c->id, 0, sizeof(c->id));
		c->kind = db_str(r, i, 1, a);
		c->to = db_str(r, i, 2, a);
		c->params = db_str(r, i, 3, a);
		c->link_base = db_str(r, i, 4, a);
		c->sealed_link = db_str(r, i, 5, a);
		c->attempts = (int)db_int(r, i, 6);
		c->first_ms = db_int(r, i, 7);
		c->tenant_name = db_str(r, i, 8, a);
		c->slug = db_str(r, i, 9, a);
		c->display_name = db_str(r, i, 10, a);
		c->locale = db_str(r, i, 11, a);
		c->primary_color = db_str(r, i, 12, a);
		c->logo_url = db_str(r, i, 13, a);
	}
}

int
outbox_claim(struct db *db, const struct uuid *t, int want, int lease_s,
             struct outbox_claims *out)
{
	char tid[UUID_STR_LEN + 1], w[16], l[16];
	const char *p[3] = {tid, w, l};

	memset(out, 0, sizeof(*out));
	uuid_format(t, tid);
	snprintf(w, sizeof(w), "%d", want);
	snprintf(l, sizeof(l), "%d", lease_s);
	db_begin(db, t);
	if (db_queue_into(db, &st_claim, p, decode_claims, out) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK)
		return -1;
	return out->n;
}

static const char *const outcome_names[] = {"sent", "pending", "failed"};

int
outbox_finish(struct db *db, const struct uuid *t, const struct uuid *id,
              enum outbox_outcome o, long long next_ms, const char *error)
{
	char tid[UUID_STR_LEN + 1], mid[UUID_STR_LEN + 1], next[24];
	const char *p[5] = {tid, mid, outcome_names[o], next,
	                    error ? error : ""};

	uuid_format(t, tid);
	uuid_format(id, mid);
	snprintf(next, sizeof(next), "%lld", o == OUTBOX_RETRY ? next_ms : 0);
	db_begin(db, t);
	if (db_queue(db, &st_finish, p) < 0 || db_commit(db) < 0 ||
	    db_sync(db) != DB_OK)
		return -1;
	return 0;
}

int
outbox_due_tenants(struct db *db, const struct uuid *after, int want, int scan,
                   struct uuid *out, int *nout, struct uuid *cursor)
{
	return db_due_tenants(db, &st_due, after, want, scan, out, nout,
	                      cursor);
}

int
outbox_purge(struct db *db, const struct uuid *after, int scan, int keep_days,
             int batch, struct uuid *cursor)
{
	char a[UUID_STR_LEN + 1], s[16], k[16], b[16];
	const char *p[4] = {a, s, k, b};
	PGresult *r;
	int h;

	memset(cursor, 0, sizeof(*cursor));
	uuid_format(after, a);
	snprintf(s, sizeof(s), "%d", scan);
	snprintf(k, sizeof(k), "%d", keep_days);
	snprintf(b, sizeof(b), "%d", batch);
	h = db_queue_in_block(db, &st_purge, p, NULL, NULL);
	if (h < 0 || db_sync(db) != DB_OK)
		return -1;
	r = db_result(db, h);
	if (db_rows(r) == 1 && !db_is_null(r, 0, 0))
		(void)uuid_parse(db_value(r, 0, 0), cursor);
	return 0;
}

/*
 * events.c - the outbox table.
 */
#include "data/events.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"

#define EVENT_BODY                                                             \
	"json_build_object('type', e.type, 'timestamp', ts(e.at), 'data', "    \
	"e.payload)::text"

static struct db_stmt st_insert =
    DB_STMT("event_insert",
            "INSERT INTO events (tenant_id, type, object_type, object_id, "
            "collection, version, payload) VALUES ($1, $2, $3, $4, $5, $6, "
            "coalesce($7::jsonb, '{}'))",
            7);
/* Subscriptions: an exact type, "<kind>.*" or "*".  The body is built
 * after the UPDATE, not in its RETURNING (Citus takes only IMMUTABLE
 * functions there).  The deliveries' INSERT returns its rows and the
 * answer reads their count (one row, so the events come out as they
 * are): Citus routes the whole statement to the tenant's shard only so;
 * with the INSERT unread it runs it apart, through COPY, which forced RLS
 * refuses.  The batch is picked in a CTE of its own, evaluated once: as
 * an IN (subquery) the planner may rescan it per event (a nested-loop semi
 * join), and each rescan skips the rows the statement has already marked
 * and takes others, so a round could mark more than $2 (seen on the
 * cluster). */
static struct db_stmt st_fan_out = DB_STMT(
    "event_fan_out",
    "WITH pick AS MATERIALIZED (SELECT seq FROM events WHERE tenant_id = $1 "
    "AND NOT fanned ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED), ev AS "
    "(UPDATE events e SET fanned = true FROM pick WHERE e.tenant_id = $1 "
    "AND e.seq = pick.seq RETURNING e.seq, "
    "e.type, e.object_type, e.object_id, e.collection, e.at, e.payload), "
    "ins AS (INSERT INTO "
    "webhook_deliveries (tenant_id, id, webhook_id, event_seq, object_key) "
    "SELECT $1, gen_random_uuid(), w.id, ev.seq, ev.object_type || ':' || "
    "ev.object_id FROM ev JOIN webhooks w ON w.tenant_id = $1 AND "
    "w.enabled AND (ev.type = ANY (w.events) OR '*' = ANY (w.events) OR "
    "split_part(ev.type, '.', 1) || '.*' = ANY (w.events)) RETURNING 1), "
    "n AS (SELECT count(*) FROM ins) SELECT e.seq, e.type, e.object_type, "
    "coalesce(e.collection, ''), " EVENT_BODY " FROM ev e, n ORDER BY e.seq",
    2);
static struct db_stmt st_after =
    DB_STMT("event_after",
            "SELECT e.seq, e.type, e.object_type, coalesce(e.collection, "
            "''), " EVENT_BODY
            " FROM events e WHERE e.tenant_id = $1 AND e.seq > $2 AND e.fanned "
            "ORDER BY e.seq LIMIT $3",
            3);
static struct db_stmt st_head =
    DB_STMT("event_head",
            "SELECT coalesce(max(seq), 0) FROM events WHERE tenant_id = $1 AND "
            "fanned",
            1);
/* Oldest first by time, on events_at: ordered by seq, the generic plan
 * (a prepared statement after five runs) walked the primary key over all
 * of a tenant's fanned events to find none old enough, about 11 ms for
 * a thousand of them on every pass of the deliverer. */
static struct db_stmt st_purge = DB_STMT(
    "event_purge",
    "WITH old AS (SELECT e.seq FROM events e WHERE e.tenant_id = $1 AND "
    "e.fanned AND e.at < now() - events_retention_days($1) * interval '1 "
    "day' AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE "
    "d.tenant_id = $1 AND d.event_seq = e.seq AND d.status = 'pending') "
    "ORDER BY e.at LIMIT $2), gone AS (DELETE FROM webhook_deliveries d "
    "USING old WHERE d.tenant_id = $1 AND d.event_seq = old.seq) DELETE "
    "FROM events e USING old WHERE e.tenant_id = $1 AND e.seq = old.seq "
    "RETURNING 1",
    2);
static struct db_stmt st_due =
    DB_STMT("event_due_tenants",
            "SELECT tenant_id, due FROM events_due_tenants($1, $2, $3)", 3);
static struct db_stmt st_tenants =
    DB_STMT("event_tenants",
            "SELECT id FROM tenants WHERE id > $1 ORDER BY id LIMIT $2", 2);

int
events_queue(struct db *db, const char *tid, const struct event_row *e)
{
	const char *p[7] = {tid,          e->type,       e->object_type,
	                    e->object_id, e->collection, e->version,
	                    e->payload};

	return db_queue(db, &st_insert, p);
}

static void
decode_list(const PGresult *r, void *out, struct arena *a)
{
	struct event_list *l = out;

	l->n = db_rows(r);
	l->items = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->items));
	for (int i = 0; i < l->n; i++) {
		struct event_out *e = &l->items[i];

		e->seq = db_int(r, i, 0);
		e->type = db_str(r, i, 1, a);
		e->object_type = db_str(r, i, 2, a);
		e->collection = db_str(r, i, 3, a);
		e->body = db_str(r, i, 4, a);
	}
}

/* Runs stmt (params p) in a transaction of tenant t, decoding into out.
 * Returns the row count or -1. */
static int
in_tenant(struct db *db, const struct uuid *t, struct db_stmt *stmt,
          const char *const *p, struct event_list *out)
{
	memset(out, 0, sizeof(*out));
	db_begin(db, t);
	if (db_queue_into(db, stmt, p, decode_list, out) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK)
		return -1;
	return out->n;
}

int
events_fan_out(struct db *db, const struct uuid *t, int limit,
               struct event_list *out)
{
	char tid[UUID_STR_LEN + 1], lim[16];
	const char *p[2] = {tid, lim};

	uuid_format(t, tid);
	snprintf(lim, sizeof(lim), "%d", limit);
	return in_tenant(db, t, &st_fan_out, p, out);
}

int
events_after(struct db *db, const struct uuid *t, long long after, int limit,
             struct event_list *out)
{
	char tid[UUID_STR_LEN + 1], a[24], lim[16];
	const char *p[3] = {tid, a, lim};

	uuid_format(t, tid);
	snprintf(a, sizeof(a), "%lld", after);
	snprintf(lim, sizeof(lim), "%d", limit);
	return in_tenant(db, t, &st_after, p, out);
}

long long
events_head(struct db *db, const struct uuid *t)
{
	char tid[UUID_STR_LEN + 1];
	const char *p[1] = {tid};
	long long head = 0;

	uuid_format(t, tid);
	db_begin(db, t);
	if (db_queue_into(db, &st_head, p, db_decode_int, &head) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK)
		return -1;
	return head;
}

static void
decode_affected(const PGresult *r, void *out, struct arena *a)
{
	(void)a;
	*(int *)out = db_rows(r);
}

int
events_purge(struct db *db, const struct uuid *t, int batch)
{
	char tid[UUID_STR_LEN + 1], lim[16];
	const char *p[2] = {tid, lim};
	int n = 0;

	uuid_format(t, tid);
	snprintf(lim, sizeof(lim), "%d", batch);
	db_begin(db, t);
	if (db_queue_into(db, &st_purge, p, decode_affected, &n) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK)
		return -1;
	return n;
}

int
events_due_tenants(struct db *db, const struct uuid *after, int want, int scan,
                   struct uuid *out, int *nout, struct uuid *cursor)
{
	return db_due_tenants(db, &st_due, after, want, scan, out, nout,
	                      cursor);
}

struct ids {
	struct uuid *out;
	int n;
};

static void
decode_ids(const PGresult *r, void *out, struct arena *a)
{
	struct ids *d = out;

	(void)a;
	for (int i = 0; i < db_rows(r); i++)
		if (uuid_parse(db_value(r, i, 0), &d->out[d->n]) == 0)
			d->n++;
}

int
events_tenants(struct db *db, const struct uuid *after, int want,
               struct uuid *out)
{
	char a[UUID_STR_LEN + 1], w[16];
	const char *p[2] = {a, w};
	struct ids d = {out, 0};

	uuid_format(after, a);
	snprintf(w, sizeof(w), "%d", want);
	if (db_queue_into(db, &st_tenants, p, decode_ids, &d) < 0 ||
	    db_sync(db) != DB_OK)
		return -1;
	return d.n;
}

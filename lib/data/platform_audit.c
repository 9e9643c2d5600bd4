/*
 * platform_audit.c - platform_audit_events.
 */
#include "data/platform_audit.h"

#include <string.h>

#include "core/arena.h"
#include "data/db.h"

static struct db_stmt st_insert = DB_STMT(
    "platform_audit_insert",
    "INSERT INTO platform_audit_events (actor_type, actor_id, action, "
    "target_type, target_id, outcome, request_id, client_addr, details) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)",
    9);

/* One fixed text: the log is the platform's, small next to the tenants'
 * trails, and every filter is a parameter that may be NULL. */
static struct db_stmt st_page = DB_STMT(
    "platform_audit_page",
    "SELECT e.seq, json_build_object('seq', e.seq, 'at', ts(e.at), "
    "'actor', json_build_object('type', e.actor_type, 'id', "
    "NULLIF(e.actor_id, '')), 'action', e.action, 'target', "
    "json_build_object('type', NULLIF(e.target_type, ''), 'id', "
    "NULLIF(e.target_id, '')), 'outcome', e.outcome, 'request_id', "
    "e.request_id, 'client_addr', e.client_addr, 'details', e.details) "
    "FROM platform_audit_events e WHERE ($1::text IS NULL OR e.actor_id = "
    "$1) AND ($2::text IS NULL OR CASE WHEN right($2, 1) = '.' THEN "
    "starts_with(e.action, $2) ELSE e.action = $2 END) AND "
    "($3::timestamptz IS NULL OR e.at >= $3) AND ($4::timestamptz IS NULL "
    "OR e.at < $4) AND ($5::bigint IS NULL OR e.seq < $5) ORDER BY e.seq "
    "DESC LIMIT $6",
    6);

int
platform_audit_queue(struct db *db, const struct audit_event *e)
{
	const char *params[AUDIT_EVENT_NPARAMS];

	audit_event_params(e, params);
	return db_queue(db, &st_insert, params);
}

static void
decode_events(const PGresult *r, void *out, struct arena *a)
{
	struct audit_page *p = out;

	p->n = db_rows(r);
	p->rows = arena_calloc(a, (size_t)p->n + 1, sizeof(*p->rows));
	for (int i = 0; i < p->n; i++) {
		p->rows[i].seq = db_str(r, i, 0, a);
		p->rows[i].json = db_str(r, i, 1, a);
	}
}

int
platform_audit_list_page(struct db *db, const struct audit_query *q,
                         struct audit_page *out)
{
	const char *p[6] = {q->actor, q->action,     q->since,
	                    q->until, q->before_seq, q->fetch};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_page, p, decode_events, out);
}

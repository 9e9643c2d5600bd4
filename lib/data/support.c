/*
 * support.c - operators.support, support_requests and support_sessions.
 */
#include "data/support.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"

#define REQUEST_JSON                                                           \
	"json_build_object('id', r.id, 'operator_id', r.operator_id, "         \
	"'user_id', r.user_id, 'reason', r.reason, 'minutes', r.minutes, "     \
	"'status', CASE WHEN r.status = 'pending' AND r.created_at < now() - " \
	"interval '1 day' THEN 'expired' ELSE r.status END, 'created_at', "    \
	"ts(r.created_at), 'decided_at', ts(r.decided_at), 'decided_by', "     \
	"r.decided_by)"
#define SESSION_JSON                                                           \
	"json_build_object('id', s.id, 'operator_id', s.operator_id, "         \
	"'user_id', s.user_id, 'reason', s.reason, 'request_id', "             \
	"s.request_id, 'created_at', ts(s.created_at), 'expires_at', "         \
	"ts(s.expires_at), 'ended_at', ts(s.ended_at), 'ended_by', "           \
	"s.ended_by, 'active', s.ended_at IS NULL AND s.expires_at > now())"

static struct db_stmt st_operator = DB_STMT(
    "support_operator",
    "SELECT support FROM operators WHERE id = $1 AND status = 'active'", 1);
static struct db_stmt st_operator_set =
    DB_STMT("support_operator_set",
            "UPDATE operators SET support = $2::boolean WHERE email_norm = $1 "
            "RETURNING support",
            2);
static struct db_stmt st_user = DB_STMT(
    "support_user",
    "SELECT status = 'active' FROM users WHERE tenant_id = $1 AND id = $2", 2);
static struct db_stmt st_latest = DB_STMT(
    "support_request_latest",
    "SELECT id, reason, minutes, status = 'pending' AND created_at > now() "
    "- interval '1 day', status = 'approved' AND decided_at > now() - "
    "interval '1 hour', status = 'denied' AND decided_at > now() - "
    "interval '1 hour' FROM support_requests WHERE tenant_id = $1 AND "
    "operator_id = $2 AND user_id = $3 ORDER BY created_at DESC, id DESC "
    "LIMIT 1 FOR UPDATE",
    3);
static struct db_stmt st_request_insert = DB_STMT(
    "support_request_insert",
    "INSERT INTO support_requests (tenant_id, id, operator_id, user_id, "
    "reason, minutes) VALUES ($1, $2, $3, $4, $5, $6::int)",
    6);
/* The writes' answers are built in a SELECT after them, not in their
 * RETURNING: Citus takes only IMMUTABLE functions there (json_build_object,
 * now() and extract() are not). */
static struct db_stmt st_request_use = DB_STMT(
    "support_request_use",
    "WITH r AS (UPDATE support_requests r SET status = 'used' WHERE "
    "r.tenant_id = $1 AND r.id = $2 AND r.status = 'approved' RETURNING "
    "r.*) SELECT r.status, " REQUEST_JSON " FROM r",
    2);
static struct db_stmt st_request_get = DB_STMT(
    "support_request_get",
    "SELECT r.status, " REQUEST_JSON ", r.status = 'pending' AND "
    "r.created_at > now() - interval '1 day' FROM support_requests r WHERE "
    "r.tenant_id = $1 AND r.id = $2",
    2);
static struct db_stmt st_request_decide = DB_STMT(
    "support_request_decide",
    "WITH r AS (UPDATE support_requests r SET status = $3, decided_at = "
    "now(), decided_by = $4 WHERE r.tenant_id = $1 AND r.id = $2 AND "
    "r.status = 'pending' AND r.created_at > now() - interval '1 day' AND "
    "$3 IN ('approved', 'denied') RETURNING r.*) SELECT r.status, "
    "" REQUEST_JSON " FROM r",
    4);
static struct db_stmt st_requests_page = DB_STMT(
    "support_requests_page",
    "SELECT r.id, " REQUEST_JSON " FROM support_requests r WHERE "
    "r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id < $2::uuid) ORDER BY "
    "r.id DESC LIMIT $3",
    3);
static struct db_stmt st_sessions_page = DB_STMT(
    "support_sessions_page",
    "SELECT s.id, " SESSION_JSON " FROM support_sessions s WHERE "
    "s.tenant_id = $1 AND ($2::uuid IS NULL OR s.id < $2::uuid) ORDER BY "
    "s.id DESC LIMIT $3",
    3);
static struct db_stmt st_session_insert = DB_STMT(
    "support_session_insert",
    "WITH s AS (INSERT INTO support_sessions (tenant_id, id, operator_id, "
    "user_id, reason, request_id, expires_at) VALUES ($1, $2, $3, $4, $5, "
    "$6, now() + $7::int * interval '1 minute') RETURNING expires_at) "
    "SELECT floor(extract(epoch FROM s.expires_at))::bigint FROM s",
    7);
/* Ends a live session; the row either way, so that a second end is told
 * apart from an unknown id. */
static struct db_stmt st_session_end = DB_STMT(
    "support_session_end",
    "WITH e AS (UPDATE support_sessions SET ended_at = now(), ended_by = $3 "
    "WHERE tenant_id = $1 AND id = $2 AND ended_at IS NULL AND expires_at "
    "> now() RETURNING id) SELECT s.id, " SESSION_JSON ", EXISTS (SELECT 1 "
    "FROM e) FROM support_sessions s WHERE s.tenant_id = $1 AND s.id = $2",
    3);
/* The operator must still be active and hold the support role: taking
 * the role (or disabling the operator) ends its sessions too. */
static struct db_stmt st_session_check = DB_STMT(
    "support_session_check",
    "SELECT s.operator_id, s.user_id, s.reason, s.ended_at IS NULL AND "
    "s.expires_at > now(), s.ended_at IS NOT NULL, EXISTS (SELECT 1 FROM "
    "operators o WHERE o.id = s.operator_id AND o.status = 'active' AND "
    "o.support) FROM support_sessions s WHERE s.tenant_id = $1 AND s.id = "
    "$2",
    2);

static void
decode_operator(const PGresult *r, void *out, struct arena *a)
{
	struct support_operator *o = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	o->found = true;
	o->support = db_bool(r, 0, 0);
}

int
support_operator_get(struct db *db, const char *id,
                     struct support_operator *out)
{
	const char *p[1] = {id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_operator, p, decode_operator, out);
}

int
support_operator_set(struct db *db, const char *email_norm, bool on,
                     struct support_operator *out)
{
	const char *p[2] = {email_norm, on ? "true" : "false"};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_operator_set, p, decode_operator, out);
}

static void
decode_user(const PGresult *r, void *out, struct arena *a)
{
	struct support_user *u = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	u->found = true;
	u->active = db_bool(r, 0, 0);
}

int
support_user_get(struct db *db, const char *tid, const char *uid,
                 struct support_user *out)
{
	const char *p[2] = {tid, uid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_user, p, decode_user, out);
}

static void
decode_latest(const PGresult *r, void *out, struct arena *a)
{
	struct support_request_state *s = out;

	if (db_rows(r) != 1)
		return;
	s->found = true;
	s->id = db_str(r, 0, 0, a);
	s->reason = db_str(r, 0, 1, a);
	s->minutes = (int)db_int(r, 0, 2);
	s->pending_live = db_bool(r, 0, 3);
	s->approved_live = db_bool(r, 0, 4);
	s->denied_live = db_bool(r, 0, 5);
}

int
support_request_latest(struct db *db, const char *tid, const char *op,
                       const char *uid, struct support_request_state *out)
{
	const char *p[3] = {tid, op, uid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_latest, p, decode_latest, out);
}

int
support_request_insert(struct db *db, const char *tid, const char *id,
                       const char *op, const char *uid, const char *reason,
                       const char *minutes)
{
	const char *p[6] = {tid, id, op, uid, reason, minutes};

	return db_queue(db, &st_request_insert, p);
}

/* Columns: status, the object[, live]. */
static void
decode_one(const PGresult *r, void *out, struct arena *a)
{
	struct support_one *o = out;

	if (db_rows(r) != 1)
		return;
	o->found = true;
	o->status = db_str(r, 0, 0, a);
	o->json = db_str(r, 0, 1, a);
	o->live = PQnfields(r) > 2 && db_bool(r, 0, 2);
}

static int
queue_one(struct db *db, struct db_stmt *st, const char *const *p,
          struct support_one *out)
{
	memset(out, 0, sizeof(*out));
	return db_queue_into(db, st, p, decode_one, out);
}

int
support_request_use(struct db *db, const char *tid, const char *id,
                    struct support_one *out)
{
	const char *p[2] = {tid, id};

	return queue_one(db, &st_request_use, p, out);
}

int
support_request_get(struct db *db, const char *tid, const char *id,
                    struct support_one *out)
{
	const char *p[2] = {tid, id};

	return queue_one(db, &st_request_get, p, out);
}

int
support_request_decide(struct db *db, const char *tid, const char *id,
                       const char *status, const char *by,
                       struct support_one *out)
{
	const char *p[4] = {tid, id, status, by};

	return queue_one(db, &st_request_decide, p, out);
}

static void
decode_page(const PGresult *r, void *out, struct arena *a)
{
	struct support_page *pg = out;

	pg->n = db_rows(r);
	pg->ids = arena_calloc(a, (size_t)pg->n + 1, sizeof(*pg->ids));
	pg->json = arena_calloc(a, (size_t)pg->n + 1, sizeof(*pg->json));
	for (int i = 0; i < pg->n; i++) {
		pg->ids[i] = db_str(r, i, 0, a);
		pg->json[i] = db_str(r, i, 1, a);
	}
}

int
support_requests_page(struct db *db, const char *tid, const char *after,
                      const char *limit, struct support_page *out)
{
	const char *p[3] = {tid, after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_requests_page, p, decode_page, out);
}

int
support_sessions_page(struct db *db, const char *tid, const char *after,
                      const char *limit, struct support_page *out)
{
	const char *p[3] = {tid, after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_sessions_page, p, decode_page, out);
}

int
support_session_insert(struct db *db, const char *tid, const char *id,
                       const char *op, const char *uid, const char *reason,
                       const char *request_id, const char *minutes,
                       long long *expires_at)
{
	const char *p[7] = {tid, id, op, uid, reason, request_id, minutes};

	*expires_at = 0;
	return db_queue_into(db, &st_session_insert, p, db_decode_int,
	                     expires_at);
}

int
support_session_end(struct db *db, const char *tid, const char *id,
                    const char *by, struct support_one *out)
{
	const char *p[3] = {tid, id, by};

	return queue_one(db, &st_session_end, p, out);
}

static void
decode_check(const PGresult *r, void *out, struct arena *a)
{
	struct support_session_row *s = out;

	if (db_rows(r) != 1)
		return;
	s->found = true;
	s->operator_id = db_str(r, 0, 0, a);
	s->user_id = db_str(r, 0, 1, a);
	s->reason = db_str(r, 0, 2, a);
	s->live = db_bool(r, 0, 3);
	s->ended = db_bool(r, 0, 4);
	s->operator_ok = db_bool(r, 0, 5);
}

int
support_session_check(struct db *db, const char *tid, const char *sid,
                      struct support_session_row *out)
{
	const char *p[2] = {tid, sid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_session_check, p, decode_check, out);
}

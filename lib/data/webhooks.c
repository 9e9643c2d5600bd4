/*
 * webhooks.c - webhooks and webhook_deliveries tables.
 */
#include "data/webhooks.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "data/audit.h"
#include "data/db.h"

#define WEBHOOK_JSON                                                           \
	"json_build_object('id', w.id, 'url', w.url, 'events', "               \
	"array_to_json(w.events), 'enabled', w.enabled, 'disabled_reason', "   \
	"NULLIF(w.disabled_reason, ''), 'pii', w.pii, 'owner', "               \
	"json_build_object('type', w.owner_type, 'id', w.owner_id), "          \
	"'version', w.version, 'created_at', ts(w.created_at), 'updated_at', " \
	"ts(w.updated_at))"
#define DELIVERY_JSON                                                          \
	"json_build_object('id', d.id, 'webhook_id', d.webhook_id, "           \
	"'event_id', 'evt_' || d.event_seq, 'event_type', e.type, 'status', "  \
	"d.status, 'attempts', d.attempts, 'last_status', d.last_code, "       \
	"'last_error', NULLIF(d.last_error, ''), 'next_attempt_at', CASE "     \
	"WHEN "                                                                \
	"d.status = 'pending' THEN ts(d.next_at) END, 'delivered_at', "        \
	"ts(d.delivered_at), 'created_at', ts(d.first_at), 'history', "        \
	"d.history)"

static struct db_stmt st_list = DB_STMT(
    "webhook_list",
    "SELECT " WEBHOOK_JSON " FROM webhooks w WHERE w.tenant_id = $1 ORDER "
    "BY w.created_at, w.id LIMIT 100",
    1);
static struct db_stmt st_get =
    DB_STMT("webhook_get",
            "SELECT " WEBHOOK_JSON ", w.version FROM webhooks w WHERE "
            "w.tenant_id = $1 AND w.id = $2",
            2);
static struct db_stmt st_count = DB_STMT(
    "webhook_count", "SELECT count(*) FROM webhooks WHERE tenant_id = $1", 1);
/* The answers are built after the write, not in its RETURNING: Citus
 * takes only IMMUTABLE functions there. */
static struct db_stmt st_insert = DB_STMT(
    "webhook_insert",
    "WITH w AS (INSERT INTO webhooks (tenant_id, id, url, events, secret, "
    "owner_type, owner_id, pii) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
    "RETURNING *) SELECT " WEBHOOK_JSON ", w.version FROM w",
    8);
static struct db_stmt st_update = DB_STMT(
    "webhook_update",
    "WITH w AS (UPDATE webhooks w SET url = coalesce($3, w.url), events = "
    "coalesce($4::text[], w.events), secret = coalesce($5, w.secret), "
    "enabled = coalesce($6::boolean, w.enabled), disabled_reason = CASE "
    "WHEN $6::boolean THEN '' ELSE w.disabled_reason END, version = "
    "w.version + 1, updated_at = now() WHERE w.tenant_id = $1 AND w.id = "
    "$2 RETURNING w.*) SELECT " WEBHOOK_JSON ", w.version FROM w",
    6);
static struct db_stmt st_delete = DB_STMT(
    "webhook_delete",
    "DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2 RETURNING id", 2);
static struct db_stmt st_deliveries = DB_STMT(
    "webhook_deliveries",
    "SELECT " DELIVERY_JSON ", d.event_seq FROM webhook_deliveries d JOIN "
    "events e ON e.tenant_id = d.tenant_id AND e.seq = d.event_seq WHERE "
    "d.tenant_id = $1 AND d.webhook_id = $2 AND ($3 = '' OR d.event_seq < "
    "NULLIF($3, '')::bigint) ORDER BY d.event_seq DESC LIMIT $4",
    4);
/* The answer is built after the UPDATE, not in its RETURNING (Citus
 * takes only IMMUTABLE functions there). */
static struct db_stmt st_redeliver = DB_STMT(
    "webhook_redeliver",
    "WITH d AS (UPDATE webhook_deliveries d SET status = 'pending', next_at "
    "= now(), first_at = now(), attempts = 0 FROM events e WHERE "
    "d.tenant_id = $1 AND d.webhook_id = $2 AND d.id = $3 AND e.tenant_id = "
    "$1 AND e.seq = d.event_seq RETURNING d.*) SELECT " DELIVERY_JSON
    " FROM d JOIN events e ON e.tenant_id = $1 AND e.seq = d.event_seq",
    3);
/* The answer is built after the UPDATE, not in its RETURNING (Citus
 * takes only IMMUTABLE functions there), and the owner's permissions are
 * webhook_owner_perms() (015) spelled out, each table on tenant_id = $1:
 * on Citus a function that reads the tables cannot run inside a statement
 * routed to a shard ("cannot execute a distributed query from a query on
 * a shard"). */
static struct db_stmt st_claim = DB_STMT(
    "webhook_claim",
    "WITH c AS (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON "
    "w.tenant_id = d.tenant_id AND w.id = d.webhook_id WHERE d.tenant_id = "
    "$1 AND d.status = 'pending' AND d.next_at <= now() AND w.enabled AND "
    "NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.tenant_id = $1 "
    "AND o.webhook_id = d.webhook_id AND o.object_key = d.object_key AND "
    "o.status = 'pending' AND o.event_seq < d.event_seq) ORDER BY "
    "d.next_at, d.event_seq LIMIT $2 FOR UPDATE OF d SKIP LOCKED), u AS "
    "(UPDATE webhook_deliveries d SET next_at = now() + $3::int * interval "
    "'1 millisecond', attempts = d.attempts + 1, last_at = now() FROM c, "
    "webhooks w, events e WHERE d.tenant_id = $1 AND d.id = c.id AND "
    "w.tenant_id = $1 AND w.id = d.webhook_id AND e.tenant_id = $1 AND "
    "e.seq = d.event_seq RETURNING d.id, d.webhook_id, d.attempts, "
    "d.first_at, d.event_seq) SELECT u.id, u.webhook_id, u.attempts, "
    "(extract(epoch FROM u.first_at) * 1000)::bigint, w.url, w.secret, "
    "CASE w.owner_type WHEN 'user' THEN ARRAY(SELECT DISTINCT p FROM users "
    "o JOIN user_roles ur ON ur.tenant_id = $1 AND ur.user_id = o.id JOIN "
    "roles r ON r.tenant_id = $1 AND r.name = ur.role_name, "
    "unnest(r.permissions) p WHERE o.tenant_id = $1 AND o.id = w.owner_id "
    "AND o.status = 'active') ELSE coalesce((SELECT k.permissions FROM "
    "api_keys k WHERE k.tenant_id = $1 AND k.id = w.owner_id AND "
    "k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > "
    "now())), '{}') END, e.type, e.object_type, 'evt_' || e.seq, "
    "json_build_object('type', e.type, 'timestamp', ts(e.at), 'data', "
    "e.payload)::text FROM u JOIN webhooks w ON w.tenant_id = $1 AND w.id = "
    "u.webhook_id JOIN events e ON e.tenant_id = $1 AND e.seq = "
    "u.event_seq ORDER BY u.event_seq",
    3);
/* now() stays outside the CASE (NULL + interval is NULL): Citus takes
 * only IMMUTABLE functions in a CASE of a write.  And Citus computes the
 * CASE's to_timestamp() of the parameter before the query runs, whichever
 * branch holds: '' is made NULL first, as no branch then reads it. */
static struct db_stmt st_finish = DB_STMT(
    "webhook_finish",
    "UPDATE webhook_deliveries d SET status = $3, next_at = CASE WHEN $4 = "
    "'' THEN d.next_at ELSE to_timestamp(NULLIF($4, '')::bigint / 1000.0) "
    "END, "
    "last_code = NULLIF($5::int, 0), last_error = $6, delivered_at = now() "
    "+ CASE WHEN $3 = 'delivered' THEN interval '0 s' END, history = "
    "jsonb_path_query_array(jsonb_build_array(jsonb_build_object('at', "
    "ts(now()), 'status', NULLIF($5::int, 0), 'error', NULLIF($6, ''), "
    "'duration_ms', $7::int)) || d.history, '$[0 to 9]') WHERE d.tenant_id "
    "= $1 AND d.id = $2",
    7);
static struct db_stmt st_disable = DB_STMT(
    "webhook_disable",
    "UPDATE webhooks w SET enabled = false, disabled_reason = $3, version = "
    "w.version + 1, updated_at = now() WHERE w.tenant_id = $1 AND w.id = $2 "
    "AND w.enabled",
    3);

static void
decode_list(const PGresult *r, void *out, struct arena *a)
{
	struct webhook_list *l = out;

	l->n = db_rows(r);
	l->json = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->json));
	for (int i = 0; i < l->n; i++)
		l->json[i] = db_str(r, i, 0, a);
}

int
webhooks_list_all(struct db *db, const char *tid, struct webhook_list *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, p, decode_list, out);
}

static void
decode_one(const PGresult *r, void *out, struct arena *a)
{
	struct webhook *w = out;

	if (db_rows(r) != 1)
		return;
	w->found = true;
	w->json = db_str(r, 0, 0, a);
	if (PQnfields(r) > 1)
		w->version = db_int(r, 0, 1);
}

int
webhooks_get(struct db *db, const char *tid, const char *id,
             struct webhook *out)
{
	const char *p[2] = {tid, id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_one, out);
}

int
webhooks_count(struct db *db, const char *tid, long long *out)
{
	const char *p[1] = {tid};

	*out = 0;
	return db_queue_into(db, &st_count, p, db_decode_int, out);
}

int
webhooks_insert(struct db *db, const char *tid, const char *id,
                const struct webhook_change *c, const char *owner_type,
                const char *owner_id, const char *pii, struct webhook *out)
{
	const char *p[8] = {tid,       id,         c->url,   c->events,
	                    c->secret, owner_type, owner_id, pii};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_insert, p, decode_one, out);
}

int
webhooks_update(struct db *db, const char *tid, const char *id,
                const struct webhook_change *c, struct webhook *out)
{
	const char *p[6] = {tid, id, c->url, c->events, c->secret, c->enabled};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_update, p, decode_one, out);
}

static void
decode_found(const PGresult *r, void *out, struct arena *a)
{
	(void)a;
	*(bool *)out = db_rows(r) > 0;
}

int
webhooks_remove(struct db *db, const char *tid, const char *id, bool *found)
{
	const char *p[2] = {tid, id};

	*found = false;
	return db_queue_into(db, &st_delete, p, decode_found, found);
}

static void
decode_deliveries(const PGresult *r, void *out, struct arena *a)
{
	struct delivery_list *l = out;

	l->n = db_rows(r);
	l->json = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->json));
	l->seq = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->seq));
	for (int i = 0; i < l->n; i++) {
		l->json[i] = db_str(r, i, 0, a);
		l->seq[i] = db_int(r, i, 1);
	}
}

int
webhooks_deliveries(struct db *db, const char *tid, const char *id,
                    const char *before, const char *fetch,
                    struct delivery_list *out)
{
	const char *p[4] = {tid, id, before, fetch};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_deliveries, p, decode_deliveries, out);
}

int
webhooks_redeliver(struct db *db, const char *tid, const char *id,
                   const char *d, struct webhook *out)
{
	const char *p[3] = {tid, id, d};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_redeliver, p, decode_one, out);
}

static void
decode_claims(const PGresult *r, void *out, struct arena *a)
{
	struct delivery_claims *l = out;

	l->n = db_rows(r);
	l->items = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->items));
	for (int i = 0; i < l->n; i++) {
		struct delivery_claim *c = &l->items[i];

		uuid_parse(db_value(r, i, 0), &c->id);
		uuid_parse(db_value(r, i, 1), &c->webhook);
		c->attempts = (int)db_int(r, i, 2);
		c->first_ms = db_int(r, i, 3);
		c->url = db_str(r, i, 4, a);
		c->secret = db_str(r, i, 5, a);
		c->owner_perms = db_str(r, i, 6, a);
		c->type = db_str(r, i, 7, a);
		c->object_type = db_str(r, i, 8, a);
		c->msg_id = db_str(r, i, 9, a);
		c->body = db_str(r, i, 10, a);
	}
}

int
webhooks_claim(struct db *db, const struct uuid *t, int want, int lease_ms,
               struct delivery_claims *out)
{
	char tid[UUID_STR_LEN + 1], w[16], l[16];
	const char *p[3] = {tid, w, l};

	memset(out, 0, sizeof(*out));
	uuid_format(t, tid);
	snprintf(w, sizeof(w), "%d", want);
	snprintf(l, sizeof(l), "%d", lease_ms);
	db_begin(db, t);
	if (db_queue_into(db, &st_claim, p, decode_claims, out) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK)
		return -1;
	return out->n;
}

static const char *const outcome_names[] = {"delivered", "pending", "failed",
                                            "skipped"};

int
webhooks_finish(struct db *db, const struct uuid *t,
                const struct delivery_claim *c, enum delivery_outcome o,
                long long next_ms, int code, const char *error, int ms)
{
	char tid[UUID_STR_LEN + 1], id[UUID_STR_LEN + 1], wid[UUID_STR_LEN + 1];
	char next[24] = "", cs[16], mss[16];
	const char *p[7] = {tid, id, outcome_names[o], next, cs, error, mss};

	uuid_format(t, tid);
	uuid_format(&c->id, id);
	uuid_format(&c->webhook, wid);
	if (o == DELIVERY_RETRY)
		snprintf(next, sizeof(next), "%lld", next_ms);
	snprintf(cs, sizeof(cs), "%d", code);
	snprintf(mss, sizeof(mss), "%d", ms);
	db_begin(db, t);
	db_queue(db, &st_finish, p);
	if (o == DELIVERY_FAILED) {
		const char *reason = "deliveries kept failing for the whole "
		                     "retry window";
		const char *dp[3] = {tid, wid, reason};

		db_queue(db, &st_disable, dp);
		audit_queue_system(db, t, "webhook.disabled", "webhook", wid,
		                   "{\"reason\":\"retries exhausted\"}");
	}
	if (db_commit(db) < 0 || db_sync(db) != DB_OK)
		return -1;
	return 0;
}

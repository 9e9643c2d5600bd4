/*
 * audit.c - audit events and their hash chain.
 */
#include "data/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "data/db.h"
#include "sec/crypto.h"

#define VERIFY_BATCH 2000
/* One verification batch's results and canonical forms (2000 links). */
#define WALK_ARENA_CHUNK (256 * 1024)
#define WALK_ARENA_CAP (64UL * 1024 * 1024)

static struct db_stmt st_insert = DB_STMT(
    "audit_insert",
    "INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, "
    "target_type, target_id, outcome, request_id, client_addr, details) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)",
    10);

/* The columns of an event that are hashed, in canonical order. */
#define EVENT_FIELDS                                                           \
	"e.seq, (extract(epoch FROM e.at) * 1000000)::bigint, e.actor_type, "  \
	"e.actor_id, e.action, e.target_type, e.target_id, e.outcome, "        \
	"e.request_id, e.client_addr, e.details::text"

static struct db_stmt st_seal_lock = DB_STMT(
    "audit_seal_lock",
    "SELECT pg_try_advisory_xact_lock(hashtextextended('audit-seal:' || "
    "$1::text, 0))",
    1);
/* The last link, and the highest seq sealed or purged: two index probes
 * (audit_links_seq; audit_links_purged, 008), not a scan of the chain. */
static struct db_stmt st_head = DB_STMT(
    "audit_head",
    "SELECT link_no, encode(hash, 'hex'), greatest((SELECT max(seq) FROM "
    "audit_links WHERE tenant_id = $1), (SELECT max(purged_through) FROM "
    "audit_links WHERE tenant_id = $1 AND kind = 'purge')) FROM "
    "audit_links WHERE tenant_id = $1 ORDER BY link_no DESC LIMIT 1",
    1);
static struct db_stmt st_unsealed = DB_STMT(
    "audit_unsealed",
    "SELECT " EVENT_FIELDS " FROM audit_events e WHERE e.tenant_id = $1 "
    "AND e.seq > $2::bigint AND e.at < now() - $3 * interval '1 second' "
    "ORDER BY e.seq LIMIT 1000", /* AUDIT_SEAL_BATCH */
    3);
/* Each link through the event it seals (the sealer has just read it):
 * Citus then runs the INSERT ... SELECT on the tenant's shard; from
 * unnest() alone it would COPY through the coordinator, which forced RLS
 * refuses. */
static struct db_stmt st_links = DB_STMT(
    "audit_links_insert",
    "INSERT INTO audit_links (tenant_id, link_no, kind, seq, prev_hash, "
    "hash) SELECT e.tenant_id, u.n, 'event', u.s, decode(u.p, 'hex'), "
    "decode(u.h, 'hex') FROM audit_events e JOIN unnest($2::bigint[], "
    "$3::bigint[], $4::text[], $5::text[]) AS u(n, s, p, h) ON e.seq = u.s "
    "WHERE e.tenant_id = $1",
    5);
static struct db_stmt st_anchors = DB_STMT(
    "audit_anchors",
    "SELECT encode(anchor, 'hex'), purged_through, purged_count FROM "
    "audit_links WHERE tenant_id = $1 AND kind = 'purge' ORDER BY link_no",
    1);
static struct db_stmt st_walk = DB_STMT(
    "audit_walk",
    "SELECT l.link_no, l.kind, l.seq, encode(l.prev_hash, 'hex'), "
    "encode(l.hash, 'hex'), encode(l.anchor, 'hex'), l.purged_through, "
    "l.purged_count, e.seq IS NOT NULL, " EVENT_FIELDS
    " FROM audit_links l LEFT JOIN audit_events e ON e.tenant_id = "
    "l.tenant_id AND e.seq = l.seq WHERE l.tenant_id = $1 AND l.link_no > "
    "$2::bigint ORDER BY l.link_no LIMIT 2000",
    2);
static struct db_stmt st_inserted = DB_STMT(
    "audit_inserted",
    "SELECT min(e.seq) FROM audit_events e WHERE e.tenant_id = $1 AND "
    "e.seq <= $2::bigint AND e.seq > $3::bigint AND NOT EXISTS (SELECT 1 "
    "FROM audit_links l WHERE l.tenant_id = $1 AND l.seq = e.seq)",
    3);
/* Tenants with events due for sealing, from after on (audit_due_tenants,
 * sql/008_audit_sealer.sql). */
static struct db_stmt st_due =
    DB_STMT("audit_due_tenants",
            "SELECT tenant_id, due FROM audit_due_tenants($1::uuid, $2::int, "
            "$3::int, $4::int)",
            4);
static struct db_stmt st_pending =
    DB_STMT("audit_pending",
            "SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND seq > "
            "$2::bigint",
            2);

static const char *const outcomes[] = {"success", "failure", "denied"};

void
audit_event_params(const struct audit_event *e,
                   const char *out[AUDIT_EVENT_NPARAMS])
{
	out[0] = e->actor_type;
	out[1] = e->actor_id ? e->actor_id : "";
	out[2] = e->action;
	out[3] = e->target_type ? e->target_type : "";
	out[4] = e->target_id ? e->target_id : "";
	out[5] = outcomes[e->outcome];
	out[6] = e->request_id ? e->request_id : "";
	out[7] = e->client_addr ? e->client_addr : "";
	out[8] = e->details ? e->details : "{}";
}

int
audit_queue_event(struct db *db, const struct audit_event *e)
{
	const char *params[1 + AUDIT_EVENT_NPARAMS] = {e->tenant_id};

	audit_event_params(e, params + 1);
	metrics_add(M_AUDIT_EVENTS, 1);
	return db_queue(db, &st_insert, params);
}

int
audit_queue_system(struct db *db, const struct uuid *tenant, const char *action,
                   const char *target_type, const char *target_id,
                   const char *details)
{
	char tid[UUID_STR_LEN + 1];
	struct audit_event e = {
	    .tenant_id = tid,
	    .actor_type = "system",
	    .action = action,
	    .target_type = target_type,
	    .target_id = target_id,
	    .outcome = AUDIT_SUCCESS,
	    .details = details,
	};

	uuid_format(tenant, tid);
	return audit_queue_event(db, &e);
}

const char *
audit_canonical(struct arena *a, const char *const fields[11])
{
	struct buf b;

	buf_init(&b, a, 256, 8 * 1024 * 1024);
	for (int i = 0; i < 11; i++)
		buf_printf(&b, "%zu:%s;", strlen(fields[i]), fields[i]);
	return buf_cstr(&b);
}

int
audit_link_hash(const unsigned char prev[32], const char *canonical,
                unsigned char out[32])
{
	size_t n = strlen(canonical);
	unsigned char *buf = malloc(32 + n);
	int rc;

	if (buf == NULL)
		return -1;
	memcpy(buf, prev, 32);
	memcpy(buf + 32, canonical, n);
	rc = crypto_sha256(buf, 32 + n, out);
	free(buf);
	return rc;
}

static const char *
row_fields(const PGresult *r, int row, int first, const char *out[11])
{
	for (int i = 0; i < 11; i++)
		out[i] = db_value(r, row, first + i);
	return out[0];
}

/* "{a,b,...}" of n texts produced by fn. */
static void
array_add(struct buf *b, const char *v, bool first)
{
	buf_puts(b, first ? "{" : ",");
	buf_puts(b, v);
}

/* A statement that could not be queued (the queue is full): logged and
 * counted, never read.  Returns -1. */
static int
not_queued(const char *what)
{
	log_error("audit: cannot queue %s", what);
	metrics_add(M_DB_ERRORS, 1);
	return -1;
}

/* The tenant's last link: its number, hash and the highest seq sealed or
 * purged (last, "0" when none).  r is the audit_head result. */
static void
seal_head(const PGresult *r, long long *link_no, unsigned char prev[32],
          char last[24])
{
	snprintf(last, 24, "0");
	if (PQntuples(r) != 1)
		return;
	*link_no = strtoll(db_value(r, 0, 0), NULL, 10);
	hex_decode(db_value(r, 0, 1), prev, 32);
	if (!db_is_null(r, 0, 2))
		snprintf(last, 24, "%s", db_value(r, 0, 2));
}

/* Chains the rows of r (audit_unsealed) after link_no / prev and queues
 * their links.  Returns the handle of the insert, or -1. */
static int
seal_rows(struct db *db, struct arena *a, const char *tid, const PGresult *r,
          long long link_no, unsigned char prev[32])
{
	int rows = PQntuples(r);
	struct buf n, s, pv, h;

	buf_init(&n, a, 1024, 64 * 1024);
	buf_init(&s, a, 1024, 64 * 1024);
	buf_init(&pv, a, 1024, 256 * 1024);
	buf_init(&h, a, 1024, 256 * 1024);
	for (int i = 0; i < rows; i++) {
		const char *f[11];
		unsigned char next[32];
		char hex[65];

		row_fields(r, i, 0, f);
		if (audit_link_hash(prev, audit_canonical(a, f), next) < 0)
			return -1;
		array_add(&n, arena_printf(a, "%lld", ++link_no), i == 0);
		array_add(&s, f[0], i == 0);
		hex_encode(prev, 32, hex);
		array_add(&pv, hex, i == 0);
		hex_encode(next, 32, hex);
		array_add(&h, hex, i == 0);
		memcpy(prev, next, 32);
	}
	buf_putc(&n, '}');
	buf_putc(&s, '}');
	buf_putc(&pv, '}');
	buf_putc(&h, '}');
	{
		const char *p5[5] = {tid, buf_cstr(&n), buf_cstr(&s),
		                     buf_cstr(&pv), buf_cstr(&h)};

		return db_queue(db, &st_links, p5);
	}
}

/* Ends the transaction; returns rc, or -1 when the COMMIT fails. */
static int
seal_commit(struct db *db, int rc)
{
	if (db_commit(db) < 0)
		return not_queued("commit");
	return db_sync(db) == 0 ? rc : -1;
}

int
audit_seal(struct db *db, struct arena *a, const struct uuid *tenant,
           int horizon_s)
{
	char tid[UUID_STR_LEN + 1], horizon[16], last[24];
	const char *p1[1] = {tid};
	unsigned char prev[32] = {0};
	long long link_no = 0;
	int hl, hh, hu, rows;
	PGresult *r;

	/* Every handle is checked before its result is read: a statement
	 * that was never queued (a full queue) has no result, and db_sync
	 * does not fail for it (it was never sent). */
	uuid_format(tenant, tid);
	snprintf(horizon, sizeof(horizon), "%d", horizon_s);
	db_begin(db, tenant);
	hl = db_queue(db, &st_seal_lock, p1);
	hh = db_queue(db, &st_head, p1);
	if (hl < 0 || hh < 0)
		return not_queued("the seal lock");
	if (db_sync(db) != 0)
		return -1;
	r = db_result(db, hl);
	if (r == NULL || PQntuples(r) != 1 || db_value(r, 0, 0)[0] != 't')
		return seal_commit(db, 0); /* another sealer has the tenant */
	seal_head(db_result(db, hh), &link_no, prev, last);
	{
		const char *p3[3] = {tid, last, horizon};

		hu = db_queue(db, &st_unsealed, p3);
	}
	if (hu < 0)
		return not_queued("the unsealed events");
	if (db_sync(db) != 0 || (r = db_result(db, hu)) == NULL)
		return -1;
	rows = PQntuples(r);
	if (rows == 0)
		return seal_commit(db, 0);
	if (seal_rows(db, a, tid, r, link_no, prev) < 0)
		return not_queued("the links");
	if (seal_commit(db, rows) < 0)
		return -1;
	metrics_add(M_AUDIT_SEALED, (uint64_t)rows);
	return rows;
}

int
audit_due_tenants(struct db *db, const struct uuid *after, int horizon_s,
                  int want, int scan, struct uuid *out, int *nout,
                  struct uuid *cursor)
{
	char a[UUID_STR_LEN + 1], hz[16], w[16], sc[16];
	const char *p[4] = {a, hz, w, sc};
	PGresult *r;
	int h, rows;

	uuid_format(after, a);
	snprintf(hz, sizeof(hz), "%d", horizon_s);
	snprintf(w, sizeof(w), "%d", want);
	snprintf(sc, sizeof(sc), "%d", scan);
	*nout = 0;
	memset(cursor, 0, sizeof(*cursor));
	h = db_queue_in_block(db, &st_due, p, NULL, NULL);
	if (h < 0)
		return not_queued("the due tenants");
	if (db_sync(db) != 0 || (r = db_result(db, h)) == NULL)
		return -1;
	rows = PQntuples(r);
	for (int i = 0; i < rows; i++) {
		struct uuid t;

		if (uuid_parse(db_value(r, i, 0), &t) < 0)
			continue;
		*cursor = t; /* rows come in tenant id order */
		if (db_value(r, i, 1)[0] == 't' && *nout < want)
			out[(*nout)++] = t;
	}
	return rows;
}

/* Checks one link; returns 0, or -1 with out's broken fields set. */
static int
check_link(struct arena *a, const PGresult *r, int i, unsigned char prev[32],
           struct audit_report *out)
{
	unsigned char stored_prev[32], stored[32], want[32];
	const char *kind = db_value(r, i, 1);
	long long seq = strtoll(db_value(r, i, 2), NULL, 10);

	if (hex_decode(db_value(r, i, 3), stored_prev, 32) < 0 ||
	    hex_decode(db_value(r, i, 4), stored, 32) < 0 ||
	    !crypto_equal(stored_prev, prev, 32)) {
		out->reason = "a link does not follow its predecessor";
		out->broken_at = seq;
		return -1;
	}
	if (strcmp(kind, "purge") == 0) {
		const char *c =
		    arena_printf(a, "purge;%s;%s;%s", db_value(r, i, 5),
		                 db_value(r, i, 6), db_value(r, i, 7));

		audit_link_hash(prev, c, want);
	} else {
		const char *f[11];

		if (db_value(r, i, 8)[0] != 't') {
			out->reason = "a sealed event is missing";
			out->broken_at = seq;
			return -1;
		}
		row_fields(r, i, 9, f);
		audit_link_hash(prev, audit_canonical(a, f), want);
	}
	if (!crypto_equal(want, stored, 32)) {
		out->reason = "an event or link was altered";
		out->broken_at = seq;
		return -1;
	}
	memcpy(prev, stored, 32);
	return 0;
}

/* The hash the remaining chain starts from: zeros, or the anchor of the
 * latest purge.  Returns 0 or -1. */
static int
chain_start(struct db *db, const char *tid, unsigned char start[32],
            struct audit_report *out)
{
	const char *p[1] = {tid};
	int h = db_queue(db, &st_anchors, p);
	PGresult *r;
	int n;

	memset(start, 0, 32);
	if (h < 0 || db_sync(db) != 0)
		return -1;
	r = db_result(db, h);
	n = PQntuples(r);
	if (n > 0) {
		hex_decode(db_value(r, n - 1, 0), start, 32);
		out->purged_through = strtoll(db_value(r, n - 1, 1), NULL, 10);
		out->purged_count = strtoll(db_value(r, n - 1, 2), NULL, 10);
	}
	return 0;
}

/* The arena one verification batch lives in: allocated once per process,
 * reset after every batch, so a chain of any length is walked in bounded
 * memory. */
static struct arena *
walk_arena(void)
{
	static struct arena *w;

	if (w == NULL)
		w = arena_new(WALK_ARENA_CHUNK, WALK_ARENA_CAP);
	return w;
}

/* Checks one batch of up to VERIFY_BATCH links after link number after
 * (updated), in the open transaction.  Returns the number of links read,
 * or -1.  Its results and canonical forms live in the walk arena w. */
static int
verify_batch(struct db *db, struct arena *w, const char *tid, char after[24],
             unsigned char prev[32], char maxseq[24], struct audit_report *out)
{
	const char *p[2] = {tid, after};
	PGresult *r;
	int h, rows;

	db_rebind(db, w);
	h = db_queue(db, &st_walk, p);
	if (h < 0)
		return not_queued("the chain walk");
	if (db_sync(db) != 0 || (r = db_result(db, h)) == NULL)
		return -1;
	rows = PQntuples(r);
	for (int i = 0; i < rows && out->valid; i++) {
		if (check_link(w, r, i, prev, out) < 0)
			out->valid = false;
		else if (strcmp(db_value(r, i, 1), "event") == 0)
			snprintf(maxseq, 24, "%s", db_value(r, i, 2));
		out->events++;
	}
	if (rows > 0)
		snprintf(after, 24, "%s", db_value(r, rows - 1, 0));
	return rows;
}

/* After the walk: no unlinked event inside the sealed range, and how many
 * wait for the sealer.  Returns 0 or -1; ends the transaction. */
static int
verify_tail(struct db *db, const char *tid, const char *maxseq,
            struct audit_report *out)
{
	char floor_[24];
	const char *p3[3] = {tid, maxseq, floor_};
	const char *p2[2] = {tid, maxseq};
	PGresult *r;
	int hi = -1, hp;

	snprintf(floor_, sizeof(floor_), "%lld", out->purged_through);
	if (out->valid && (hi = db_queue(db, &st_inserted, p3)) < 0)
		return not_queued("the inserted-event check");
	hp = db_queue(db, &st_pending, p2);
	if (hp < 0 || db_commit(db) < 0)
		return not_queued("the pending count");
	if (db_sync(db) != 0)
		return -1;
	if (hi >= 0 && (r = db_result(db, hi)) != NULL &&
	    !db_is_null(r, 0, 0)) {
		/* An event slipped into the sealed range afterwards. */
		out->valid = false;
		out->broken_at = strtoll(db_value(r, 0, 0), NULL, 10);
		out->reason = "an event was inserted into the sealed chain";
	}
	if ((r = db_result(db, hp)) == NULL)
		return -1;
	out->unsealed = strtoll(db_value(r, 0, 0), NULL, 10);
	return 0;
}

int
audit_verify(struct db *db, struct arena *a, const struct uuid *tenant,
             struct audit_report *out)
{
	char tid[UUID_STR_LEN + 1], after[24] = "0", maxseq[24] = "0";
	struct arena *w = walk_arena();
	unsigned char prev[32];
	int rows, rc = 0;

	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->broken_at = -1;
	uuid_format(tenant, tid);
	/* One transaction (one snapshot) for the whole walk, in batches
	 * whose results are released as soon as they are checked: memory
	 * and the statement queue stay bounded whatever the chain's length
	 * (the queue once filled up near 80,000 events: 503). */
	db_begin(db, tenant);
	if (chain_start(db, tid, prev, out) < 0)
		return -1;
	do {
		rows = verify_batch(db, w, tid, after, prev, maxseq, out);
		arena_reset(w);
	} while (rows == VERIFY_BATCH && out->valid);
	db_rebind(db, a);
	if (rows < 0)
		return -1;
	if (out->events > 0)
		hex_encode(prev, 32, out->head);
	rc = verify_tail(db, tid, maxseq, out);
	return rc;
}

static struct db_stmt st_purge_range = DB_STMT(
    "audit_purge_range",
    "SELECT max(l.link_no), max(l.seq), count(*) FROM audit_links l JOIN "
    "audit_events e ON e.tenant_id = l.tenant_id AND e.seq = l.seq WHERE "
    "l.tenant_id = $1 AND l.kind = 'event' AND e.at < now() - $2 * "
    "interval '1 day'",
    2);
static struct db_stmt st_purge_anchor = DB_STMT(
    "audit_purge_anchor",
    "SELECT encode(hash, 'hex') FROM audit_links WHERE tenant_id = $1 AND "
    "link_no = $2::bigint",
    2);
static struct db_stmt st_purge_events = DB_STMT(
    "audit_purge_events",
    "DELETE FROM audit_events WHERE tenant_id = $1 AND seq <= $2::bigint", 2);
static struct db_stmt st_purge_links =
    DB_STMT("audit_purge_links",
            "DELETE FROM audit_links WHERE tenant_id = $1 AND link_no <= "
            "$2::bigint",
            2);
static struct db_stmt st_purge_link = DB_STMT(
    "audit_purge_link",
    "INSERT INTO audit_links (tenant_id, link_no, kind, prev_hash, hash, "
    "anchor, purged_through, purged_count) VALUES ($1, $2, 'purge', "
    "decode($3, 'hex'), decode($4, 'hex'), decode($5, 'hex'), $6, $7)",
    7);

long long
audit_purge(struct db *db, struct arena *a, const struct uuid *tenant, int days)
{
	char tid[UUID_STR_LEN + 1], d[16], prevhex[65], nexthex[65];
	unsigned char prev[32] = {0}, next[32];
	const char *p1[1] = {tid};
	long long head = 0, count;
	PGresult *r;
	int hh, hr, ha;

	/* Seal what is due first: only sealed events are purged. */
	uuid_format(tenant, tid);
	if (audit_seal(db, a, tenant, 0) < 0)
		return -1;
	snprintf(d, sizeof(d), "%d", days);
	db_begin(db, tenant);
	db_queue(db, &st_seal_lock, p1);
	hh = db_queue(db, &st_head, p1);
	{
		const char *p2[2] = {tid, d};

		hr = db_queue(db, &st_purge_range, p2);
	}
	if (db_sync(db) != 0)
		return -1;
	r = db_result(db, hr);
	count = strtoll(db_value(r, 0, 2), NULL, 10);
	if (count == 0) {
		db_commit(db);
		return db_sync(db) == 0 ? 0 : -1;
	}
	{
		const char *last_link = arena_strdup(a, db_value(r, 0, 0));
		const char *through = arena_strdup(a, db_value(r, 0, 1));
		const char *p2[2] = {tid, last_link};
		const char *anchor, *c;

		r = db_result(db, hh);
		head = strtoll(db_value(r, 0, 0), NULL, 10);
		hex_decode(db_value(r, 0, 1), prev, 32);
		ha = db_queue(db, &st_purge_anchor, p2);
		if (db_sync(db) != 0)
			return -1;
		anchor = arena_strdup(a, db_value(db_result(db, ha), 0, 0));
		c = arena_printf(a, "purge;%s;%s;%lld", anchor, through, count);
		audit_link_hash(prev, c, next);
		hex_encode(prev, 32, prevhex);
		hex_encode(next, 32, nexthex);
		{
			const char *pe[2] = {tid, through};
			const char *pl[2] = {tid, last_link};
			const char *pp[7] = {tid,
			                     arena_printf(a, "%lld", head + 1),
			                     prevhex,
			                     nexthex,
			                     anchor,
			                     through,
			                     arena_printf(a, "%lld", count)};

			db_queue(db, &st_purge_events, pe);
			db_queue(db, &st_purge_links, pl);
			db_queue(db, &st_purge_link, pp);
		}
	}
	db_commit(db);
	if (db_sync(db) != 0)
		return -1;
	log_info("audit purge: %lld events", count);
	return count;
}

/* GET /v1/audit: the event as JSON, in the order of its keys. */
#define EVENT_JSON                                                             \
	"json_build_object('seq', e.seq, 'at', ts(e.at), 'actor', "            \
	"json_build_object('type', e.actor_type, 'id', NULLIF(e.actor_id, "    \
	"'')), 'action', e.action, 'target', json_build_object('type', "       \
	"NULLIF(e.target_type, ''), 'id', NULLIF(e.target_id, '')), "          \
	"'outcome', e.outcome, 'request_id', e.request_id, 'client_addr', "    \
	"e.client_addr, 'details', e.details)"

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
audit_list_page(struct db *db, struct arena *a, const struct audit_query *q,
                struct audit_page *out)
{
	const char *params[8];
	struct buf sql;
	int n = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&sql, a, 1024, 8192);
	params[n++] = q->tid;
	buf_puts(&sql, "SELECT e.seq, " EVENT_JSON " FROM audit_events e WHERE "
	               "e.tenant_id = $1");
	if (q->actor != NULL) {
		params[n++] = q->actor;
		buf_printf(&sql, " AND e.actor_id = $%d", n);
	}
	if (q->action != NULL) {
		size_t len = strlen(q->action);

		/* "record." names every record.* action. */
		params[n++] = q->action;
		if (len > 0 && q->action[len - 1] == '.')
			buf_printf(&sql,
			           " AND e.action LIKE replace(replace($%d, "
			           "'%%', ''), '_', '\\_') || '%%'",
			           n);
		else
			buf_printf(&sql, " AND e.action = $%d", n);
	}
	if (q->since != NULL) {
		params[n++] = q->since;
		buf_printf(&sql, " AND e.at >= $%d::timestamptz", n);
	}
	if (q->until != NULL) {
		params[n++] = q->until;
		buf_printf(&sql, " AND e.at < $%d::timestamptz", n);
	}
	if (q->before_seq != NULL) {
		params[n++] = q->before_seq;
		buf_printf(&sql, " AND e.seq < $%d::bigint", n);
	}
	params[n++] = q->fetch;
	buf_printf(&sql, " ORDER BY e.seq DESC LIMIT $%d", n);
	return db_queue_text_into(db, buf_cstr(&sql), n, params, decode_events,
	                          out);
}

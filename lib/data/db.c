/*
 * db.c - one connection per worker, pipeline mode, lazy prepares.
 */
#include "data/db.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/fnv.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/uuid.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000

void
db_init(struct db *db, const char *conninfo)
{
	memset(db, 0, sizeof(*db));
	db->conninfo = conninfo;
	db->backoff_ms = BACKOFF_MIN_MS;
	/* Prepared, so that PostgreSQL does not parse them on every request. */
	db->begin_stmt = (struct db_stmt)DB_STMT("begin", "BEGIN", 0);
	db->commit_stmt = (struct db_stmt)DB_STMT("commit", "COMMIT", 0);
	db->begin_snapshot_stmt = (struct db_stmt)DB_STMT(
	    "begin_snapshot", "BEGIN ISOLATION LEVEL REPEATABLE READ", 0);
	db->set_tenant_stmt = (struct db_stmt)DB_STMT(
	    "set_tenant", "SELECT set_config('strata.tenant_id', $1, true)", 1);
}

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
}

static void
quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void
lost(struct db *db)
{
	log_warn("database connection lost");
	db_close(db);
	db->read_only_seen = false;
	db->retry_at_ms = clock_mono_ms(); /* first retry at once */
	db->backoff_ms = BACKOFF_MIN_MS;
}

/* Whether the plan cache query above found Citus. */
static void
decode_citus(const PGresult *r, void *out, struct arena *a)
{
	struct db *db = out;

	(void)a;
	db->citus = db_rows(r) == 1 && strcmp(db_value(r, 0, 0), "t") == 0;
}

static int
connect_now(struct db *db)
{
	int i;

	db->conn = PQconnectdb(db->conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warn("database connection failed");
		db_close(db);
		db->retry_at_ms = clock_mono_ms() + db->backoff_ms;
		db->backoff_ms *= 2;
		if (db->backoff_ms > BACKOFF_MAX_MS)
			db->backoff_ms = BACKOFF_MAX_MS;
		return -1;
	}
	PQsetNoticeProcessor(db->conn, quiet_notice, NULL);
	if (PQenterPipelineMode(db->conn) != 1) {
		db_close(db);
		return -1;
	}
	db->gen++;
	if (db->gen == 0)
		db->gen = 1;
	db->backoff_ms = BACKOFF_MIN_MS;
	db->nq = db->done = 0;
	db->queue_failed = NULL;
	/* Cache invalidations arrive on this channel (DESIGN.md, caches). */
	db_queue_sql(db, "LISTEN strata_cache");
	/* Every statement names tenant_id, and the big tables are hash
	 * partitioned on it.  The default plan cache keeps planning such
	 * statements afresh (a custom plan prunes partitions at plan time,
	 * so the generic plan always looks dearer), which costs several
	 * times the execution.  Generic plans prune at executor start.
	 * Not on a Citus coordinator: Citus plans some statements only with
	 * their parameters' values (an INSERT ... SELECT, a subquery in an
	 * UPDATE) and steers the default plan cache to custom plans for those
	 * alone, which forcing generic plans turns into errors
	 * (docs/scale-out.md). */
	i = db_queue_sql(db, "SELECT set_config('plan_cache_mode', CASE WHEN "
	                     "EXISTS (SELECT 1 FROM pg_extension WHERE extname "
	                     "= 'citus') THEN 'auto' ELSE 'force_generic_plan' "
	                     "END, false) = 'auto'");
	if (i >= 0) {
		db->q[i].decode = decode_citus;
		db->q[i].out = db;
	}
	/* One tenant's expensive query must not hold a worker for long. */
	if (db->statement_timeout_ms > 0) {
		char sql[64];

		snprintf(sql, sizeof(sql), "SET statement_timeout = %d",
		         db->statement_timeout_ms);
		db_queue_sql(db, sql);
		/* Bounds how long a transaction can stay open, which the
		 * audit sealer's horizon relies on. */
		snprintf(sql, sizeof(sql),
		         "SET idle_in_transaction_session_timeout = %d",
		         db->statement_timeout_ms * 2);
		db_queue_sql(db, sql);
	}
	if (db_sync(db) != 0) {
		db_close(db);
		return -1;
	}
	if (db->on_reconnect != NULL)
		db->on_reconnect();
	log_info("database connected");
	return 0;
}

static void
read_notifies(struct db *db)
{
	PGnotify *n;

	while ((n = PQnotifies(db->conn)) != NULL) {
		if (db->on_notify != NULL)
			db->on_notify(n->relname, n->extra);
		PQfreemem(n);
	}
}

/* A connection left busy by an earlier request (a programming error, or
 * a request cut short) is brought back to idle, or dropped. */
static void
reset_if_busy(struct db *db)
{
	PGTransactionStatusType ts = PQtransactionStatus(db->conn);

	if (ts == PQTRANS_IDLE && db->nq == db->done)
		return;
	db->resets++;
	metrics_add(M_DB_RESETS, 1);
	log_warn("database connection not idle at request start; reset");
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
		db->nq = db->done = 0;
		db->queue_failed = NULL;
		if (db_queue_sql(db, "ROLLBACK") >= 0 && db_sync(db) == DB_OK &&
		    PQtransactionStatus(db->conn) == PQTRANS_IDLE)
			return;
	}
	/* Results not read, or the rollback failed: start afresh. */
	if (db->conn != NULL)
		lost(db);
}

/* True when the server has closed the connection.  Read twice: a session
 * the server ended while this worker was idle (a restart) leaves its last
 * message and then end-of-file, and one read stops after the message; the
 * second finds the end, so the request gets a fresh connection instead of
 * a failure. */
static bool
peer_gone(PGconn *c)
{
	struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};

	/* Nothing has arrived since the last request (the usual case): one
	 * poll instead of two reads that would both find nothing.  What an
	 * earlier read left unparsed in libpq's buffer (a notification that
	 * came right behind the last result) is parsed all the same, by
	 * PQisBusy, which reads nothing.  Over TLS OpenSSL may hold bytes
	 * the socket no longer shows, so there it reads. */
	if (p.fd >= 0 && !PQsslInUse(c) && poll(&p, 1, 0) == 0) {
		(void)PQisBusy(c);
		return PQstatus(c) != CONNECTION_OK;
	}
	for (int i = 0; i < 2; i++)
		if (PQconsumeInput(c) == 0)
			return true;
	return PQstatus(c) != CONNECTION_OK;
}

int
db_ready(struct db *db, struct arena *a)
{
	db->arena = a;
	db->q = NULL;
	db->cap = 0;
	db->trips = 0;
	db->ms = 0;
	db->sqlstate[0] = '\0';
	if (db->conn != NULL) {
		if (peer_gone(db->conn) || db->read_only_seen)
			lost(db);
		else
			read_notifies(db);
	}
	if (db->conn != NULL)
		reset_if_busy(db);
	db->stale_session = false;
	db->nq = db->done = 0;
	db->queue_failed = NULL;
	db->sqlstate[0] = '\0';
	if (db->conn == NULL) {
		if (clock_mono_ms() < db->retry_at_ms)
			return DB_UNAVAILABLE;
		if (connect_now(db) < 0)
			return DB_UNAVAILABLE;
		db->trips = 0;
	}
	return DB_OK;
}

/* Says loudly that name could not be queued; the round trip fails. */
static int
queue_failed(struct db *db, const char *name)
{
	if (db->queue_failed == NULL)
		db->queue_failed = name ? name : "(unnamed)";
	db->queue_failures++;
	metrics_add(M_DB_QUEUE_FAILURES, 1);
	log_error("statement could not be queued: %s",
	          name ? name : "(unnamed)");
	return -1;
}

/* Room for n more slots: the queue doubles in the arena. */
static int
reserve(struct db *db, int n)
{
	struct db_slot *q;
	int cap;

	if (db->nq + n <= db->cap)
		return 0;
	if (db->nq + n > DB_QUEUE_MAX || db->arena == NULL)
		return -1;
	cap = db->cap ? db->cap * 2 : DB_QUEUE_INITIAL;
	while (cap < db->nq + n)
		cap *= 2;
	if (cap > DB_QUEUE_MAX)
		cap = DB_QUEUE_MAX;
	q = arena_alloc(db->arena, (size_t)cap * sizeof(*q));
	if (db->nq > 0)
		memcpy(q, db->q, (size_t)db->nq * sizeof(*q));
	db->q = q;
	db->cap = cap;
	return 0;
}

static int
slot(struct db *db, struct db_stmt *st, const char *name, bool is_prepare)
{
	struct db_slot *s = &db->q[db->nq];

	s->stmt = st;
	s->dyn = NULL;
	s->name = name;
	s->is_prepare = is_prepare;
	s->res = NULL;
	s->decode = NULL;
	s->out = NULL;
	return db->nq++;
}

int
db_queue_into(struct db *db, struct db_stmt *st, const char *const *params,
              db_decode_fn *decode, void *out)
{
	int h;

	if (db->conn == NULL || reserve(db, 2) < 0)
		return queue_failed(db, st->name);
	if (st->prepared_gen != db->gen) {
		if (PQsendPrepare(db->conn, st->name, st->sql, st->nparams,
		                  NULL) != 1)
			return queue_failed(db, st->name);
		slot(db, st, st->name, true);
		st->prepared_gen = db->gen;
	}
	if (PQsendQueryPrepared(db->conn, st->name, st->nparams, params, NULL,
	                        NULL, 0) != 1)
		return queue_failed(db, st->name);
	h = slot(db, st, st->name, false);
	db->q[h].decode = decode;
	db->q[h].out = out;
	return h;
}

int
db_queue(struct db *db, struct db_stmt *st, const char *const *params)
{
	return db_queue_into(db, st, params, NULL, NULL);
}

int
db_queue_in_block(struct db *db, struct db_stmt *st, const char *const *params,
                  db_decode_fn *decode, void *out)
{
	int h;

	if (db_queue(db, &db->begin_stmt, NULL) < 0)
		return -1;
	h = db_queue_into(db, st, params, decode, out);
	if (h < 0 || db_commit(db) < 0)
		return -1;
	return h;
}

int
db_queue_text_into(struct db *db, const char *sql, int nparams,
                   const char *const *params, db_decode_fn *decode, void *out)
{
	unsigned long long h = fnv_64_str(sql);
	struct db_dynamic *d = &db->dynamic[h % DB_DYNAMIC_MAX];
	char name[32];
	int i;

	if (db->conn == NULL || reserve(db, 2) < 0)
		return queue_failed(db, "dynamic");
	/* A slot taken by another text (rare): run this one unprepared. */
	if (d->hash != 0 && d->hash != h && d->gen == db->gen) {
		if (PQsendQueryParams(db->conn, sql, nparams, NULL, params,
		                      NULL, NULL, 0) != 1)
			return queue_failed(db, "dynamic");
		i = slot(db, NULL, "dynamic", false);
		goto queued;
	}
	snprintf(name, sizeof(name), "dyn_%016llx", h);
	if (d->hash != h || d->gen != db->gen) {
		if (PQsendPrepare(db->conn, name, sql, nparams, NULL) != 1)
			return queue_failed(db, "dynamic");
		d->hash = h;
		d->gen = db->gen;
		db->q[slot(db, NULL, "dynamic", true)].dyn = d;
	}
	if (PQsendQueryPrepared(db->conn, name, nparams, params, NULL, NULL,
	                        0) != 1)
		return queue_failed(db, "dynamic");
	i = slot(db, NULL, "dynamic", false);
queued:
	db->q[i].decode = decode;
	db->q[i].out = out;
	return i;
}

int
db_queue_text(struct db *db, const char *sql, int nparams,
              const char *const *params)
{
	return db_queue_text_into(db, sql, nparams, params, NULL, NULL);
}

int
db_queue_sql(struct db *db, const char *sql)
{
	if (db->conn == NULL || reserve(db, 1) < 0 ||
	    PQsendQueryParams(db->conn, sql, 0, NULL, NULL, NULL, NULL, 0) != 1)
		return queue_failed(db, sql);
	return slot(db, NULL, sql, false);
}

static void
begin_tenant(struct db *db, struct db_stmt *begin, const struct uuid *tenant)
{
	/* SET takes no parameters; the value is our own canonical UUID
	 * formatting of a resolved tenant, 36 characters of [0-9a-f-]. */
	static const char prefix[] = "SET LOCAL strata.tenant_id = '";
	char sql[sizeof(prefix) + UUID_STR_LEN + 2];
	char id[UUID_STR_LEN + 1];
	const char *p[1] = {id};

	uuid_format(tenant, id);
	db_queue(db, begin, NULL);
	/* Off Citus the prepared set_config does the same (local to the
	 * transaction) without a parse per request; on a Citus coordinator
	 * only SET LOCAL reaches the shards. */
	if (!db->citus) {
		db_queue(db, &db->set_tenant_stmt, p);
		return;
	}
	memcpy(sql, prefix, sizeof(prefix) - 1);
	memcpy(sql + sizeof(prefix) - 1, id, UUID_STR_LEN);
	sql[sizeof(prefix) - 1 + UUID_STR_LEN] = '\'';
	sql[sizeof(prefix) + UUID_STR_LEN] = '\0';
	db_queue_sql(db, sql);
}

void
db_begin(struct db *db, const struct uuid *tenant)
{
	begin_tenant(db, &db->begin_stmt, tenant);
}

void
db_begin_snapshot(struct db *db, const struct uuid *tenant)
{
	begin_tenant(db, &db->begin_snapshot_stmt, tenant);
}

bool
db_begin_read(struct db *db, const struct uuid *tenant)
{
	char id[UUID_STR_LEN + 1];
	const char *p[1] = {id};

	if (db->citus) {
		db_begin(db, tenant);
		return false;
	}
	uuid_format(tenant, id);
	db_queue(db, &db->set_tenant_stmt, p);
	return true;
}

int
db_commit(struct db *db)
{
	return db_queue(db, &db->commit_stmt, NULL);
}

static void
clear_result(void *p)
{
	PQclear(p);
}

/* Reads one statement's results: one PGresult, then NULL. */
static PGresult *
read_one(struct db *db)
{
	PGresult *r = PQgetResult(db->conn), *extra;

	if (r == NULL)
		return NULL;
	while ((extra = PQgetResult(db->conn)) != NULL)
		PQclear(extra);
	return r;
}

static void
note_error(struct db *db, const PGresult *r)
{
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	if (db->sqlstate[0] != '\0')
		return;
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", st ? st : "XX000");
	snprintf(db->errmsg, sizeof(db->errmsg), "%s", msg ? msg : "");
	/* 25006: this server no longer takes writes (a primary demoted
	 * without ending its sessions).  target_session_attrs=read-write
	 * is checked only when connecting, so connect again. */
	if (strcmp(db->sqlstate, "25006") == 0)
		db->read_only_seen = true;
}

int
db_sync(struct db *db)
{
	struct timespec t0, t1;
	int rc = 0, first;

	if (db->conn == NULL)
		return DB_UNAVAILABLE;
	if (db->done == db->nq)
		return db->queue_failed ? DB_QUEUE_FAILED : DB_OK;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	first = db->trips == 0 ? db->done : -1;
	if (PQpipelineSync(db->conn) != 1) {
		/* Nothing of this trip reached the server. */
		db->stale_session = first >= 0;
		goto broken;
	}
	db->trips++;
	for (; db->done < db->nq; db->done++) {
		struct db_slot *s = &db->q[db->done];
		PGresult *r = read_one(db);
		ExecStatusType st;

		if (r == NULL)
			goto broken;
		st = PQresultStatus(r);
		/* The server had ended this session before the request's first
		 * statement ran (a restart, an administrator's termination):
		 * nothing of the request executed. */
		if (db->done == first && st == PGRES_FATAL_ERROR) {
			const char *state =
			    PQresultErrorField(r, PG_DIAG_SQLSTATE);

			db->stale_session =
			    state != NULL && strncmp(state, "57P", 3) == 0;
		}
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			s->res = r;
			arena_cleanup(db->arena, clear_result, r);
			if (s->decode != NULL)
				s->decode(r, s->out, db->arena);
			continue;
		}
		if (st == PGRES_FATAL_ERROR) {
			note_error(db, r);
			if (s->is_prepare && s->stmt != NULL)
				s->stmt->prepared_gen = 0;
		} else if (st == PGRES_PIPELINE_ABORTED && s->is_prepare &&
		           s->stmt != NULL) {
			s->stmt->prepared_gen = 0;
		}
		PQclear(r);
		rc = DB_FAILED;
	}
	{
		PGresult *r = PQgetResult(db->conn);

		if (r == NULL || PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
			PQclear(r);
			goto broken;
		}
		PQclear(r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	db->ms += (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	          (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (rc < 0)
		log_debug("statement failed: %s %s", db->sqlstate, db->errmsg);
	if (db->queue_failed != NULL)
		return DB_QUEUE_FAILED;
	return rc;
broken:
	if (PQstatus(db->conn) != CONNECTION_OK) {
		lost(db);
		db->retry_at_ms = 0;
		return DB_UNAVAILABLE;
	}
	/* A protocol desynchronisation we cannot reason about: start over
	 * with a fresh connection rather than guess. */
	log_error("database pipeline out of step; reconnecting");
	lost(db);
	return DB_UNAVAILABLE;
}

PGresult *
db_result(struct db *db, int h)
{
	if (h < 0 || h >= db->done)
		return NULL;
	return db->q[h].res;
}

bool
db_in_transaction(const struct db *db)
{
	PGTransactionStatusType ts;

	if (db->conn == NULL)
		return false;
	ts = PQtransactionStatus(db->conn);
	return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

int
db_rebind(struct db *db, struct arena *a)
{
	if (db->done != db->nq)
		return -1;
	/* The queue lives in the arena too: it starts afresh in a. */
	db->arena = a;
	db->q = NULL;
	db->cap = 0;
	db->nq = db->done = 0;
	db->queue_failed = NULL;
	return 0;
}

void
db_finish(struct db *db)
{
	PGTransactionStatusType ts;

	if (db->conn == NULL)
		return;
	if (db->done != db->nq) {
		/* Statements a request queued and never collected (it failed
		 * first): their results are read and dropped, never decoded,
		 * since their typed outputs lived in frames that are gone. */
		for (int i = db->done; i < db->nq; i++)
			db->q[i].decode = NULL;
		db_sync(db);
	}
	if (db->conn == NULL)
		return;
	ts = PQtransactionStatus(db->conn);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
		db->queue_failed = NULL;
		if (db_queue_sql(db, "ROLLBACK") < 0 || db_sync(db) != DB_OK)
			lost(db);
	}
}

bool
db_error_is(const struct db *db, const char *state)
{
	return strcmp(db->sqlstate, state) == 0;
}

const char *
db_value(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col);
}

bool
db_is_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) == 1;
}

int
db_rows(const PGresult *r)
{
	return r != NULL ? PQntuples(r) : 0;
}

long long
db_int(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool
db_bool(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col)[0] == 't';
}

const char *
db_str(const PGresult *r, int row, int col, struct arena *a)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return arena_strndup(a, PQgetvalue(r, row, col),
	                     (size_t)PQgetlength(r, row, col));
}

void
db_decode_int(const PGresult *r, void *out, struct arena *a)
{
	(void)a;
	*(long long *)out = db_rows(r) > 0 ? db_int(r, 0, 0) : 0;
}

void
db_decode_text(const PGresult *r, void *out, struct arena *a)
{
	struct db_text *t = out;

	t->found = db_rows(r) > 0;
	t->v = t->found ? db_str(r, 0, 0, a) : NULL;
}

struct due {
	struct uuid *out;
	int want, *nout, named;
	struct uuid *cursor;
};

static void
decode_due(const PGresult *r, void *out, struct arena *a)
{
	struct due *d = out;
	int n = db_rows(r);

	(void)a;
	d->named = n;
	for (int i = 0; i < n; i++) {
		struct uuid u;

		if (uuid_parse(db_value(r, i, 0), &u) < 0)
			continue;
		*d->cursor = u;
		if (db_bool(r, i, 1) && *d->nout < d->want)
			d->out[(*d->nout)++] = u;
	}
}

int
db_due_tenants(struct db *db, struct db_stmt *st, const struct uuid *after,
               int want, int scan, struct uuid *out, int *nout,
               struct uuid *cursor)
{
	char a[UUID_STR_LEN + 1], w[16], s[16];
	const char *p[3] = {a, w, s};
	struct due d = {out, want, nout, 0, cursor};

	*nout = 0;
	memset(cursor, 0, sizeof(*cursor));
	uuid_format(after, a);
	snprintf(w, sizeof(w), "%d", want);
	snprintf(s, sizeof(s), "%d", scan);
	if (db_queue_in_block(db, st, p, decode_due, &d) < 0 ||
	    db_sync(db) != DB_OK)
		return -1;
	return d.named;
}

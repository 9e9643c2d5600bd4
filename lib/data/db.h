/*
 * db.h - the worker's one persistent PostgreSQL connection, in libpq
 * pipeline mode.
 *
 * Statements are declared once (DB_STMT) and prepared lazily, on first use
 * per connection, inside the same pipeline as their first execution.  A
 * request queues statements with db_queue() and collects every result with
 * one db_sync() = one round trip.  db_begin() queues BEGIN and the
 * transaction-local tenant setting that the row-level security policies
 * read; the tenant id is formatted by our own code, never taken from
 * client text.
 *
 * Failure model: when the server is unreachable db_ready() answers -1 and
 * the caller replies 503; reconnection is retried with backoff (100 ms
 * doubling to 1 s) on later requests, so the worker recovers by itself.
 */
#ifndef STRATA_DATA_DB_H
#define STRATA_DATA_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "core/uuid.h"

#define DB_QUEUE_INITIAL 64
#define DB_QUEUE_MAX 8192 /* statements in one round trip */
#define DB_DYNAMIC_MAX 512

struct arena;

/* What db_sync() and the plan report; lib/api maps them (and the
 * SQLSTATE of DB_FAILED) to its answers in one table. */
enum db_status {
	DB_OK = 0,
	DB_FAILED = -1,       /* a statement failed: db->sqlstate says why */
	DB_UNAVAILABLE = -2,  /* the connection is lost or cannot be made */
	DB_QUEUE_FAILED = -3, /* a statement could not be queued */
};

struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
	unsigned prepared_gen; /* connection generation it was prepared on */
};

#define DB_STMT(name, sql, n)                                                  \
	{                                                                      \
		name, sql, n, 0                                                \
	}

/* Turns a statement's result into the caller's typed struct out, in the
 * arena; called by db_sync() for each statement that succeeded. */
typedef void db_decode_fn(const PGresult *r, void *out, struct arena *a);

struct db_dynamic {
	unsigned long long hash; /* of the text; 0 = free */
	unsigned gen;            /* connection it was prepared on */
};

struct db_slot {
	struct db_stmt *stmt;   /* NULL for unnamed statements */
	struct db_dynamic *dyn; /* the dynamic text being prepared */
	const char *name;       /* for log lines */
	bool is_prepare;
	PGresult *res;
	db_decode_fn *decode;
	void *out;
};

struct db {
	PGconn *conn;
	struct db_dynamic dynamic[DB_DYNAMIC_MAX];
	const char *conninfo;
	unsigned gen; /* bumped at every (re)connect */
	long long retry_at_ms;
	int backoff_ms;
	struct arena *arena; /* queue and results live until its reset */
	struct db_slot *q;   /* in the arena, grown by doubling */
	int cap;
	int nq;                   /* queued, including prepares */
	int done;                 /* results collected */
	const char *queue_failed; /* the first statement that could not be
	                           * queued in this round, or NULL */
	char sqlstate[6];
	char errmsg[256];         /* for logs only, never for clients */
	int trips;                /* round trips since db_ready */
	double ms;                /* time spent waiting on the server */
	long resets;              /* connections found busy by db_ready */
	bool read_only_seen;      /* the server refused a write as read-only (a
	                             demoted primary): the next request reconnects
	                             to the node that takes writes */
	bool stale_session;       /* the request's first trip found the session
	                           * already ended by the server: nothing of the
	                           * request ran, so it may be tried again once */
	long queue_failures;      /* statements that could not be queued */
	int statement_timeout_ms; /* set on every new connection; 0 = none */
	void (*on_notify)(const char *channel, const char *payload);
	void (*on_reconnect)(void);
	/* BEGIN and COMMIT, prepared on this connection (not in statics
	 * shared by every connection: a process may hold two). */
	struct db_stmt begin_stmt, begin_snapshot_stmt, commit_stmt,
	    set_tenant_stmt;
	bool citus; /* the server is a Citus coordinator (read at connect) */
};

/* Initialises db for conninfo; does not connect. */
void db_init(struct db *db, const char *conninfo);

/* Closes the connection. */
void db_close(struct db *db);

/* Starts a request: the queue and results live in arena a; pending
 * notifications are read without a round trip and passed to on_notify.  A
 * connection that is not idle (an open or failed transaction, results not
 * read) is reset first, logged and counted: no request inherits another's
 * transaction.  Returns 0 when the connection is usable, or DB_UNAVAILABLE. */
int db_ready(struct db *db, struct arena *a);

/* Queues an execution of stmt with text parameters (NULL = SQL NULL).
 * Returns the result's handle for db_result().  A statement that cannot be
 * queued (no connection, libpq refuses it, more than DB_QUEUE_MAX) is
 * logged with its name and counted, returns -1, and makes the next
 * db_sync() answer DB_QUEUE_FAILED: it is never dropped silently. */
int db_queue(struct db *db, struct db_stmt *stmt, const char *const *params);

/* db_queue(), and on success decode(result, out, arena) during db_sync. */
int db_queue_into(struct db *db, struct db_stmt *stmt,
                  const char *const *params, db_decode_fn *decode, void *out);

/* Queues a statement whose text is assembled at run time from fixed
 * fragments (never from client text: values travel as the nparams
 * parameters).  Each distinct text is prepared once per connection, up to
 * DB_DYNAMIC_MAX texts; beyond that it runs unprepared.  decode and out may
 * be NULL.  Failures as db_queue(). */
int db_queue_text(struct db *db, const char *sql, int nparams,
                  const char *const *params);
int db_queue_text_into(struct db *db, const char *sql, int nparams,
                       const char *const *params, db_decode_fn *decode,
                       void *out);

/* Queues one parameterless statement by text (BEGIN, COMMIT, SET LOCAL). */
int db_queue_sql(struct db *db, const char *sql);

/* As db_queue_into, between a BEGIN and a COMMIT of its own, for a
 * statement whose function enters one tenant after another with SET LOCAL
 * (the background round robins, the operator's counts): on a Citus
 * coordinator SET LOCAL reaches the shards only inside a transaction block.
 * Only where no transaction is open or queued.  Returns the statement's
 * handle, or -1 (as db_queue_into). */
int db_queue_in_block(struct db *db, struct db_stmt *stmt,
                      const char *const *params, db_decode_fn *decode,
                      void *out);

/* Queues BEGIN and the tenant: set_config('strata.tenant_id', <tenant>,
 * true), prepared; SET LOCAL strata.tenant_id = '<tenant>' on Citus. */
void db_begin(struct db *db, const struct uuid *tenant);

/* db_begin() with REPEATABLE READ: every statement of the transaction
 * reads one snapshot (exports, copies). */
void db_begin_snapshot(struct db *db, const struct uuid *tenant);

/* Queues set_config('strata.tenant_id', <tenant>, true) alone, for a read
 * of one round trip: the statements up to the sync run in the pipeline's
 * implicit transaction (PostgreSQL ends it at the sync), so no BEGIN or
 * COMMIT is sent, parsed or run, and nothing may follow in a later trip of
 * that transaction.  Returns true.  On a Citus coordinator, where only SET
 * LOCAL inside a transaction block reaches the shards, it queues
 * db_begin()'s statements instead and returns false: the caller commits
 * as usual. */
bool db_begin_read(struct db *db, const struct uuid *tenant);

/* Queues COMMIT; its result is checked by db_sync. */
int db_commit(struct db *db);

/* Sends everything queued and reads every result: one round trip.
 * Returns DB_OK when every statement succeeded, DB_FAILED when one failed
 * (sqlstate says why; later ones in the batch were skipped),
 * DB_UNAVAILABLE when the connection was lost, DB_QUEUE_FAILED when a
 * statement of this round could not be queued. */
int db_sync(struct db *db);

/* The result of handle h (after db_sync), or NULL when it failed. */
PGresult *db_result(struct db *db, int h);

/* True while the connection is inside a transaction (open or failed). */
bool db_in_transaction(const struct db *db);

/* Once every queued statement's result is collected (after db_sync),
 * empties the statement queue and collects later results into arena a; an
 * open transaction stays open.  Lets a long job (audit verification) run
 * in batches whose results are released by resetting their own arena.
 * Results of handles from before are not to be read afterwards.  Returns 0,
 * or -1 (nothing changed) while results are still to be collected. */
int db_rebind(struct db *db, struct arena *a);

/* Rolls back an open or failed transaction so the connection is clean for
 * the next request; called at the end of every request. */
void db_finish(struct db *db);

/* 1 when the last failure's SQLSTATE equals state. */
bool db_error_is(const struct db *db, const char *state);

/* Value of row, col as a C string ("" for NULL). */
const char *db_value(const PGresult *r, int row, int col);
bool db_is_null(const PGresult *r, int row, int col);

/* Generic decoders for one-value answers: the first column of the first
 * row as a whole number (long long *out; 0 without a row), or as text
 * (struct db_text *out). */
struct db_text {
	bool found;
	const char *v; /* NULL for SQL NULL */
};
db_decode_fn db_decode_int;
db_decode_fn db_decode_text;

/* Row counts and typed column reads for decoders (NULL r: 0 rows). */
int db_rows(const PGresult *r);
long long db_int(const PGresult *r, int row, int col);
bool db_bool(const PGresult *r, int row, int col);
/* The value copied into the arena (NULL for SQL NULL). */
const char *db_str(const PGresult *r, int row, int col, struct arena *a);

struct uuid;

/* One bounded step of a background process's round robin over tenants
 * (the webhook deliverer's, the mail sender's): st takes (after, want,
 * scan) and answers (tenant_id, due) rows in tenant order.  Up to want
 * due tenants into out (*nout of them), the last tenant looked at into
 * *cursor (zero when none).  Queues and syncs; returns the rows named, or
 * -1 (db->errmsg). */
int db_due_tenants(struct db *db, struct db_stmt *st, const struct uuid *after,
                   int want, int scan, struct uuid *out, int *nout,
                   struct uuid *cursor);

#endif

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

#define DB_MAX_QUEUE 48
#define DB_DYNAMIC_MAX 512

struct arena;

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

struct db_dynamic {
	unsigned long long hash; /* of the text; 0 = free */
	unsigned gen;            /* connection it was prepared on */
};

struct db_slot {
	struct db_stmt *stmt;   /* NULL for unnamed statements */
	struct db_dynamic *dyn; /* the dynamic text being prepared */
	bool is_prepare;
	PGresult *res;
};

struct db {
	PGconn *conn;
	struct db_dynamic dynamic[DB_DYNAMIC_MAX];
	const char *conninfo;
	unsigned gen; /* bumped at every (re)connect */
	long long retry_at_ms;
	int backoff_ms;
	struct arena *arena; /* results are cleared at its reset */
	struct db_slot q[DB_MAX_QUEUE];
	int nq;   /* queued, including prepares */
	int done; /* results collected */
	char sqlstate[6];
	char errmsg[256];         /* for logs only, never for clients */
	int trips;                /* round trips since db_reset */
	double ms;                /* time spent waiting on the server */
	int statement_timeout_ms; /* set on every new connection; 0 = none */
	void (*on_notify)(const char *channel, const char *payload);
	void (*on_reconnect)(void);
};

/* Initialises db for conninfo; does not connect. */
void db_init(struct db *db, const char *conninfo);

/* Closes the connection. */
void db_close(struct db *db);

/* Starts a request: results go to arena a; pending notifications are read
 * from the socket without a round trip and passed to on_notify.  Returns 0
 * when the connection is usable, or -1 (database unavailable: reply 503). */
int db_ready(struct db *db, struct arena *a);

/* Queues an execution of stmt with text parameters (NULL = SQL NULL).
 * Returns the result's handle for db_result(), or -1 when the queue is full
 * (a programming error). */
int db_queue(struct db *db, struct db_stmt *stmt, const char *const *params);

/* Queues a statement whose text is assembled at run time from fixed
 * fragments (never from client text: values travel as the nparams
 * parameters).  Each distinct text is prepared once per connection, up to
 * DB_DYNAMIC_MAX texts; beyond that it runs unprepared. */
int db_queue_text(struct db *db, const char *sql, int nparams,
                  const char *const *params);

/* Queues one parameterless statement by text (BEGIN, COMMIT, SET LOCAL). */
int db_queue_sql(struct db *db, const char *sql);

/* Queues BEGIN and SET LOCAL strata.tenant_id = '<tenant>'. */
void db_begin(struct db *db, const struct uuid *tenant);

/* Queues COMMIT; its result is checked by db_sync. */
int db_commit(struct db *db);

/* Sends everything queued and reads every result: one round trip.
 * Returns 0 when every statement succeeded, -1 when one failed (sqlstate
 * says why; later ones in the batch were skipped), -2 when the connection
 * was lost (reply 503). */
int db_sync(struct db *db);

/* The result of handle h (after db_sync), or NULL when it failed. */
PGresult *db_result(struct db *db, int h);

/* Rolls back an open or failed transaction so the connection is clean for
 * the next request; called at the end of every request. */
void db_finish(struct db *db);

/* 1 when the last failure's SQLSTATE equals state. */
bool db_error_is(const struct db *db, const char *state);

/* Value of row, col as a C string ("" for NULL). */
const char *db_value(const PGresult *r, int row, int col);
bool db_is_null(const PGresult *r, int row, int col);

#endif

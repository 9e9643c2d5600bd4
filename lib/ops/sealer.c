/*
 * sealer.c - the audit sealer process.
 */
#include "ops/sealer.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/sandbox.h"
#include "core/server.h"
#include "core/uuid.h"
#include "data/audit.h"
#include "data/db.h"
#include "ops/sweep.h"

#define SEALER_ARENA_CHUNK (64 * 1024)
#define SEALER_ARENA_CAP (64UL * 1024 * 1024)
#define SEALER_PERIOD_MS 1000    /* the least rest between two rounds */
#define SEALER_REST_MAX_MS 30000 /* the longest, whatever the horizon */
#define SEALER_BUSY_MS 10        /* between passes while work is left */

/* Seals one batch of tenant t on a fresh statement queue and arena.
 * Returns what audit_seal() returned. */
static int
seal_one(struct db *db, struct arena *a, const struct uuid *t)
{
	int k = -1;

	if (db_ready(db, a) == 0) {
		k = audit_seal(db, a, t, cfg.audit_seal_horizon_s);
		if (k < 0) {
			char tid[UUID_STR_LEN + 1];

			uuid_format(t, tid);
			log_warn("audit seal failed for tenant %s: %s %s", tid,
			         db->sqlstate, db->errmsg);
		}
		db_finish(db);
	}
	arena_reset(a);
	if (k < 0)
		metrics_add(M_SEAL_FAILURES, 1);
	return k;
}

/* Where the sealer stands in its round over the tenants. */
struct round {
	struct uuid cursor; /* the last tenant looked at; nil: at the start */
	int left;           /* tenants of this round with due events left */
	struct sweep rest;  /* the rest after a round with nothing left */
};

/* One pass: the next due tenants of the round, each sealed apart.
 * Returns 1 when the next pass should follow at once (the round goes on,
 * or it ended with work left), 0 when the next round can wait, -1 when
 * the database is unavailable. */
static int
pass(struct db *db, struct arena *a, struct round *r)
{
	struct uuid due[SEALER_WANT], next;
	int n = 0, named, more;

	if (db_ready(db, a) < 0)
		return -1;
	named = audit_due_tenants(db, &r->cursor, cfg.audit_seal_horizon_s,
	                          SEALER_WANT, SEALER_SCAN, due, &n, &next);
	db_finish(db);
	arena_reset(a);
	if (named < 0)
		return -1;
	metrics_add(M_SEAL_PASSES, 1);
	sweep_found(&r->rest, n);
	r->cursor = next; /* nil when the scan reached the end */
	for (int i = 0; i < n && !server_stopping; i++) {
		int k = seal_one(db, a, &due[i]);

		/* A full batch or a failure: the tenant still has due
		 * events.  (0: another sealer holds it; the next round
		 * finds it again if need be.) */
		r->left += k < 0 || k == AUDIT_SEAL_BATCH;
	}
	if (named > 0)
		return 1;
	/* The round is over: a backlog makes the next start at once. */
	metrics_set_seal_lag((uint64_t)r->left);
	more = r->left > 0;
	r->left = 0;
	return more;
}

static void
sleep_ms(long long ms)
{
	struct timespec ts = {(time_t)(ms / 1000),
	                      (long)(ms % 1000) * 1000000L};

	if (ms > 0)
		nanosleep(&ts, NULL); /* SIGTERM cuts it short */
}

int
sealer_main(void)
{
	struct arena *a = arena_new(SEALER_ARENA_CHUNK, SEALER_ARENA_CAP);
	struct round r;
	struct db db;
	long long horizon_ms = (long long)cfg.audit_seal_horizon_s * 1000;

	server_child_signals();
	memset(&r, 0, sizeof(r));
	/* Idle rounds rest longer, up to one horizon: an event is then
	 * sealed within two horizons and one round of being written, and an
	 * idle service with many tenants is not probed every second. */
	sweep_init(&r.rest, SEALER_PERIOD_MS,
	           horizon_ms < SEALER_REST_MAX_MS ? (int)horizon_ms
	                                           : SEALER_REST_MAX_MS);
	db_init(&db, cfg.database_url);
	db.statement_timeout_ms = cfg.statement_timeout_ms;
	/* The workers' allow-list (core/sandbox.h): it covers all we do. */
	if (sandbox_enter((enum sandbox_mode)sandbox_mode(cfg.seccomp)) < 0) {
		arena_free(a);
		return 1;
	}
	log_info("audit sealer started (horizon %d s)",
	         cfg.audit_seal_horizon_s);
	while (!server_stopping) {
		long long start = clock_mono_ms();
		int more = pass(&db, a, &r);

		if (server_stopping)
			break;
		if (more > 0)
			sleep_ms(SEALER_BUSY_MS);
		else if (more == 0)
			sleep_ms(start + sweep_end(&r.rest) - clock_mono_ms());
		else /* the database is unavailable: try again in a second */
			sleep_ms(start + SEALER_PERIOD_MS - clock_mono_ms());
	}
	db_close(&db);
	arena_free(a);
	log_info("audit sealer stopped");
	return 0;
}

/*
 * tenant_load.c - the Citus per-tenant load process (tenant_load.h).
 */
#include "ops/tenant_load.h"

#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/sandbox.h"
#include "core/server.h"
#include "data/db.h"
#include "data/shards.h"

#define TENANT_LOAD_ARENA_CHUNK (16 * 1024)
#define TENANT_LOAD_ARENA_CAP (4UL * 1024 * 1024)

_Static_assert(TENANT_LOAD_TOP == METRICS_CITUS_TENANTS,
               "/metrics shows what this process reads");

/* One look: returns the milliseconds until the next. */
static long long
tick(struct db *db, struct arena *a, int *citus)
{
	struct shards_load rows[TENANT_LOAD_TOP];
	struct metrics_citus_tenant shown[TENANT_LOAD_TOP];
	int n = -1;

	if (db_ready(db, a) == 0) {
		if (*citus <= 0)
			*citus = shards_has_citus(db);
		if (*citus > 0)
			n = shards_top_tenants(db, TENANT_LOAD_TOP, rows);
		if (*citus > 0 && n < 0) {
			log_warn(
			    "tenant load: citus_stat_tenants not read: %s %s",
			    db->sqlstate, db->errmsg);
			*citus = -1; /* asked again next time */
		}
		db_finish(db);
	}
	arena_reset(a);
	for (int i = 0; i < n; i++) {
		shown[i].slug = rows[i].slug;
		shown[i].queries = rows[i].queries;
		shown[i].cpu_seconds = rows[i].cpu_seconds;
	}
	if (n >= 0)
		metrics_set_citus_tenants(shown, n);
	return *citus == 0 ? TENANT_LOAD_RECHECK_MS : TENANT_LOAD_PERIOD_MS;
}

int
tenant_load_main(void)
{
	struct arena *a =
	    arena_new(TENANT_LOAD_ARENA_CHUNK, TENANT_LOAD_ARENA_CAP);
	int citus = -1; /* not known yet */
	struct db db;

	server_child_signals();
	db_init(&db, cfg.database_url);
	db.statement_timeout_ms = cfg.statement_timeout_ms;
	/* The workers' allow-list (core/sandbox.h): it covers all we do. */
	if (sandbox_enter((enum sandbox_mode)sandbox_mode(cfg.seccomp)) < 0) {
		arena_free(a);
		return 1;
	}
	log_info("tenant load started");
	while (!server_stopping) {
		long long start = clock_mono_ms();
		long long wait = tick(&db, a, &citus);
		long long ms = start + wait - clock_mono_ms();
		struct timespec ts = {(time_t)(ms / 1000),
		                      (long)(ms % 1000) * 1000000L};

		if (ms > 0 && !server_stopping)
			nanosleep(&ts, NULL); /* SIGTERM cuts it short */
	}
	db_close(&db);
	arena_free(a);
	log_info("tenant load stopped");
	return 0;
}

/*
 * metrics.h - counters in one shared-memory segment mapped by the master
 * before fork, so every worker adds to the same numbers without locks
 * (relaxed atomic adds).  /metrics renders them in Prometheus text format.
 */
#ifndef STRATA_CORE_METRICS_H
#define STRATA_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_ROUTES 96 /* route table size + 1 for "unmatched" */
#define METRICS_BUCKETS 12
#define METRICS_TOP_TENANTS 32
#define METRICS_CITUS_TENANTS 10 /* tenants of citus_stat_tenants shown */

struct buf;
struct route;

enum metric_counter {
	M_WORKER_STARTS,
	M_WORKER_CRASHES,
	M_WORKER_RECYCLES,
	M_DB_ROUND_TRIPS,
	M_DB_ERRORS,
	M_DB_RECONNECTS,
	M_DB_UNAVAILABLE,
	M_CACHE_HITS,
	M_CACHE_MISSES,
	M_RATE_LIMITED,
	M_AUDIT_EVENTS,
	M_AUDIT_SEALED,
	M_DB_QUEUE_FAILURES,
	M_DB_RESETS,
	M_PRINCIPAL_CACHE_HITS,
	M_PRINCIPAL_CACHE_MISSES,
	M_BACKGROUND_STARTS,
	M_SEAL_PASSES,
	M_SEAL_FAILURES,
	M_COUNTERS
};

/* Maps the segment; call once in the master before forking.  Returns 0 or
 * -1.  Without it (command line, unit tests) every update is a no-op. */
int metrics_init(void);

void metrics_add(enum metric_counter c, uint64_t n);

/* Records one finished request: route index (-1 = none), status, time. */
void metrics_request(int route, int status, double ms, const char *tenant);

/* Releases shared locks a dead worker may have held (master only). */
void metrics_worker_died(int pid);

/* Requests of tenant counted since start, when it is among the busiest
 * (top-N), else 0. */
unsigned long long metrics_tenant_requests(const char *slug);

/* Gauge of events waiting for the sealer. */
void metrics_set_seal_lag(uint64_t events);

/* One tenant's load on a Citus cluster (citus_stat_tenants). */
struct metrics_citus_tenant {
	const char *slug;
	uint64_t queries;
	double cpu_seconds;
};

/* Replaces the Citus tenants shown (at most METRICS_CITUS_TENANTS, the
 * busiest first); n 0 leaves none.  Written by one background process
 * (lib/ops/tenant_load.c); until then, and without Citus, /metrics shows
 * no such series. */
void metrics_set_citus_tenants(const struct metrics_citus_tenant *t, int n);

/* Renders every metric; routes names the route index labels. */
void metrics_render(struct buf *out, const struct route *routes,
                    size_t nroutes);

#endif

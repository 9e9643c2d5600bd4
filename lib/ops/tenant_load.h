/*
 * tenant_load.h - per-tenant load from Citus: a background process of
 * `strata serve` (docs/scale-out.md, "Per-tenant load").
 *
 * The master forks it beside the workers and supervises it, as the
 * sealer.  On a database with the citus extension it reads the busiest
 * TENANT_LOAD_TOP tenants of citus_stat_tenants (queries and CPU time of
 * the current and the last period, citus.stat_tenants_track = all) every
 * TENANT_LOAD_PERIOD_MS and hands them to /metrics
 * (strata_citus_tenant_queries, strata_citus_tenant_cpu_seconds: a label
 * set of at most that many tenants).  On a database without Citus it
 * looks again every TENANT_LOAD_RECHECK_MS and /metrics shows no such
 * series.  Request workers never read these statistics.
 */
#ifndef STRATA_OPS_TENANT_LOAD_H
#define STRATA_OPS_TENANT_LOAD_H

#define TENANT_LOAD_TOP 10 /* = METRICS_CITUS_TENANTS */
#define TENANT_LOAD_PERIOD_MS 5000
#define TENANT_LOAD_RECHECK_MS 60000

/* The process body (struct server_proc.main): runs until SIGTERM or
 * SIGINT.  Returns the exit status (0). */
int tenant_load_main(void);

#endif

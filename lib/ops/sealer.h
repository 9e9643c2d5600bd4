/*
 * sealer.h - the audit sealer: a background process of `strata serve`.
 *
 * The master forks it beside the workers and supervises it (restarted when
 * it dies, stopped on SIGTERM, replaced on SIGHUP).  It holds its own
 * database connection and goes round all tenants: each pass asks for the
 * next tenants, in id order from where the last pass stopped, that have
 * events older than audit_seal_horizon_s not yet chained (one bounded
 * statement, audit_due_tenants), then chains up to AUDIT_SEAL_BATCH events
 * of each in a transaction of its own.  A tenant with a backlog gets one
 * batch per round, so it never holds the others back.  A round that
 * leaves work goes on at once; otherwise the next starts a second later.
 * Request workers never seal.
 */
#ifndef STRATA_OPS_SEALER_H
#define STRATA_OPS_SEALER_H

/* Tenants sealed per pass, and tenants probed per pass at most. */
#define SEALER_WANT 32
#define SEALER_SCAN 1000

/* The process body (struct server_proc.main): runs until SIGTERM or
 * SIGINT, finishing the tenant in hand.  Returns the exit status (0). */
int sealer_main(void);

#endif

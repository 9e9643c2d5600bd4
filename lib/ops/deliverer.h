/*
 * deliverer.h - the webhook deliverer: a background process of `strata
 * serve`, supervised by the master like the audit sealer (restarted when
 * it dies, stopped on SIGTERM, replaced on SIGHUP).  Request workers never
 * deliver.
 *
 * Each pass asks for the tenants with events not fanned out or deliveries
 * due (events_due_tenants, a bounded round robin as the sealer's), fans
 * their new events out to their webhooks, and claims due deliveries: at
 * most webhook_tenant_concurrency in flight per tenant and
 * DELIVERER_MAX_FLIGHT in all, each attempt bounded by webhook_timeout_ms.
 * A tenant whose endpoint hangs holds only its own slots: the others'
 * attempts run beside it (libcurl multi, one thread).  Every attempt is
 * signed (sec/webhook_sign.h), connects only where sec/webhook_addr.h
 * allows, follows no redirect, and is recorded; a failure is retried on
 * ops/webhook_backoff.h's schedule until the retry window is spent, then
 * the webhook is disabled and its owner told by an audit event.  The
 * owner's permissions are read again with every claim.  Every 10 s it
 * purges delivered events past each tenant's retention.events_days, in
 * batches.
 */
#ifndef STRATA_OPS_DELIVERER_H
#define STRATA_OPS_DELIVERER_H

#define DELIVERER_MAX_FLIGHT 128 /* attempts in flight, all tenants */
#define DELIVERER_WANT 32        /* due tenants per pass */
#define DELIVERER_SCAN 1000      /* tenants probed per pass */
#define DELIVERER_FAN_OUT 500    /* events fanned out per tenant and pass */
#define DELIVERER_PURGE_BATCH 1000

/* The process body (struct server_proc.main): runs until SIGTERM or
 * SIGINT.  Returns the exit status (0, or 1 when it cannot start). */
int deliverer_main(void);

#endif

/*
 * sweep.h - how long a tenant poller rests between two sweeps.
 *
 * The mail sender and the webhook deliverer find their work by probing
 * every tenant in turn, a page of tenants per pass (mail_due_tenants,
 * events_due_tenants), and rest when a sweep reaches the last tenant.  A
 * probe costs PostgreSQL a few microseconds per tenant, so at a fixed
 * 200 ms an idle service with 1,000 tenants spent a tenth of a core on
 * probes alone, and ten times that with 10,000.  So the rest doubles
 * after each sweep that found nothing, from SWEEP_REST_MIN_MS up to
 * SWEEP_REST_MAX_MS, and a sweep that found work brings it back to the
 * least: while work keeps coming nothing waits longer than before, and
 * the first mail or event after a quiet spell waits at most the longest
 * rest plus one sweep.  The audit sealer rests the same way between its
 * rounds, within bounds of its own (lib/ops/sealer.c).
 */
#ifndef STRATA_OPS_SWEEP_H
#define STRATA_OPS_SWEEP_H

#include <stdbool.h>

#define SWEEP_REST_MIN_MS 200
#define SWEEP_REST_MAX_MS 1600

struct sweep {
	int min_ms;  /* the least rest, after a sweep that found work */
	int max_ms;  /* the longest, after idle sweeps */
	int rest_ms; /* after the last sweep that ended */
	bool found;  /* a pass of the current sweep named a due tenant */
};

/* A poller that has not swept yet, resting from min_ms up to max_ms (a
 * max_ms below min_ms counts as min_ms): the first rest is the least. */
void sweep_init(struct sweep *s, int min_ms, int max_ms);

/* A pass of the current sweep named n due tenants. */
void sweep_found(struct sweep *s, int n);

/* The current sweep reached the last tenant: the ms to rest before the
 * next one begins. */
int sweep_end(struct sweep *s);

#endif

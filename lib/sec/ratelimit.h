/*
 * ratelimit.h - per-tenant limits shared by every worker: a token bucket
 * (requests per second and burst, from the tenant's settings) that
 * signed-in callers draw on, a bucket per anonymous client address with a
 * share of that rate, and a cap on the tenant's requests in flight, so one
 * tenant cannot hold every worker.
 *
 * State lives in one shared-memory segment mapped by the master before it
 * forks.  Each worker records the tenant it is serving in its own slot;
 * in-flight counts are derived from those slots, so a worker that dies
 * mid-request leaks nothing (the master clears its slot).
 *
 * The table never fails open: when the neighbourhood of a key is full,
 * its least recently used bucket that no worker is serving is evicted
 * (it comes back full, as it would have refilled once idle); when none
 * can be had, or a bucket's lock cannot be taken within a tenth of a
 * second (its holder preempted or dead), the request is refused (429,
 * retry after a second) rather than let through unmetered.
 */
#ifndef STRATA_SEC_RATELIMIT_H
#define STRATA_SEC_RATELIMIT_H

#include <stdbool.h>

#include "core/uuid.h"

#define RATELIMIT_BUCKETS 32768 /* tenants and anonymous clients */
#define RATELIMIT_WORKERS 256
/* An anonymous client address gets 1/RATELIMIT_ANON_SHARE of its tenant's
 * rate and burst (at least one token). */
#define RATELIMIT_ANON_SHARE 4

struct ratelimit_result {
	bool allowed;
	int limit;       /* the bucket size (RateLimit-Limit) */
	int remaining;   /* whole tokens left (RateLimit-Remaining) */
	int retry_after; /* seconds, when refused */
	int reset; /* seconds until the bucket is full (RateLimit-Reset) */
	bool concurrency; /* refused for requests in flight, not rate */
};

/* Maps the segment (master, before fork), replacing an earlier one.
 * Returns 0 or -1.  Without it every request is allowed. */
int ratelimit_init(void);

/* The worker's slot index (0..RATELIMIT_WORKERS-1), set after fork. */
void ratelimit_set_worker(int index);

/* A signed-in request: takes one token of tenant's bucket (rate per
 * second, burst) and, when allowed, marks this worker as serving the
 * tenant; max_inflight 0 means no cap.  now_us is a monotonic clock in
 * microseconds.  rate <= 0 means unlimited. */
struct ratelimit_result ratelimit_take(const struct uuid *tenant, int rate,
                                       int burst, int max_inflight,
                                       long long now_us);

/* An anonymous request (no credential, or one that did not verify) from
 * the client address addr (the text nginx passes as REMOTE_ADDR; an IPv6
 * /64 is one client; NULL or unparsable text shares one bucket): takes
 * one token of the bucket of (tenant, client), with 1/RATELIMIT_ANON_SHARE
 * of rate and burst, never the tenant's own bucket.  The tenant's
 * in-flight cap applies as in ratelimit_take().  The result describes
 * the client's bucket. */
struct ratelimit_result ratelimit_take_anonymous(const struct uuid *tenant,
                                                 const char *addr, int rate,
                                                 int burst, int max_inflight,
                                                 long long now_us);

/* The worker is done with its request. */
void ratelimit_done(void);

/* Master: a worker died; forget what it was serving and any lock it held. */
void ratelimit_worker_died(int index, int pid);

#ifdef STRATA_TEST_HOOKS
/* The test build only: leaves tenant's bucket (claimed if need be)
 * locked as if by pid, a holder that lost its core or died.  Returns 0,
 * or -1 when the table gave no bucket. */
int ratelimit_test_hold(const struct uuid *tenant, int pid);
#endif

#endif

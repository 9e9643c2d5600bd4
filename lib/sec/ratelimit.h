/*
 * ratelimit.h - per-tenant limits shared by every worker: a token bucket
 * (requests per second and burst, from the tenant's settings) and a cap on
 * the tenant's requests in flight, so one tenant cannot hold every worker.
 *
 * State lives in one shared-memory segment mapped by the master before it
 * forks.  Each worker records the tenant it is serving in its own slot;
 * in-flight counts are derived from those slots, so a worker that dies
 * mid-request leaks nothing (the master clears its slot).
 */
#ifndef STRATA_SEC_RATELIMIT_H
#define STRATA_SEC_RATELIMIT_H

#include <stdbool.h>

#include "core/uuid.h"

#define RATELIMIT_TENANTS 4096
#define RATELIMIT_WORKERS 256

struct ratelimit_result {
	bool allowed;
	int limit;       /* the bucket size (RateLimit-Limit) */
	int remaining;   /* whole tokens left (RateLimit-Remaining) */
	int retry_after; /* seconds, when refused */
	int reset; /* seconds until the bucket is full (RateLimit-Reset) */
	bool concurrency; /* refused for requests in flight, not rate */
};

/* Maps the segment (master, before fork).  Returns 0 or -1.  Without it
 * every request is allowed. */
int ratelimit_init(void);

/* The worker's slot index (0..RATELIMIT_WORKERS-1), set after fork. */
void ratelimit_set_worker(int index);

/* Takes one token of tenant's bucket (rate per second, burst) and, when
 * allowed, marks this worker as serving the tenant; max_inflight 0 means
 * no cap.  now_us is a monotonic clock in microseconds. */
struct ratelimit_result ratelimit_take(const struct uuid *tenant, int rate,
                                       int burst, int max_inflight,
                                       long long now_us);

/* The worker is done with its request. */
void ratelimit_done(void);

/* Master: a worker died; forget what it was serving and any lock it held. */
void ratelimit_worker_died(int index, int pid);

#endif

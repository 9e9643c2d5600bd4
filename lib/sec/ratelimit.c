/*
 * ratelimit.c - token buckets and in-flight caps in shared memory.
 */
#include "sec/ratelimit.h"

#include "core/fnv.h"

#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PROBE 16

struct bucket {
	int lock; /* pid of the holder, 0 = free */
	bool used;
	struct uuid tenant;
	double tokens;
	long long last_us;
};

struct shared {
	struct bucket buckets[RATELIMIT_TENANTS];
	int serving[RATELIMIT_WORKERS]; /* bucket index + 1, 0 = idle */
};

static struct shared *shm;
static int worker = -1;

int
ratelimit_init(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(struct shared));
	shm = p;
	return 0;
}

void
ratelimit_set_worker(int index)
{
	worker = index >= 0 && index < RATELIMIT_WORKERS ? index : -1;
}

static bool
lock(struct bucket *b)
{
	int me = (int)getpid();

	for (int i = 0; i < 1000000; i++) {
		int free_ = 0;

		if (__atomic_compare_exchange_n(&b->lock, &free_, me, false,
		                                __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

static void
unlock(struct bucket *b)
{
	__atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
}

/* The tenant's bucket, claiming a free one (under its lock) on first use.
 * Returns it locked, or NULL when the table is full around this hash: the
 * request is then allowed unmetered rather than refused. */
static struct bucket *
find(const struct uuid *tenant, int burst, long long now_us)
{
	unsigned h = fnv_32(FNV_32_INIT, tenant->b, 16);

	for (int n = 0; n < PROBE; n++) {
		struct bucket *b = &shm->buckets[(h + n) % RATELIMIT_TENANTS];

		if (!lock(b))
			return NULL;
		if (b->used && uuid_equal(&b->tenant, tenant))
			return b;
		if (!b->used) {
			b->used = true;
			b->tenant = *tenant;
			b->tokens = burst;
			b->last_us = now_us;
			return b;
		}
		unlock(b);
	}
	return NULL;
}

static int
inflight(int index)
{
	int n = 0;

	for (int w = 0; w < RATELIMIT_WORKERS; w++)
		n += __atomic_load_n(&shm->serving[w], __ATOMIC_RELAXED) ==
		     index + 1;
	return n;
}

struct ratelimit_result
ratelimit_take(const struct uuid *tenant, int rate, int burst, int max_inflight,
               long long now_us)
{
	struct ratelimit_result r = {true, burst, burst, 0, 0, false};
	struct bucket *b;
	int index;

	if (shm == NULL || rate <= 0)
		return r;
	b = find(tenant, burst, now_us);
	if (b == NULL)
		return r;
	index = (int)(b - shm->buckets);
	b->tokens += (double)(now_us - b->last_us) / 1e6 * rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last_us = now_us;
	if (b->tokens < 1.0) {
		r.allowed = false;
		r.retry_after = (int)ceil((1.0 - b->tokens) / rate);
		if (r.retry_after < 1)
			r.retry_after = 1;
	} else if (max_inflight > 0 && inflight(index) >= max_inflight) {
		r.allowed = false;
		r.concurrency = true;
		r.retry_after = 1;
	} else {
		b->tokens -= 1.0;
		if (worker >= 0)
			__atomic_store_n(&shm->serving[worker], index + 1,
			                 __ATOMIC_RELAXED);
	}
	r.remaining = (int)floor(b->tokens);
	r.reset = (int)ceil((burst - b->tokens) / rate);
	unlock(b);
	return r;
}

void
ratelimit_done(void)
{
	if (shm != NULL && worker >= 0)
		__atomic_store_n(&shm->serving[worker], 0, __ATOMIC_RELAXED);
}

void
ratelimit_worker_died(int index, int pid)
{
	if (shm == NULL)
		return;
	if (index >= 0 && index < RATELIMIT_WORKERS)
		__atomic_store_n(&shm->serving[index], 0, __ATOMIC_RELAXED);
	for (int i = 0; i < RATELIMIT_TENANTS; i++) {
		int held = pid;

		__atomic_compare_exchange_n(&shm->buckets[i].lock, &held, 0,
		                            false, __ATOMIC_RELEASE,
		                            __ATOMIC_RELAXED);
	}
}

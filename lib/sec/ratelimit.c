/*
 * ratelimit.c - token buckets and in-flight caps in shared memory.
 */
#include "sec/ratelimit.h"

#include "core/clock.h"
#include "core/fnv.h"
#include "core/server.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PROBE 32
/* A bucket's lock is held for a few hundred instructions, but its holder
 * can lose its core while holding it (more processes than cores): for a
 * scheduler slice, milliseconds.  A waiter spins LOCK_SPINS times, then
 * yields its core between tries, and refuses only after LOCK_WAIT_US (a
 * holder that died is released by the master, ratelimit_worker_died).
 * Counting spins alone refused a request, 429 in about 2 ms, whenever a
 * holder was preempted. */
#define LOCK_SPINS 128
#define LOCK_WAIT_US 100000

/* What a bucket is for: a tenant's signed-in callers, or one anonymous
 * client address of a tenant. */
struct key {
	struct uuid tenant;
	unsigned char addr[16];
	bool client;
};

struct bucket {
	int lock; /* pid of the holder, 0 = free */
	bool used;
	struct key key;
	double tokens;
	long long last_us;
	unsigned long long seen; /* recency stamp, for eviction */
};

struct shared {
	unsigned long long clock; /* source of the recency stamps */
	struct bucket buckets[RATELIMIT_BUCKETS];
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
	if (shm != NULL)
		munmap(shm, sizeof(struct shared));
	shm = p;
	return 0;
}

void
ratelimit_set_worker(int index)
{
	worker = index >= 0 && index < RATELIMIT_WORKERS ? index : -1;
}

static bool
try_lock(struct bucket *b, int me)
{
	int free_ = 0;

	return __atomic_load_n(&b->lock, __ATOMIC_RELAXED) == 0 &&
	       __atomic_compare_exchange_n(&b->lock, &free_, me, false,
	                                   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static bool
lock(struct bucket *b)
{
	int me = (int)server_self_pid();
	int64_t deadline;

	for (int i = 0; i < LOCK_SPINS; i++)
		if (try_lock(b, me))
			return true;
	deadline = clock_mono_us() + LOCK_WAIT_US;
	do {
		sched_yield();
		if (try_lock(b, me))
			return true;
	} while (clock_mono_us() < deadline);
	return false;
}

static void
unlock(struct bucket *b)
{
	__atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
}

static bool
key_equal(const struct key *a, const struct key *b)
{
	return a->client == b->client && uuid_equal(&a->tenant, &b->tenant) &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static unsigned
key_hash(const struct key *k)
{
	uint32_t h = fnv_32(FNV_32_INIT, k->tenant.b, sizeof(k->tenant.b));

	if (k->client)
		h = fnv_32(h, k->addr, sizeof(k->addr));
	return h;
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

static struct bucket *
touch(struct bucket *b)
{
	b->seen = __atomic_add_fetch(&shm->clock, 1, __ATOMIC_RELAXED);
	return b;
}

/* b, locked, becomes k's bucket, full. */
static struct bucket *
claim(struct bucket *b, const struct key *k, double burst, long long now_us)
{
	b->used = true;
	b->key = *k;
	b->tokens = burst;
	b->last_us = now_us;
	return touch(b);
}

/* Orders the candidate indexes by their recency stamps, oldest first. */
static void
sort_by_seen(int *cand, unsigned long long *seen, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && seen[j] < seen[j - 1]; j--) {
			unsigned long long s = seen[j];
			int c = cand[j];

			seen[j] = seen[j - 1];
			cand[j] = cand[j - 1];
			seen[j - 1] = s;
			cand[j - 1] = c;
		}
}

/* No free bucket near k's hash: the least recently used of the n
 * candidates that no worker is serving is given to k.  A candidate used
 * since it was looked at is passed over.  Returns it locked, or NULL. */
static struct bucket *
evict(int *cand, int n, const struct key *k, double burst, long long now_us)
{
	unsigned long long seen[PROBE];

	for (int i = 0; i < n; i++)
		seen[i] = __atomic_load_n(&shm->buckets[cand[i]].seen,
		                          __ATOMIC_RELAXED);
	sort_by_seen(cand, seen, n);
	for (int i = 0; i < n; i++) {
		struct bucket *b = &shm->buckets[cand[i]];

		if (inflight(cand[i]) > 0)
			continue;
		if (!lock(b))
			return NULL;
		if (b->seen == seen[i] && inflight(cand[i]) == 0)
			return claim(b, k, burst, now_us);
		unlock(b);
	}
	return NULL;
}

/* k's bucket, found, claimed free on first use, or evicted for it.
 * Returns it locked, or NULL (the caller refuses). */
static struct bucket *
find(const struct key *k, double burst, long long now_us)
{
	unsigned h = key_hash(k);
	int cand[PROBE], n = 0;

	for (int i = 0; i < PROBE; i++) {
		int at = (int)((h + (unsigned)i) % RATELIMIT_BUCKETS);
		struct bucket *b = &shm->buckets[at];

		if (!lock(b))
			return NULL;
		if (b->used && key_equal(&b->key, k))
			return touch(b);
		if (!b->used)
			return claim(b, k, burst, now_us);
		unlock(b);
		cand[n++] = at;
	}
	return evict(cand, n, k, burst, now_us);
}

/* Refills b (locked) for the time since its last use. */
static void
refill(struct bucket *b, double rate, double burst, long long now_us)
{
	if (now_us > b->last_us)
		b->tokens += (double)(now_us - b->last_us) / 1e6 * rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last_us = now_us;
}

/* Takes a token of b (refilled), unless it has none (r says when to come
 * back) or busy (refused for requests in flight, the token kept).  Fills
 * r's counters either way; returns whether the token was taken. */
static bool
take_token(struct bucket *b, double rate, double burst, bool busy,
           struct ratelimit_result *r)
{
	bool took = false;

	if (b->tokens < 1.0) {
		r->allowed = false;
		r->retry_after = (int)ceil((1.0 - b->tokens) / rate);
		if (r->retry_after < 1)
			r->retry_after = 1;
	} else if (busy) {
		r->allowed = false;
		r->concurrency = true;
		r->retry_after = 1;
	} else {
		b->tokens -= 1.0;
		took = true;
	}
	r->remaining = (int)floor(b->tokens);
	r->reset = (int)ceil((burst - b->tokens) / rate);
	return took;
}

/* The table gave no bucket: refused, never let through unmetered. */
static struct ratelimit_result
refused(struct ratelimit_result r)
{
	r.allowed = false;
	r.remaining = 0;
	r.retry_after = 1;
	r.reset = 1;
	return r;
}

static void
serve(int index)
{
	if (worker >= 0)
		__atomic_store_n(&shm->serving[worker], index + 1,
		                 __ATOMIC_RELAXED);
}

struct ratelimit_result
ratelimit_take(const struct uuid *tenant, int rate, int burst, int max_inflight,
               long long now_us)
{
	struct ratelimit_result r = {true, burst, burst, 0, 0, false};
	struct key k = {.tenant = *tenant};
	struct bucket *b;
	int index;

	if (shm == NULL || rate <= 0)
		return r;
	if ((b = find(&k, burst, now_us)) == NULL)
		return refused(r);
	index = (int)(b - shm->buckets);
	refill(b, rate, burst, now_us);
	if (take_token(b, rate, burst,
	               max_inflight > 0 && inflight(index) >= max_inflight, &r))
		serve(index);
	unlock(b);
	return r;
}

/* The client of addr: an IPv4 address (as IPv4-mapped IPv6) or an IPv6
 * /64, which one host can fill at will; all zeros for anything else. */
static void
client_of(const char *addr, unsigned char out[16])
{
	struct in_addr v4;
	struct in6_addr v6;

	memset(out, 0, 16);
	if (addr == NULL)
		return;
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
	} else if (inet_pton(AF_INET6, addr, &v6) == 1) {
		memcpy(out, &v6, IN6_IS_ADDR_V4MAPPED(&v6) ? 16 : 8);
	}
}

/* Reserves a place among the tenant's requests in flight: this worker is
 * marked as serving it unless the cap is reached.  Returns false when
 * refused (full, or no bucket). */
static bool
reserve(const struct uuid *tenant, int burst, int max_inflight,
        long long now_us)
{
	struct key k = {.tenant = *tenant};
	struct bucket *b = find(&k, burst, now_us);
	int index;
	bool ok;

	if (b == NULL)
		return false;
	index = (int)(b - shm->buckets);
	ok = max_inflight <= 0 || inflight(index) < max_inflight;
	if (ok)
		serve(index);
	unlock(b);
	return ok;
}

struct ratelimit_result
ratelimit_take_anonymous(const struct uuid *tenant, const char *addr, int rate,
                         int burst, int max_inflight, long long now_us)
{
	double share_rate = (double)rate / RATELIMIT_ANON_SHARE;
	int share_burst = burst / RATELIMIT_ANON_SHARE;
	struct ratelimit_result r;
	struct key k = {.tenant = *tenant, .client = true};
	struct bucket *b;

	if (share_burst < 1)
		share_burst = 1;
	r = (struct ratelimit_result){true, share_burst, share_burst,
	                              0,    0,           false};
	if (shm == NULL || rate <= 0)
		return r;
	client_of(addr, k.addr);
	/* The place in flight first, held while the client's bucket is
	 * charged (one lock at a time), given back if that refuses. */
	if (!reserve(tenant, burst, max_inflight, now_us)) {
		r = refused(r);
		r.concurrency = true;
		return r;
	}
	if ((b = find(&k, share_burst, now_us)) == NULL) {
		ratelimit_done();
		return refused(r);
	}
	refill(b, share_rate, share_burst, now_us);
	if (!take_token(b, share_rate, share_burst, false, &r))
		ratelimit_done();
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
	for (int i = 0; i < RATELIMIT_BUCKETS; i++) {
		int held = pid;

		__atomic_compare_exchange_n(&shm->buckets[i].lock, &held, 0,
		                            false, __ATOMIC_RELEASE,
		                            __ATOMIC_RELAXED);
	}
}

#ifdef STRATA_TEST_HOOKS
int
ratelimit_test_hold(const struct uuid *tenant, int pid)
{
	struct key k = {.tenant = *tenant};
	struct bucket *b;

	if (shm == NULL || (b = find(&k, 1, 0)) == NULL)
		return -1;
	__atomic_store_n(&b->lock, pid, __ATOMIC_RELEASE);
	return 0;
}
#endif

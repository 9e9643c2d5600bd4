/*
 * activity.c - per-tenant answer counts in shared memory.
 */
#include "core/activity.h"

#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "core/fnv.h"

enum slot_state {
	SLOT_FREE = 0,
	SLOT_CLAIMING = 1, /* its tenant is being written */
	SLOT_READY = 2,
};

struct slot {
	int state;
	struct uuid tenant;
	uint64_t requests;
	uint64_t errors;
};

struct segment {
	uint64_t lost;
	struct slot slots[ACTIVITY_SLOTS];
};

static struct segment *seg;

int
activity_init(void)
{
	void *p = mmap(NULL, sizeof(struct segment), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(struct segment));
	seg = p;
	return 0;
}

/* The slot of tenant, claimed if need be, or NULL when its probes are all
 * taken by others (or one is still being claimed). */
static struct slot *
slot_of(const struct uuid *tenant)
{
	uint32_t h = fnv_32(FNV_32_INIT, tenant->b, sizeof(tenant->b));

	for (uint32_t i = 0; i < ACTIVITY_PROBES; i++) {
		struct slot *s = &seg->slots[(h + i) % ACTIVITY_SLOTS];
		int st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);

		if (st == SLOT_FREE) {
			int expect = SLOT_FREE;

			if (__atomic_compare_exchange_n(
			        &s->state, &expect, SLOT_CLAIMING, false,
			        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				s->tenant = *tenant;
				__atomic_store_n(&s->state, SLOT_READY,
				                 __ATOMIC_RELEASE);
				return s;
			}
			st = expect;
		}
		if (st == SLOT_READY && uuid_equal(&s->tenant, tenant))
			return s;
	}
	return NULL;
}

void
activity_count(const struct uuid *tenant, int status)
{
	struct slot *s;

	if (seg == NULL || tenant == NULL)
		return;
	if ((s = slot_of(tenant)) == NULL) {
		__atomic_fetch_add(&seg->lost, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&s->requests, 1, __ATOMIC_RELAXED);
	if (status >= 400)
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
}

size_t
activity_drain(struct activity_delta *out, size_t max, size_t *cursor)
{
	size_t n = 0, i = *cursor;

	if (seg == NULL) {
		*cursor = 0;
		return 0;
	}
	for (; i < ACTIVITY_SLOTS && n < max; i++) {
		struct slot *s = &seg->slots[i];
		uint64_t r, e;

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_READY)
			continue;
		r = __atomic_exchange_n(&s->requests, 0, __ATOMIC_RELAXED);
		e = __atomic_exchange_n(&s->errors, 0, __ATOMIC_RELAXED);
		if (r == 0 && e == 0)
			continue;
		out[n].tenant = s->tenant;
		out[n].requests = r;
		out[n].errors = e;
		n++;
	}
	*cursor = i < ACTIVITY_SLOTS ? i : 0;
	return n;
}

void
activity_restore(const struct activity_delta *d, size_t n)
{
	for (size_t i = 0; seg != NULL && i < n; i++) {
		struct slot *s = slot_of(&d[i].tenant);

		if (s == NULL) {
			__atomic_fetch_add(&seg->lost, d[i].requests,
			                   __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&s->requests, d[i].requests,
		                   __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->errors, d[i].errors, __ATOMIC_RELAXED);
	}
}

uint64_t
activity_lost(void)
{
	return seg != NULL ? __atomic_load_n(&seg->lost, __ATOMIC_RELAXED) : 0;
}

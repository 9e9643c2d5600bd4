/*
 * cacheset.h - the slot discipline of the per-worker caches keyed by
 * tenant (tenants, keyrings): CACHESET_WAYS slots per set, a key's set
 * chosen by its hash, and within a full set the least recently used slot
 * replaced.  A cache never empties itself to make room, and one entry can
 * be dropped without disturbing any other.
 *
 * The cache owns its entries and an array of stamps beside them, one per
 * slot: 0 is a free slot, any other value the time of the slot's last use
 * (cacheset_touch).  Only the slot discipline is shared; what an entry is
 * and how it matches a key stays with each cache.
 */
#ifndef STRATA_CORE_CACHESET_H
#define STRATA_CORE_CACHESET_H

#include <stdint.h>

/* Eight: at 10,000 tenants in 4,096 sets of four, one set in ten held more
 * than four and its tenants pushed each other out (6 % of lookups missed,
 * each a round trip more); in sets of eight it is one in a thousand. */
#define CACHESET_WAYS 8

struct cacheset {
	uint64_t *stamp; /* nsets * CACHESET_WAYS */
	unsigned nsets;  /* a power of two */
	uint64_t clock;
};

/* The first slot of the set of hash. */
unsigned cacheset_first(const struct cacheset *c, uint32_t hash);

/* Marks slot used now. */
void cacheset_touch(struct cacheset *c, unsigned slot);

/* The slot to fill in the set starting at first: a free one, else the
 * least recently used one for which keep (when not NULL) says false, else
 * -1 (every slot of the set is to be kept).  The caller frees what the
 * slot held. */
int cacheset_victim(const struct cacheset *c, unsigned first,
                    int (*keep)(unsigned slot, void *ctx), void *ctx);

/* Marks slot free. */
void cacheset_drop(struct cacheset *c, unsigned slot);

#endif

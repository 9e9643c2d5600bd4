/*
 * cacheset.c - set-associative slots with least-recently-used
 * replacement (core/cacheset.h).
 */
#include "core/cacheset.h"

#include <stddef.h>

unsigned
cacheset_first(const struct cacheset *c, uint32_t hash)
{
	return (hash & (c->nsets - 1)) * CACHESET_WAYS;
}

void
cacheset_touch(struct cacheset *c, unsigned slot)
{
	c->stamp[slot] = ++c->clock;
}

int
cacheset_victim(const struct cacheset *c, unsigned first,
                int (*keep)(unsigned slot, void *ctx), void *ctx)
{
	int best = -1;

	for (unsigned i = first; i < first + CACHESET_WAYS; i++) {
		if (c->stamp[i] == 0)
			return (int)i;
		if (keep != NULL && keep(i, ctx))
			continue;
		if (best < 0 || c->stamp[i] < c->stamp[best])
			best = (int)i;
	}
	return best;
}

void
cacheset_drop(struct cacheset *c, unsigned slot)
{
	c->stamp[slot] = 0;
}

/*
 * sweep.c - the rest between two sweeps of a tenant poller.
 */
#include "ops/sweep.h"

void
sweep_init(struct sweep *s, int min_ms, int max_ms)
{
	s->min_ms = min_ms;
	s->max_ms = max_ms < min_ms ? min_ms : max_ms;
	s->rest_ms = 0;
	s->found = false;
}

void
sweep_found(struct sweep *s, int n)
{
	if (n > 0)
		s->found = true;
}

int
sweep_end(struct sweep *s)
{
	if (s->found || s->rest_ms < s->min_ms)
		s->rest_ms = s->min_ms;
	else /* halving the most first: the doubling cannot overflow */
		s->rest_ms =
		    s->rest_ms > s->max_ms / 2 ? s->max_ms : s->rest_ms * 2;
	s->found = false;
	return s->rest_ms;
}

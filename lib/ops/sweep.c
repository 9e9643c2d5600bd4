/*
 * sweep.c - the rest between two sweeps of a tenant poller.
 */
#include "ops/sweep.h"

void
sweep_init(struct sweep *s)
{
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
	if (s->found || s->rest_ms < SWEEP_REST_MIN_MS)
		s->rest_ms = SWEEP_REST_MIN_MS;
	else if (s->rest_ms < SWEEP_REST_MAX_MS)
		s->rest_ms = s->rest_ms * 2 > SWEEP_REST_MAX_MS
		                 ? SWEEP_REST_MAX_MS
		                 : s->rest_ms * 2;
	s->found = false;
	return s->rest_ms;
}

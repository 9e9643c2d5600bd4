/*
 * clock.h - the process's clocks: monotonic for durations and deadlines,
 * real time for timestamps.  The one place that calls clock_gettime for a
 * number of milliseconds, microseconds or seconds.
 */
#ifndef STRATA_CORE_CLOCK_H
#define STRATA_CORE_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock (arbitrary origin, never goes back).
 * Cannot fail. */
int64_t clock_mono_ms(void);

/* Microseconds on the monotonic clock.  Cannot fail. */
int64_t clock_mono_us(void);

/* Milliseconds since the epoch (UTC), now.  Cannot fail. */
int64_t clock_real_ms(void);

/* Seconds since the epoch (UTC), now: what token expiry compares with.
 * Cannot fail. */
long clock_real_s(void);

#endif

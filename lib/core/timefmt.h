/*
 * timefmt.h - RFC 3339 timestamps, the API's only time format.
 */
#ifndef STRATA_CORE_TIMEFMT_H
#define STRATA_CORE_TIMEFMT_H

#include <stdint.h>

/* Parses YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm) (a 't' or ' ' for
 * 'T' and 'z' for 'Z' too) into milliseconds since the epoch (UTC).
 * Returns 0, or -1 when s is anything else or names an impossible date. */
int timefmt_parse(const char *s, int64_t *ms);

/* Formats ms as YYYY-MM-DDTHH:MM:SS.mmmZ into out[32]. */
void timefmt_format(int64_t ms, char out[32]);

#endif

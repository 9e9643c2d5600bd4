/*
 * activity.h - answers per tenant, counted in shared memory by the
 * workers and drained by the reporter process into the daily figures
 * (strata_analytics.activity, sql/014_analytics.sql).
 *
 * The master maps one segment before forking.  A worker adds one request
 * (and one error when the status is 400 or more) to its tenant's slot
 * with relaxed atomic adds: no lock, no database work on the request
 * path.  Slots are claimed once per tenant (open addressing, bounded
 * probes) and never freed; a tenant that finds no slot is counted in
 * activity_lost() instead, never silently.
 */
#ifndef STRATA_CORE_ACTIVITY_H
#define STRATA_CORE_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "core/uuid.h"

#define ACTIVITY_SLOTS 16384 /* tenants counted at once */
#define ACTIVITY_PROBES 64   /* slots tried per tenant */

/* What one tenant answered since the last drain. */
struct activity_delta {
	struct uuid tenant;
	uint64_t requests;
	uint64_t errors;
};

/* Maps the segment; call once in the master before forking.  Returns 0 or
 * -1.  Without it (command line, unit tests) counting is a no-op. */
int activity_init(void);

/* Counts one answer of tenant with HTTP status. */
void activity_count(const struct uuid *tenant, int status);

/* Moves up to max tenants' counts into out (taken atomically: a count
 * added meanwhile stays for the next drain) and returns how many were
 * moved.  *cursor (start at 0) says where to go on, so a table with more
 * busy tenants than max is drained over several calls; it is 0 again
 * once the table was walked to its end. */
size_t activity_drain(struct activity_delta *out, size_t max, size_t *cursor);

/* Gives back deltas that could not be stored (the database was down), to
 * be drained again later. */
void activity_restore(const struct activity_delta *d, size_t n);

/* Answers that found no slot since start. */
uint64_t activity_lost(void);

#endif

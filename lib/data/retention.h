/*
 * retention.h - purging records past their collection's retention.
 *
 * retention.collections in a tenant's settings gives days per collection.
 * Records created longer ago are deleted in batches; each batch commits
 * with its counter update and one retention.purge audit event (actor
 * system) saying how many records went, never which values.
 */
#ifndef STRATA_DATA_RETENTION_H
#define STRATA_DATA_RETENTION_H

#include <cJSON.h>

#include "core/uuid.h"

struct db;
struct arena;

/* Purges the tenant's expired records per its settings at config_version.
 * Adds {"collection": {"days": D, "purged": N}} members to report.  Returns
 * how many records went, or -1 on a database failure. */
long long retention_run(struct db *db, struct arena *a,
                        const struct uuid *tenant, long long config_version,
                        cJSON *report);

#endif

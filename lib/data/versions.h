/*
 * versions.h - the per-tenant version vector (sql/009_versions.sql).
 *
 * One row per tenant, read in every tenant request's round trip together
 * with the tenant's current status.  A worker's cached principal,
 * settings, collection definitions and keys are valid while the version
 * they were filled under matches; every change bumps its counter in the
 * change's own transaction (the versions_queue_bump_* calls), so the next
 * request on every worker sees it.  Invalidation is per tenant.
 */
#ifndef STRATA_DATA_VERSIONS_H
#define STRATA_DATA_VERSIONS_H

#include <stdbool.h>

struct db;

struct tenant_versions {
	bool found;      /* the tenant exists */
	char status[16]; /* active, suspended, deleted */
	long long auth_epoch;
	long long config_version;
	long long schema_version;
	long long keyring_version;
	long long plan_version; /* of the tenant's plan (plans.version) */
};

/* Queues the read of tenant tid's versions into out (zeroed now, filled
 * by db_sync).  Returns the handle or -1 (db_queue's loud failure). */
int versions_queue_get(struct db *db, const char *tid,
                       struct tenant_versions *out);

/* Queue a bump of one counter, in the caller's open transaction. */
int versions_queue_bump_auth(struct db *db, const char *tid);
int versions_queue_bump_schema(struct db *db, const char *tid);
int versions_queue_bump_keyring(struct db *db, const char *tid);

#endif

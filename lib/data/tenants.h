/*
 * tenants.h - the global tenants table and each worker's cache of it.
 *
 * The cache maps slug (or custom domain) -> tenant for the worker's
 * lifetime, 32,768 entries, the least recently used making room; one
 * tenant's entries are dropped when PostgreSQL notifies a change to it on
 * channel strata_cache ("tenant:<id>"), all of them on "tenants" and after
 * a reconnect.  Unknown
 * slugs are remembered for a few seconds so a flood of random hosts cannot
 * turn into a flood of queries.
 */
#ifndef STRATA_DATA_TENANTS_H
#define STRATA_DATA_TENANTS_H

#include <stdbool.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "core/request.h"

struct db;

struct arena;

enum tenant_lookup {
	TENANT_FOUND,       /* and active */
	TENANT_NOT_FOUND,   /* unknown, or deleted */
	TENANT_SUSPENDED,   /* exists, suspended */
	TENANT_RESTORING,   /* exists, its data being restored (503) */
	TENANT_MOVING,      /* exists, moving to another region (503) */
	TENANT_UNAVAILABLE, /* the database was needed and is down */
};

/* The tenant of a host slug, from this worker's cache or the database,
 * copied into arena a as *out (NULL when not found). */
enum tenant_lookup tenants_resolve(struct db *db, struct arena *a,
                                   const char *slug, struct tenant **out);

/* The state a tenants.status names ("active", "moving", ...). */
enum tenant_lookup tenants_status_of(const char *status);

/* The state of t by its status; drops t from the cache when it is not
 * active (the cached copy may be stale). */
enum tenant_lookup tenants_status(const struct tenant *t);

/* Cache invalidation by notification payload. */
void tenants_notify(const char *payload);
void tenants_cache_clear(void);
/* Drops this worker's entries of tenant id (its slug and its domains). */
void tenants_cache_forget(const struct uuid *id);

/* Refreshes this worker's cached copy of t (its config version moved). */
void tenants_cache_put(const struct tenant *t);

/* Fills t from row i of a result with the columns of TENANT_COLUMNS. */
void tenants_from_row(struct tenant *t, const PGresult *r, int i);

/* {id, slug, name, status, plan, region, created_at} of t. */
cJSON *tenants_json(const struct tenant *t);

/* Inserts a tenant (id generated) on plan (a plans row) in region (NULL:
 * 'local', the deployment's only region) within the caller's transaction;
 * the statement's handle is returned for db_result (one row,
 * TENANT_COLUMNS). */
int tenants_queue_insert(struct db *db, const char *id, const char *slug,
                         const char *name, const char *plan,
                         const char *region);

/* Looks a tenant up by slug or id (text) outside any cache. Returns its
 * handle. */
int tenants_queue_get(struct db *db, const char *slug_or_id);

/* The tenant of a verified custom domain (a normalised host outside the
 * base domain), like tenants_resolve(). */
enum tenant_lookup tenants_resolve_domain(struct db *db, struct arena *a,
                                          const char *host,
                                          struct tenant **out);

/* Sets status ('active', 'suspended', 'deleted') and notifies the workers
 * in the same transaction.  Returns the handle (one row when it existed).
 */
int tenants_queue_set_status(struct db *db, const char *slug_or_id,
                             const char *status);

/* All tenants ordered by slug (TENANT_COLUMNS). */
int tenants_queue_list(struct db *db);

/* Deletes every row of tenant (already 'deleted'), audit events included,
 * in one transaction.  Needs the owner role.  Returns 0 or -1. */
int tenants_purge(struct db *db, const struct uuid *tenant);

/* A page for operators: rows of (slug, json with status, plan, region and
 * counts) after slug after (NULL = first page), limit rows. */
int tenants_queue_page(struct db *db, const char *after, const char *limit);

/* Platform-wide aggregates, no tenant's rows.  One row (json). */
int tenants_queue_usage(struct db *db);

/* One tenant read outside the cache: found, and the tenant. */
struct tenant_one {
	bool found;
	struct tenant t;
};

/* A page of tenants for operators: at most limit + 1 rows of (slug,
 * JSON text with status, plan, region and counts). */
struct tenant_page_row {
	const char *slug;
	const char *json;
};

struct tenant_page {
	int n;
	struct tenant_page_row *rows;
};

/* Typed reads and writes, filled by db_sync; each returns the handle or
 * -1 (db_queue's loud failure).  tenants_get: by slug or id, any status.
 * tenants_set_status: as tenants_queue_set_status(), out->found when the
 * tenant existed (and was not deleted).  tenants_page: as
 * tenants_queue_page().  tenants_usage: the platform-wide aggregates as
 * one JSON text into *json (NULL when none). */
int tenants_get(struct db *db, const char *slug_or_id, struct tenant_one *out);
int tenants_set_status(struct db *db, const char *slug_or_id,
                       const char *status, struct tenant_one *out);
/* Sets the plan and/or the name (NULL: kept) of tenant id (not deleted)
 * and notifies the workers; out->found when it existed.  An unknown plan
 * fails the trip (SQLSTATE 23503). */
int tenants_update(struct db *db, const char *id, const char *plan,
                   const char *name, struct tenant_one *out);
int tenants_page(struct db *db, const char *after, const char *limit,
                 struct tenant_page *out);
int tenants_usage(struct db *db, const char **json);

#define TENANT_COLUMNS                                                         \
	"id, slug, name, status, config_version, ts(created_at), plan, region"

#endif

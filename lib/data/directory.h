/*
 * directory.h - the global directory of tenants (sql/021_regions.sql,
 * docs/regions.md): which region is each tenant's home.
 *
 * Each region writes only its own rows, in the transaction that changes
 * the tenant (creation, status, verified domains); logical replication
 * brings every other region's rows.  Without a configured region the
 * database has none, and the writes here change nothing.
 */
#ifndef STRATA_DATA_DIRECTORY_H
#define STRATA_DATA_DIRECTORY_H

#include <stdbool.h>

#include "core/regions.h"

struct db;

/* Queues the local row's refresh of tenant (its id as text) in the
 * caller's transaction.  Returns the handle or -1 (db_queue's loud
 * failure).  A slug another tenant holds as its home in another region
 * fails the trip with SQLSTATE 23505. */
int directory_queue_sync(struct db *db, const char *tenant_id);

/* As directory_queue_sync() for the tenant of a slug or id (text). */
int directory_queue_sync_by(struct db *db, const char *slug_or_id);

/* Where a host this region does not serve lives: known when any region's
 * row names it, home[] the region whose row is active ("" while none is:
 * a tenant being moved). */
struct directory_home {
	bool known;
	char home[REGION_NAME_MAX + 1];
};

/* Queues the lookup of a slug or (slug NULL) a verified custom domain into
 * *out, filled by db_sync.  Returns the handle or -1. */
int directory_lookup(struct db *db, const char *slug, const char *domain,
                     struct directory_home *out);

/* Names the database's region and publishes its rows (`strata migrate`
 * with a region configured), on a connection of its own to conninfo (the
 * schema owner's).  Returns 0, or -1 with a message on stderr (a database
 * that already serves another region refuses). */
int directory_set_region(const char *conninfo, const char *region);

#endif

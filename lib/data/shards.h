/*
 * shards.h - a tenant's place on a Citus cluster (docs/scale-out.md): its
 * own shard (isolate), the node that holds it (place), and the per-tenant
 * load Citus counts (citus_stat_tenants).  Every statement here names the
 * tenant by id; the caller resolved it.  On a database without Citus each
 * statement fails (the commands then say so).
 */
#ifndef STRATA_DATA_SHARDS_H
#define STRATA_DATA_SHARDS_H

#include <stdbool.h>
#include <stdint.h>

struct db;

/* Queues isolate_tenant_to_new_shard('strata.records', tenant, 'CASCADE',
 * 'block_writes'): the tenant's rows of every co-located table move to
 * shards of their own; reads go on, the shard group's writes wait for the
 * copy (the logical split stalls in Citus 13.2, docs/scale-out.md).
 * One row: the new shard id of records.  Returns the handle or -1. */
int shards_queue_isolate(struct db *db, const char *tenant_id);

/* Queues citus_move_shard_placement of the tenant's shard group to the
 * worker host:port, online ('force_logical').  One row (shard id, old
 * host, old port) when it moved; an error when it is there already or the
 * node is unknown.  Returns the handle or -1. */
int shards_queue_place(struct db *db, const char *tenant_id, const char *host,
                       const char *port);

/* Queues the tenant's shard of records and the node holding it: one row
 * (shard id, host, port, tenants sharing the shard's hash range: 1 when
 * isolated).  Returns the handle or -1. */
int shards_queue_where(struct db *db, const char *tenant_id);

/* FORCE ROW LEVEL SECURITY off on the tenant tables for an online
 * transfer (force false), or back on (true); see 013_citus.sql.  The list
 * queues the names of the tables still to change (one per row), and one
 * changes one of them; each is a round trip of its own (one transaction
 * per table: all in one deadlocks with live traffic).  Handle or -1. */
int shards_queue_force_list(struct db *db, bool force);
int shards_queue_force_one(struct db *db, const char *table, bool force);

/* Queues the busiest tenants by Citus's counters (both periods summed):
 * rows of (tenant slug, queries, reads, cpu seconds), at most limit,
 * busiest first.  Returns the handle or -1. */
int shards_queue_stats(struct db *db, const char *limit);

/* 1 when the database has the citus extension, 0 when not, -1 on error
 * (one round trip). */
int shards_has_citus(struct db *db);

/* One tenant's load as citus_stat_tenants counts it (both periods). */
struct shards_load {
	char slug[64]; /* the tenant's slug, or Citus's attribute (truncated) */
	uint64_t queries;
	double cpu_seconds;
};

/* The busiest tenants (by CPU, then queries) into out[0..limit-1], one
 * round trip on a database with Citus.  Returns the rows, or -1. */
int shards_top_tenants(struct db *db, int limit, struct shards_load *out);

#endif

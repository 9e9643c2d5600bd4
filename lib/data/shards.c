/*
 * shards.c - the SQL of a tenant's shard on Citus (shards.h).
 */
#include "data/shards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/db.h"

/* block_writes: Citus 13.2's logical split stalls on tenant_counters
 * ("publisher did not send replica identity column"); the split copies
 * while the shard group's writes wait (docs/scale-out.md). */
static struct db_stmt st_isolate =
    DB_STMT("shards_isolate",
            "SELECT isolate_tenant_to_new_shard('strata.records', $1::uuid, "
            "'CASCADE', shard_transfer_mode => 'block_writes')",
            1);
static struct db_stmt st_place = DB_STMT(
    "shards_place",
    "SELECT s.shardid, s.nodename, s.nodeport, citus_move_shard_placement("
    "s.shardid, s.nodename, s.nodeport, $2, $3::int, shard_transfer_mode "
    "=> 'force_logical') FROM pg_dist_shard_placement s WHERE s.shardid = "
    "get_shard_id_for_distribution_column('strata.records', $1::uuid)",
    3);
static struct db_stmt st_where = DB_STMT(
    "shards_where",
    "SELECT s.shardid, p.nodename, p.nodeport, (SELECT count(*) FROM "
    "tenants t WHERE get_shard_id_for_distribution_column('strata.records', "
    "t.id) = s.shardid) FROM pg_dist_shard s JOIN pg_dist_shard_placement p "
    "ON p.shardid = s.shardid WHERE s.shardid = "
    "get_shard_id_for_distribution_column('strata.records', $1::uuid)",
    1);
static struct db_stmt st_stats = DB_STMT(
    "shards_stats",
    "SELECT coalesce(t.slug, s.tenant_attribute), sum(s.query_count_in_this_"
    "period + s.query_count_in_last_period), sum(s.read_count_in_this_"
    "period + s.read_count_in_last_period), round(sum(s.cpu_usage_in_this_"
    "period + s.cpu_usage_in_last_period)::numeric, 6) FROM "
    "citus_stat_tenants s LEFT JOIN tenants t ON t.id::text = "
    "s.tenant_attribute GROUP BY 1 ORDER BY 4 DESC, 2 DESC, 1 LIMIT "
    "$1::int",
    1);

int
shards_queue_isolate(struct db *db, const char *tenant_id)
{
	const char *p[1] = {tenant_id};

	return db_queue(db, &st_isolate, p);
}

int
shards_queue_place(struct db *db, const char *tenant_id, const char *host,
                   const char *port)
{
	const char *p[3] = {tenant_id, host, port};

	return db_queue(db, &st_place, p);
}

int
shards_queue_where(struct db *db, const char *tenant_id)
{
	const char *p[1] = {tenant_id};

	return db_queue(db, &st_where, p);
}

int
shards_queue_stats(struct db *db, const char *limit)
{
	const char *p[1] = {limit};

	return db_queue(db, &st_stats, p);
}

static struct db_stmt st_force_list = DB_STMT(
    "shards_force_list", "SELECT strata.tenant_tables_unlike($1::boolean)", 1);
static struct db_stmt st_force_one = DB_STMT(
    "shards_force_one", "SELECT strata.tenant_table_force($1, $2::boolean)", 2);

int
shards_queue_force_list(struct db *db, bool force)
{
	const char *p[1] = {force ? "true" : "false"};

	return db_queue(db, &st_force_list, p);
}

int
shards_queue_force_one(struct db *db, const char *table, bool force)
{
	const char *p[2] = {table, force ? "true" : "false"};

	return db_queue(db, &st_force_one, p);
}

static struct db_stmt st_has_citus =
    DB_STMT("shards_has_citus",
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = "
            "'citus')",
            0);

int
shards_has_citus(struct db *db)
{
	PGresult *r;
	int h = db_queue(db, &st_has_citus, NULL);

	if (h < 0 || db_sync(db) != 0 || (r = db_result(db, h)) == NULL ||
	    db_rows(r) != 1)
		return -1;
	return db_bool(r, 0, 0) ? 1 : 0;
}

int
shards_top_tenants(struct db *db, int limit, struct shards_load *out)
{
	char n[16];
	PGresult *r;
	int h, rows;

	snprintf(n, sizeof(n), "%d", limit);
	h = shards_queue_stats(db, n);
	if (h < 0 || db_sync(db) != 0 || (r = db_result(db, h)) == NULL)
		return -1;
	rows = db_rows(r);
	if (rows > limit)
		rows = limit;
	for (int i = 0; i < rows; i++) {
		const char *slug = db_value(r, i, 0);
		size_t len = strlen(slug);

		if (len >= sizeof(out[i].slug))
			len = sizeof(out[i].slug) - 1;
		memcpy(out[i].slug, slug, len);
		out[i].slug[len] = '\0';
		out[i].queries = strtoull(db_value(r, i, 1), NULL, 10);
		out[i].cpu_seconds = strtod(db_value(r, i, 3), NULL);
	}
	return rows;
}

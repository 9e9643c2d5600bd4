/*
 * retention.c - expiring records by their collection's retention.
 */
#include "data/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/arena.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/records.h"
#include "data/settings.h"

#define BATCH 5000

static struct db_stmt st_expire = DB_STMT(
    "retention_expire",
    "WITH gone AS (DELETE FROM records r WHERE r.tenant_id = $1 AND r.id "
    "IN (SELECT e.id FROM records e WHERE e.tenant_id = $1 AND "
    "e.collection = $2 AND e.created_at < now() - $3::int * interval "
    "'1 day' LIMIT $4) RETURNING 1) SELECT count(*) FROM gone",
    4);

/* One batch of one collection in one transaction; how many went or -1. */
static long long
expire_batch(struct db *db, struct arena *a, const struct uuid *tenant,
             const char *collection, int days)
{
	char tid[UUID_STR_LEN + 1], d[16], lim[16];
	const char *p[4] = {tid, collection, d, lim};
	long long n;
	int h;

	uuid_format(tenant, tid);
	snprintf(d, sizeof(d), "%d", days);
	snprintf(lim, sizeof(lim), "%d", BATCH);
	/* A fresh statement queue for each batch: a tenant may need many. */
	if (db_ready(db, a) < 0)
		return -1;
	db_begin(db, tenant);
	h = db_queue(db, &st_expire, p);
	if (db_sync(db) != 0 || db_result(db, h) == NULL) {
		db_finish(db);
		return -1;
	}
	n = strtoll(db_value(db_result(db, h), 0, 0), NULL, 10);
	if (n > 0) {
		records_queue_counter(db, a, tid, arena_printf(a, "-%lld", n));
		audit_queue_system(
		    db, tenant, "retention.purge", "collection", collection,
		    arena_printf(a, "{\"days\":%d,\"records\":%lld}", days, n));
	}
	db_commit(db);
	if (db_sync(db) != 0) {
		db_finish(db);
		return -1;
	}
	return n;
}

long long
retention_run(struct db *db, struct arena *a, const struct uuid *tenant,
              long long config_version, cJSON *report)
{
	struct tenant_settings *s = arena_alloc(a, sizeof(*s));
	long long total = 0;
	int rc;

	if (db_ready(db, a) < 0)
		return -1;
	db_begin(db, tenant);
	rc = settings_load(db, tenant, config_version, s);
	db_finish(db);
	if (rc < 0)
		return -1;
	for (int i = 0; i < s->nretention; i++) {
		const char *c = s->retention[i].collection;
		int days = s->retention[i].days;
		long long sum = 0, n;
		cJSON *o;

		do {
			n = expire_batch(db, a, tenant, c, days);
			if (n < 0)
				return -1;
			sum += n;
		} while (n == BATCH);
		o = cJSON_AddObjectToObject(report, c);
		cJSON_AddNumberToObject(o, "days", days);
		cJSON_AddNumberToObject(o, "purged", (double)sum);
		total += sum;
	}
	return total;
}

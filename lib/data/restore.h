/*
 * restore.h - one tenant's data copied from a restored copy of the
 * database (a PITR scratch cluster) into the live one (`strata tenant
 * restore`, docs/operations.md).
 *
 * Restored as of the copy: users, roles and their grants, refresh tokens,
 * API keys, collections and their versions, records and their index rows,
 * the record counters and subject keys.  The live tenant keeps its audit
 * trail (the restore is added to it), its webhooks and events, and every
 * tenant key it holds now; keys only the copy holds are added back, so
 * that restored values open.  The configuration as of the copy becomes a
 * new version (numbers are never reused).
 */
#ifndef STRATA_DATA_RESTORE_H
#define STRATA_DATA_RESTORE_H

#include <stdbool.h>

#include "core/uuid.h"

struct arena;
struct db;

/* The tables replaced, parents first. */
#define RESTORE_TABLES 13

/* What the copy holds for the tenant, in the arena of its db. */
struct restore_source {
	bool in_recovery;       /* the copy is still replaying WAL */
	bool at_or_before;      /* its last replayed commit is <= the time */
	const char *migrations; /* its migrations, to compare with live's */
	const char *rows[RESTORE_TABLES]; /* JSON array texts */
	long n[RESTORE_TABLES];
	const char *keys;     /* tenant_keys, JSON array text */
	long config_version;  /* 0: no configuration */
	const char *settings; /* the current configuration's jsonb text */
};

/* The name of table i (0 <= i < RESTORE_TABLES). */
const char *restore_table(int i);

/* Queues, on src (the copy, owner role), one REPEATABLE READ transaction
 * of tenant that reads everything above; out is filled by db_sync() and
 * its texts live in src's arena.  at is the restore's point in time
 * (timestamptz text).  Returns the last handle, or -1. */
int restore_queue_read(struct db *src, const struct uuid *tenant,
                       const char *at, struct restore_source *out);

/* Queues the live migrations list (compare with out->migrations). */
int restore_queue_migrations(struct db *db, const char **out);

/* Queues, in the caller's open transaction of tenant tid on the live
 * database, the replacement of the tenant's rows by src's, the keys and
 * configuration as described above, and one bump of every cache version
 * of the tenant (tenant_versions), so no worker keeps a principal, a
 * schema or a key of before.  comment goes with the new configuration
 * version.  Returns the last handle, or -1. */
int restore_queue_replace(struct db *live, struct arena *a, const char *tid,
                          const struct restore_source *src,
                          const char *comment);

#endif

/*
 * erasures.h - the erasure ledger (sql/020_dr.sql): which subjects of a
 * tenant were erased, kept apart from the data restores bring back, and
 * re-applied after every restore.
 */
#ifndef STRATA_DATA_ERASURES_H
#define STRATA_DATA_ERASURES_H

struct db;

/* What a re-application removed: subject keys and records. */
struct erasures_count {
	int keys;
	int records;
};

/* Queues, in the caller's transaction of tenant tid, one ledger row per
 * hash of hashes (text[]); a hash already there keeps its first time.
 * The handle, or -1 (the round trip then fails). */
int erasures_queue_record(struct db *db, const char *tid, const char *hashes);

/* Queues, in the caller's transaction of tenant tid, the deletion of every
 * subject key and record the ledger names, and counts the tenant's
 * records again (tenant_counters); out (zeroed here) is filled by
 * db_sync().  Returns the last handle, or -1. */
int erasures_queue_reapply(struct db *db, const char *tid,
                           struct erasures_count *out);

/* The ledger is a tenant table: each call below runs in the caller's open
 * transaction of tenant tid (db_begin). */

/* Queues the tenant's ledger as one JSON array text ([] when empty) into
 * *out (db's arena): what a whole-cluster restore brings in from the
 * newest copy.  The handle, or -1. */
int erasures_queue_export(struct db *db, const char *tid, const char **out);

/* Queues the import of an exported ledger (json) of tenant tid, rows
 * already there kept; *imported counts the new ones.  The handle, or -1. */
int erasures_queue_import(struct db *db, const char *tid, const char *json,
                          long *imported);

/* Queues the count of the tenant's ledger rows into *out. */
int erasures_queue_count(struct db *db, const char *tid, long *out);

#endif

/*
 * reseal.h - the SQL of re-encryption (`strata keys reencrypt`): the keys
 * it seals under, locked against a rotation; its checkpoint; batches of
 * records and subject keys locked for rewriting; the wait for
 * transactions older than the current keys; the final check and the
 * retirement of the old data and index keys.
 *
 * Every function queues into the caller's open transaction of the tenant
 * and decodes into out during db_sync(); -1 when it cannot be queued.
 */
#ifndef STRATA_DATA_RESEAL_H
#define STRATA_DATA_RESEAL_H

#include <stdbool.h>

#include "core/uuid.h"
#include "data/exports.h"

struct db;

/* The tenant's current data and index keys, locked FOR SHARE until the
 * transaction ends (a rotation waits), and the clock of the database. */
struct reseal_targets {
	bool found; /* both keys exist */
	char data[UUID_STR_LEN + 1];
	char index[UUID_STR_LEN + 1];
	long long keyring_version;
	const char *now; /* clock_timestamp() as text */
};
int reseal_lock_targets(struct db *db, const char *tid,
                        struct reseal_targets *out);

struct reseal_checkpoint {
	bool found;
	const char *data, *index; /* the keys it was re-sealing under */
	const char *after;        /* the last record id done */
	long long records;
};
int reseal_checkpoint_get(struct db *db, const char *tid,
                          struct reseal_checkpoint *out);
/* Writes the checkpoint (records as decimal text). */
int reseal_checkpoint_put(struct db *db, const char *tid, const char *data,
                          const char *index, const char *after,
                          const char *records);
int reseal_checkpoint_drop(struct db *db, const char *tid);

/* Every collection of the tenant, its row locked FOR SHARE (a definition
 * change waits for the batch). */
int reseal_collections(struct db *db, const char *tid,
                       struct export_collections *out);

/* Up to limit records with id > after, in id order, locked FOR UPDATE
 * (RECORD_COLUMNS rows, with their subject key). */
int reseal_records(struct db *db, const char *tid, const char *after,
                   const char *limit, struct export_batch *out);

/* Stores a record's re-sealed data and subject; its version and
 * updated_at stay (its content did not change). */
int reseal_record_update(struct db *db, const char *tid, const char *id,
                         const char *data, const char *subject);

/* Up to limit subject keys with id > after not wrapped by data_key,
 * locked FOR UPDATE. */
struct reseal_subject {
	const char *id, *wrapped, *wrapped_by;
};
struct reseal_subjects {
	int n;
	struct reseal_subject *rows;
};
int reseal_subjects(struct db *db, const char *tid, const char *data_key,
                    const char *after, const char *limit,
                    struct reseal_subjects *out);
int reseal_subject_rewrap(struct db *db, const char *tid, const char *id,
                          const char *wrapped, const char *wrapped_by);

/* Up to limit TOTP secrets (sql/017_mfa.sql) of users with id > after
 * not sealed under data_key, locked FOR UPDATE. */
struct reseal_mfa_row {
	const char *uid, *secret;
};
struct reseal_mfa {
	int n;
	struct reseal_mfa_row *rows;
};
int reseal_mfa_secrets(struct db *db, const char *tid, const char *data_key,
                       const char *after, const char *limit,
                       struct reseal_mfa *out);
int reseal_mfa_update(struct db *db, const char *tid, const char *uid,
                      const char *secret);

/* Deletes the subject keys made before index_key that no record refers
 * to: their subject hash is under an older index key, nothing computes it
 * any more, and they seal nothing.  out: how many went. */
int reseal_drop_dead_subjects(struct db *db, const char *tid,
                              const char *index_key, long long *out);

/* How many other transactions of this role started before cutoff (a
 * timestamptz text) are still running. */
int reseal_older_transactions(struct db *db, const char *cutoff,
                              long long *out);

/* Values still sealed under a data key other than data_key that is about
 * to be retired (record fields and TOTP secrets), and subject keys
 * wrapped by one. */
struct reseal_left {
	long long values;
	long long subject_keys;
};
int reseal_verify(struct db *db, const char *tid, const char *data_key,
                  struct reseal_left *out);

/* Retires for good (expires_at = now()) every retired data and index key
 * of the tenant.  out: how many of each. */
struct reseal_retired {
	long long data, index;
};
int reseal_retire(struct db *db, const char *tid, struct reseal_retired *out);

#endif

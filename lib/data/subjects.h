/*
 * subjects.h - per-(tenant, subject) data keys (crypto-shredding).
 *
 * A subject is known only by its blind index (hash).  Its key is random,
 * stored wrapped by a tenant data key (AES-256-GCM, associated data:
 * tenant, "subject", key id).  Erasure deletes the row.
 */
#ifndef STRATA_DATA_SUBJECTS_H
#define STRATA_DATA_SUBJECTS_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "core/uuid.h"
#include "data/keyring.h"

struct db;

/* A subject's stored key: its id, the wrapped bytes (bytea text) and the
 * data key id they are wrapped by. */
struct subject_key_row {
	bool found;
	const char *id;
	const char *wrapped;
	const char *wrapped_by;
};

/* The subject's key, creating it under the tenant's current data key when
 * it has none (concurrent creators converge on one row), into out. */
int subjects_get_or_create(struct db *db, const char *tid, const char *hash,
                           const char *new_id, const char *wrapped,
                           const char *wrapped_by, struct subject_key_row *out);

/* The keys of any of the hashes (text[]); rows as above. */
int subjects_queue_keys(struct db *db, const char *tid, const char *hashes);

/* Deletes the keys of the hashes; out->n says how many went. */
struct subjects_count {
	int n;
};
int subjects_destroy(struct db *db, const char *tid, const char *hashes,
                     struct subjects_count *out);

/* A fresh key wrapped under the tenant's current data key: id, wrapped
 * bytea literal and wrapping key id into out.  Returns 0 or -1. */
struct subject_new {
	struct uuid id;
	char id_str[UUID_STR_LEN + 1];
	char wrapped[2 * (CRYPTO_KEY_LEN + CRYPTO_SEAL_OVERHEAD) + 3];
	char wrapped_by[UUID_STR_LEN + 1];
};
int subjects_new_key(const struct keyring *k, const struct uuid *tenant,
                     struct subject_new *out);

/* Wraps the existing subject key id/key under the current data key into
 * out (re-encryption).  Returns 0, or -1 without a current data key or
 * when the cipher fails. */
int subjects_wrap_key(const struct keyring *k, const struct uuid *tenant,
                      const struct uuid *id,
                      const unsigned char key[CRYPTO_KEY_LEN],
                      struct subject_new *out);

/* Unwraps a subject key (its id, wrapped bytes as bytea text, and the data
 * key id it is wrapped by) into key.  Returns 0, or -1 when any is NULL,
 * the wrapping key is gone or the bytes differ. */
int subjects_unwrap_key(const struct keyring *k, const struct uuid *tenant,
                        const char *id_text, const char *wrapped,
                        const char *wrapped_by, struct uuid *id,
                        unsigned char key[CRYPTO_KEY_LEN]);

/* Unwraps row i (id, wrapped, wrapped_by columns at col..col+2) into key.
 * Returns 0, or -1 when the wrapping key is gone or the bytes differ. */
int subjects_unwrap(const struct keyring *k, const struct uuid *tenant,
                    const PGresult *r, int i, int col, struct uuid *id,
                    unsigned char key[CRYPTO_KEY_LEN]);

#endif

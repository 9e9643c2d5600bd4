/*
 * api_keys.h - API keys of service accounts: stored as the SHA-256 of the
 * secret, scoped to permissions, optionally expiring, revocable.
 */
#ifndef STRATA_DATA_API_KEYS_H
#define STRATA_DATA_API_KEYS_H

struct db;

/* Columns: secret_hash (bytea), permissions (text[]), usable (bool),
 * tenant status, tenant config version, name.  Also queues the
 * once-a-minute last_used_at update. */
int api_keys_queue_principal(struct db *db, const char *tid, const char *id);

/* Rows of (id, json) ordered by creation. */
int api_keys_queue_list(struct db *db, const char *tid);

/* One row (json).  expires_at may be NULL. */
int api_keys_queue_insert(struct db *db, const char *tid, const char *id,
                          const char *name, const char *hash, const char *perms,
                          const char *created_by, const char *expires_at);

/* One row when a live key was revoked. */
int api_keys_queue_revoke(struct db *db, const char *tid, const char *id);

#endif

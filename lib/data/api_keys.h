/*
 * api_keys.h - API keys of service accounts: stored as the SHA-256 of the
 * secret, scoped to permissions, optionally expiring, revocable.
 */
#ifndef STRATA_DATA_API_KEYS_H
#define STRATA_DATA_API_KEYS_H

#include <stdbool.h>

struct db;

/* An API key as a principal, filled by db_sync. */
struct api_key_principal_row {
	bool found;
	bool hash_ok;                  /* secret_hash was read */
	unsigned char secret_hash[32]; /* SHA-256 of the secret */
	const char *permissions;       /* text[] literal */
	bool not_revoked;
	long long expires_at; /* seconds since the epoch; 0 = never */
	const char *name;
	long long auth_epoch; /* read in the same snapshot */
};

/* Queues the principal row of key id into out; the handle or -1. */
int api_keys_queue_principal_row(struct db *db, const char *tid, const char *id,
                                 struct api_key_principal_row *out);

/* Queues the once-a-minute last_used_at update of key id, guarded in SQL
 * by the presented secret's hash (64 hex digits). */
int api_keys_queue_touch(struct db *db, const char *tid, const char *id,
                         const char *secret_hash_hex);

/* The tenant's keys in order of creation, never their secrets: n rows,
 * ids[i] and json[i] (the object, rendered by PostgreSQL). */
struct api_key_list {
	int n;
	const char **ids;
	const char **json;
};

/* A key as written: found, and its object. */
struct api_key_row {
	bool found;
	const char *json;
};

/* Queues the list of keys into out.  Returns the handle or -1 (a loud
 * queue failure, as db_queue). */
int api_keys_list_all(struct db *db, const char *tid, struct api_key_list *out);

/* Queues the insert of a key into out; expires_at may be NULL. */
int api_keys_insert(struct db *db, const char *tid, const char *id,
                    const char *name, const char *hash, const char *perms,
                    const char *created_by, const char *expires_at,
                    struct api_key_row *out);

/* Queues a read of key id that locks it for the transaction when it is
 * live (not revoked): *live tells. */
int api_keys_lock_live(struct db *db, const char *tid, const char *id,
                       bool *live);

/* Revokes a live key; bumps the tenant's auth_epoch. */
int api_keys_queue_revoke(struct db *db, const char *tid, const char *id);

#endif

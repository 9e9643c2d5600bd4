/*
 * keyring.h - each tenant's keys: token signing, data encryption, blind
 * index.  Stored wrapped in tenant_keys; unwrapped into a per-worker cache
 * that is wiped when an entry is evicted, when PostgreSQL notifies a change
 * ("keys:<tenant>") and after a reconnect.
 *
 * Rotation adds a key per purpose and retires the previous ones: retired
 * keys still verify tokens and decrypt data, only current keys sign and
 * encrypt.  A retired key is loaded until it expires (expires_at): a
 * signing key once the longest access token it can have signed has
 * expired, a data or index key once `strata keys reencrypt` has re-sealed
 * everything under the current keys.  Destruction (tenant deletion,
 * crypto-shredding) empties the wrapped bytes; nothing can unwrap them
 * again.
 *
 * A keyring holds as many keys as are live (KEYRING_MAX at most, a bound
 * on a corrupt table rather than a working limit), sorted by id: finding
 * a key by id is a binary search and the current key of a purpose is
 * remembered, so a request's cost does not grow with the number of keys
 * (only a blind-index filter hashes once per live index key).
 */
#ifndef STRATA_DATA_KEYRING_H
#define STRATA_DATA_KEYRING_H

#include <stdbool.h>

#include "core/uuid.h"
#include "sec/crypto.h"

#define KEYRING_MAX 65536

struct tenant;
struct db;

enum key_purpose { KEY_SIGNING, KEY_DATA, KEY_INDEX };

struct keyring_key {
	struct uuid id;
	enum key_purpose purpose;
	bool current;
	long long expires_s; /* real-clock second it stops working; 0 never */
	unsigned char key[CRYPTO_KEY_LEN];
};

struct keyring {
	struct uuid tenant;
	long long loaded_ms;
	long long version; /* the tenant's keyring_version it was loaded at */
	bool stale;        /* reload on the next keyring_for */
	int n;             /* keys, sorted by id; 0 marks a free cache slot */
	int current[3];    /* index in keys of each purpose's current key, or
	                    * -1 */
	struct keyring_key *keys; /* n of them (heap, wiped when freed) */
};

/* Tenant t's keyring, from the cache or loaded (inside the caller's open
 * transaction when in_tx, else in one of its own: one round trip).  NULL
 * when the database is unavailable or a key does not unwrap (logged); the
 * caller answers 503 or 500. */
const struct keyring *keyring_for(struct db *db, const struct tenant *t,
                                  bool in_tx);

/* Loads the tenant's keys again (a token names a key id we do not know:
 * perhaps just rotated).  At most once a second per tenant, so tokens with
 * random key ids cannot turn every request into a round trip. */
const struct keyring *keyring_reload_for(struct db *db, const struct tenant *t,
                                         bool in_tx);

/* The tenant's keyring_version from this request's version row: a cached
 * keyring of another version is reloaded on its next use. */
void keyring_check_version(const struct uuid *tenant, long long version);

/* The key of purpose with id, or the current one when id is NULL; NULL
 * when there is none, or it has expired. */
const struct keyring_key *keyring_find(const struct keyring *k,
                                       enum key_purpose purpose,
                                       const struct uuid *id);

/* Queues, in the caller's transaction of tenant, the creation of one new
 * current key per purpose, retiring the previous ones and notifying the
 * workers.  The retired signing key expires when the longest access token
 * it can have signed does: the longest lifetime of the settings versions
 * in force in the last day (the server's default where they set none), plus a
 * minute.  Returns the handle of the last statement or -1. */
int keyring_queue_rotate(struct db *db, const struct uuid *tenant,
                         struct uuid ids[3]);

/* Queues the destruction of every key of tenant (crypto-shredding). */
int keyring_queue_destroy(struct db *db, const struct uuid *tenant);

/* Queues the bump of the tenant's keyring_version and the notification
 * that makes every worker reload its keyring. */
int keyring_queue_changed(struct db *db, const char *tenant_id);

void keyring_notify(const char *payload);

/* Forgets every cached keyring.  Their keys stay readable (a caller in the
 * middle of a request may hold one) until keyring_collect(). */
void keyring_clear(void);
/* Forgets tenant's cached keyring alone (the same way). */
void keyring_forget(const struct uuid *tenant);

/* Wipes and frees the keys of keyrings replaced or cleared since the last
 * call: at the end of each request, when no pointer into them is held. */
void keyring_collect(void);

const char *keyring_purpose_name(enum key_purpose p);

#endif

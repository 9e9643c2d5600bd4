/*
 * keyring_transfer.h - a tenant's keys carried to another region (or
 * another tenant id) without ever leaving memory in clear: unwrapped with
 * this region's master key, sealed for the target region's transport
 * public key (sec/transport.h), opened there with its private key and
 * wrapped under its own master key for the tenant id they will serve.
 *
 * A sealed keyring is the JSON object
 *
 *     {"format":"strata-sealed-keyring","version":1,"tenant":"<source id>",
 *      "alg":"RSA-OAEP-256+A256GCM","box":"<base64url>"}
 *
 * whose box opens (context "strata-keyring:v1:<source id>") to
 * {"tenant","digest","keys":[{"id","purpose","key","created_at",
 * "retired_at","expires_at"}]}; digest binds the export's tables
 * (data/tenant_copy.h) to the keys, so changed rows are refused on import.
 * `strata tenant move` uses the three functions below as they are.
 */
#ifndef STRATA_OPS_KEYRING_TRANSFER_H
#define STRATA_OPS_KEYRING_TRANSFER_H

#include "core/uuid.h"
#include "data/tenant_copy.h"
#include "sec/crypto.h"

struct arena;
struct db;
struct transport_key;

struct keyring_transfer_key {
	struct tenant_copy_key meta; /* id, purpose, times; wrapped unset */
	unsigned char key[CRYPTO_KEY_LEN];
};

/* An opened keyring, in the arena it was opened into: wipe it with
 * keyring_transfer_wipe() once adopted. */
struct keyring_transfer {
	struct uuid tenant; /* the source tenant's id */
	const char *digest; /* "" when the keyring binds no tables */
	int n;
	struct keyring_transfer_key *keys;
};

/* The sealed keyring of tenant's live keys (rows, as read by
 * tenant_copy_queue_keys) for pub, binding digest (lower-case hex, at most
 * 128 digits; NULL: none).  Each key
 * is unwrapped with the master key, which must be loaded.  Returns the
 * JSON text (arena), or NULL with *why set. */
const char *keyring_transfer_seal(struct arena *a, const struct uuid *tenant,
                                  const struct tenant_copy_keys *rows,
                                  const char *digest,
                                  const struct transport_key *pub,
                                  const char **why);

/* Opens the sealed keyring json (len bytes) with priv into out.  Returns
 * 0, or -1 with *why for malformed JSON, another format, a box sealed for
 * another key, a changed byte or a truncated file. */
int keyring_transfer_open(struct arena *a, const char *json, size_t len,
                          const struct transport_key *priv,
                          struct keyring_transfer *out, const char **why);

/* Queues, in the caller's open transaction of target, the keys wrapped
 * under this region's master key for target, and the retirement of
 * target's other current keys of each purpose the keyring has a current
 * key of, and the keyring change notice.  Returns the last handle, or -1
 * (a key that cannot be wrapped). */
int keyring_transfer_queue_adopt(struct db *db, struct arena *a,
                                 const struct uuid *target,
                                 const struct keyring_transfer *k);

/* The key of purpose with id in k, or NULL. */
const unsigned char *keyring_transfer_find(const struct keyring_transfer *k,
                                           const char *purpose,
                                           const struct uuid *id);

/* Wipes the opened keys. */
void keyring_transfer_wipe(struct keyring_transfer *k);

#endif

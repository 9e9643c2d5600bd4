/*
 * fieldcrypt.h - personal-data field values at rest and their blind index.
 *
 * A value is sealed with AES-256-GCM (fresh 96-bit nonce) as the JSON text
 * of the value, the associated data binding tenant, collection, record id
 * and field: a ciphertext copied to another record, field or tenant fails
 * to open.  Stored as the self-describing string
 *
 *     enc:v1:<key id>:<base64url(nonce || ciphertext || tag)>
 *
 * so values written under an old key stay readable after rotation.  The
 * blind index is HMAC-SHA-256 under a tenant index key of the normalised
 * value, for equality search without the value.
 */
#ifndef STRATA_SEC_FIELDCRYPT_H
#define STRATA_SEC_FIELDCRYPT_H

#include <stdbool.h>

#include "core/uuid.h"
#include "sec/crypto.h"

struct arena;

struct field_aad {
	const struct uuid *tenant;
	const char *collection;
	const struct uuid *record;
	const char *field;
};

/* Seals json (the value's JSON text).  Returns the stored string (arena),
 * or NULL when the random generator or the cipher fails. */
const char *fieldcrypt_seal(struct arena *a,
                            const unsigned char key[CRYPTO_KEY_LEN],
                            const struct uuid *kid, const struct field_aad *ad,
                            const char *json);

/* 1 when s looks like a sealed value (enc:v1:...). */
bool fieldcrypt_is_sealed(const char *s);

/* The key id of a sealed value; -1 when s is not one. */
int fieldcrypt_kid(const char *s, struct uuid *kid);

/* Opens a sealed value with key; the value's JSON text (arena), or NULL on
 * any mismatch (key, tenant, collection, record, field, bytes). */
const char *fieldcrypt_open(struct arena *a,
                            const unsigned char key[CRYPTO_KEY_LEN],
                            const struct field_aad *ad, const char *sealed);

/* The normalised text of a value for the blind index: text trimmed and
 * lower-cased (ASCII).  Callers pass a string's content, a number as
 * "%.17g", a boolean as "true"/"false". */
const char *fieldcrypt_normalize(struct arena *a, const char *text);

/* Hex HMAC-SHA-256 of the normalised value into out[65]. */
int fieldcrypt_blind(const unsigned char key[CRYPTO_KEY_LEN],
                     const char *normalized, char out[65]);

#endif

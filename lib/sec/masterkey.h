/*
 * masterkey.h - the key-encryption key (KEK) and key wrapping.
 *
 * The master key is 32 random bytes in a file readable by its owner only.
 * It never touches the database: per-tenant signing, data and index keys
 * are random and stored wrapped by it with AES-256-GCM, the associated
 * data binding tenant id, purpose and key id, so a wrapped key copied to
 * another tenant, purpose or id no longer unwraps.
 */
#ifndef STRATA_SEC_MASTERKEY_H
#define STRATA_SEC_MASTERKEY_H

#include "core/uuid.h"
#include "sec/crypto.h"

#define MASTERKEY_WRAPPED_LEN (CRYPTO_KEY_LEN + CRYPTO_SEAL_OVERHEAD)

/* Loads the key from path.  Refuses (-1, reason on stderr) a missing file,
 * one that is not a regular file, is readable or writable by group or
 * others, or does not hold exactly 32 bytes, and -1 when no secret memory
 * (sec/secmem.h) can be mapped for it: the key lives only there. */
int masterkey_load(const char *path);

/* Sets the key directly (tests).  Aborts without secret memory. */
void masterkey_set(const unsigned char key[CRYPTO_KEY_LEN]);

/* Wipes the key from memory and unmaps its page. */
void masterkey_wipe(void);

/* Wraps key for (tenant, purpose, kid) into out.  Returns 0 or -1. */
int masterkey_wrap(const struct uuid *tenant, const char *purpose,
                   const struct uuid *kid,
                   const unsigned char key[CRYPTO_KEY_LEN],
                   unsigned char out[MASTERKEY_WRAPPED_LEN]);

/* Unwraps; -1 when the master key, any bound part or the bytes differ. */
int masterkey_unwrap(const struct uuid *tenant, const char *purpose,
                     const struct uuid *kid, const unsigned char *wrapped,
                     size_t len, unsigned char key[CRYPTO_KEY_LEN]);

/* A 32-byte key derived from the master key for label (HMAC-SHA-256),
 * for process-wide secrets such as the cursor signing key. */
int masterkey_derive(const char *label, unsigned char out[CRYPTO_KEY_LEN]);

#endif

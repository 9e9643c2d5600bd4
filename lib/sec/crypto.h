/*
 * crypto.h - the primitives every security module uses, all over OpenSSL's
 * EVP interfaces: random bytes, SHA-256, HMAC-SHA-256, AES-256-GCM with
 * associated data, base64url, constant-time comparison.  Nothing here is
 * home-made cryptography: these are thin, checked wrappers.
 */
#ifndef STRATA_SEC_CRYPTO_H
#define STRATA_SEC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_KEY_LEN 32
#define CRYPTO_NONCE_LEN 12
#define CRYPTO_TAG_LEN 16
#define CRYPTO_SEAL_OVERHEAD (CRYPTO_NONCE_LEN + CRYPTO_TAG_LEN)

/* Fills p with n random bytes.  Returns 0 or -1. */
int crypto_random(void *p, size_t n);

/* SHA-256 of p[0..n) into out[32].  Returns 0 or -1. */
int crypto_sha256(const void *p, size_t n, unsigned char out[32]);

/* HMAC-SHA-256 of p[0..n) under key[0..klen) into out[32]. */
int crypto_hmac_sha256(const unsigned char *key, size_t klen, const void *p,
                       size_t n, unsigned char out[32]);

/* AES-256-GCM.  seal writes nonce(12) || ciphertext(n) || tag(16) into out
 * (n + CRYPTO_SEAL_OVERHEAD bytes) with a fresh random nonce.  open reverses
 * it into out (len - CRYPTO_SEAL_OVERHEAD bytes) and fails (-1) on any
 * change of key, nonce, ciphertext, tag or aad. */
int crypto_seal(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
                size_t aadlen, const void *in, size_t n, unsigned char *out);
int crypto_open(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
                size_t aadlen, const unsigned char *in, size_t len,
                unsigned char *out);

/* base64url without padding.  enc writes 4*ceil(n/3) bytes at most plus a
 * NUL into out (size outsz) and returns the length or -1.  dec accepts
 * exactly the unpadded alphabet and returns the decoded length or -1. */
int crypto_b64url_enc(const void *in, size_t n, char *out, size_t outsz);
int crypto_b64url_dec(const char *in, size_t n, unsigned char *out,
                      size_t outsz);

/* Constant-time equality of two n-byte secrets. */
bool crypto_equal(const void *a, const void *b, size_t n);

/* Wipes n bytes so the compiler cannot skip it. */
void crypto_wipe(void *p, size_t n);

#endif

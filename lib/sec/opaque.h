/*
 * opaque.h - opaque credentials: API keys and refresh tokens.
 *
 *   API key        stk_<key id: 32 hex>_<secret: 43 base64url>
 *   refresh token  srt_<secret: 43 base64url>
 *
 *   mailed link    <prefix: 4 chars, e.g. sin_>_<secret: 43 base64url>
 *                  (sin_ invitation, spr_ password reset, sjn_ join)
 *
 * Secrets are 256 random bits, shown once; only their SHA-256 is stored
 * (a slow hash buys nothing for a random 256-bit secret).  The prefixes let
 * secret scanners recognise leaked credentials.
 */
#ifndef STRATA_SEC_OPAQUE_H
#define STRATA_SEC_OPAQUE_H

#include "core/uuid.h"

#define APIKEY_LEN (4 + 32 + 1 + 43)
#define REFRESH_LEN (4 + 43)
#define LINK_TOKEN_LEN (4 + 43)

/* A new API key for id into out[APIKEY_LEN + 1] and the hash to store.
 * Returns 0 or -1. */
int opaque_apikey_new(const struct uuid *id, char out[APIKEY_LEN + 1],
                      unsigned char hash[32]);

/* Splits an API key into its id and the hash of its secret.  Returns 0 or
 * -1 when s is not exactly an API key. */
int opaque_apikey_parse(const char *s, struct uuid *id, unsigned char hash[32]);

/* A new refresh token into out[REFRESH_LEN + 1] and its hash. */
int opaque_refresh_new(char out[REFRESH_LEN + 1], unsigned char hash[32]);

/* The hash of a refresh token; -1 when s is not one. */
int opaque_refresh_hash(const char *s, unsigned char hash[32]);

/* A new link token of prefix (exactly 4 characters, ending in '_') into
 * out[LINK_TOKEN_LEN + 1] and its hash.  Returns 0 or -1. */
int opaque_link_new(const char *prefix, char out[LINK_TOKEN_LEN + 1],
                    unsigned char hash[32]);

/* The hash of link token s of prefix; -1 when s is NULL, has another
 * prefix or is not exactly a token. */
int opaque_link_hash(const char *prefix, const char *s, unsigned char hash[32]);

/* "\\x" + hex of a 32-byte hash into out[67], for a bytea parameter. */
void opaque_bytea(const unsigned char hash[32], char out[67]);

#endif

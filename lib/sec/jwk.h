/*
 * jwk.h - public keys from JSON Web Keys (RFC 7517/7518), for tokens of a
 * tenant's own identity provider: RSA (RS256) and EC P-256 (ES256) only.
 */
#ifndef STRATA_SEC_JWK_H
#define STRATA_SEC_JWK_H

#include <cJSON.h>

#define JWK_PEM_MAX 1024

enum jwk_alg { JWK_NONE, JWK_RS256, JWK_ES256 };

/* Turns one JWK into a PEM "PUBLIC KEY" in pem[JWK_PEM_MAX] and its alg.
 * Returns 0, or -1 with the reason in *why (unsupported kty or curve,
 * missing or malformed members, an RSA modulus under 2048 bits, an alg
 * that does not fit the key). */
int jwk_to_pem(const cJSON *jwk, char pem[JWK_PEM_MAX], enum jwk_alg *alg,
               const char **why);

#endif

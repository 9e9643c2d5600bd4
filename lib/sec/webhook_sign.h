/*
 * webhook_sign.h - Standard Webhooks signatures (HMAC-SHA256).
 *
 * A secret is "whsec_" followed by the standard base64 of 24 to 64 random
 * bytes.  A delivery is signed over "<msg id>.<unix seconds>.<body>" and
 * the signature header is "v1,<base64 of the HMAC>"; a header may hold
 * several space-separated signatures (rotation), any one of which
 * verifies.  OpenSSL EVP only; comparisons in constant time.
 */
#ifndef STRATA_SEC_WEBHOOK_SIGN_H
#define STRATA_SEC_WEBHOOK_SIGN_H

#include <stddef.h>

#define WEBHOOK_SIGN_KEY_MIN 24
#define WEBHOOK_SIGN_KEY_MAX 64
/* "whsec_" + base64 of 64 bytes + NUL */
#define WEBHOOK_SIGN_SECRET_MAX (6 + 88 + 1)
/* "v1," + base64 of 32 bytes + NUL */
#define WEBHOOK_SIGN_SIG_MAX (3 + 44 + 1)

/* A new random secret of 32 bytes into out (WEBHOOK_SIGN_SECRET_MAX).
 * Returns 0, or -1 when the random generator fails. */
int webhook_sign_secret_new(char out[WEBHOOK_SIGN_SECRET_MAX]);

/* The key bytes of secret ("whsec_..." or the bare base64) into key
 * (WEBHOOK_SIGN_KEY_MAX), their count in *len.  Returns 0, or -1 when
 * secret is not base64 of 24 to 64 bytes. */
int webhook_sign_key(const char *secret, unsigned char *key, size_t *len);

/* The signature "v1,..." of (msg_id, ts, body) under secret into out.
 * msg_id must not contain '.'.  Returns 0, or -1 on a bad secret or id. */
int webhook_sign(const char *secret, const char *msg_id, long long ts,
                 const char *body, size_t body_len,
                 char out[WEBHOOK_SIGN_SIG_MAX]);

/* 0 when one of the signatures in header verifies (msg_id, ts, body)
 * under secret, -1 otherwise (also for a bad secret or a malformed
 * header).  No timestamp tolerance here: the receiver checks it. */
int webhook_sign_verify(const char *secret, const char *msg_id, long long ts,
                        const char *body, size_t body_len, const char *header);

#endif

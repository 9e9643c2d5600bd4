/*
 * password.h - password hashing (scrypt through OpenSSL's EVP_KDF) in a
 * PHC string, and the password policy.
 *
 *   $scrypt$ln=15,r=8,p=1$<salt>$<hash>      (base64 without padding)
 *
 * The parameters travel with each hash, so raising them later leaves old
 * hashes verifiable; password_needs_rehash() tells a login to upgrade.
 */
#ifndef STRATA_SEC_PASSWORD_H
#define STRATA_SEC_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 160
#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_MIN_DEFAULT 12

/* Hashes pw with cost 2^log2n into out[PASSWORD_HASH_MAX].  Returns 0 or
 * -1 (random generator or KDF failure). */
int password_hash(const char *pw, int log2n, char out[PASSWORD_HASH_MAX]);

/* 1 when pw matches the PHC string phc; 0 when it does not or phc is
 * malformed or carries parameters outside the accepted bounds.  The work
 * done does not depend on whether the user exists: see
 * password_verify_dummy(). */
bool password_verify(const char *pw, const char *phc);

/* Does the same work as a verification against a real hash of cost
 * 2^log2n and returns false: used for unknown e-mails. */
bool password_verify_dummy(const char *pw, int log2n);

/* 1 when phc was made with a cost below 2^log2n (or is not scrypt). */
bool password_needs_rehash(const char *phc, int log2n);

/* NULL when pw is acceptable for a user with e-mail email, else a short
 * reason: too short (min_len code points), too long, equal to the e-mail
 * or its local part, a single repeated character, or a common password. */
const char *password_policy(const char *pw, const char *email, int min_len);

#endif

/*
 * totp.h - the second factor: TOTP codes (RFC 6238 over RFC 4226 HOTP,
 * HMAC-SHA1 through OpenSSL's EVP_MAC, 30-second steps, 6 digits, one
 * step of drift either way), their otpauth:// URI, recovery codes and
 * login challenges.
 *
 *   recovery code  xxxx-xxxx-xxxx  (12 of base32's lower-case letters and
 *                                   digits 2-7: 60 random bits)
 *   challenge      smc_<43 base64url>  (256 random bits)
 *
 * Only hashes of recovery codes and challenges are stored.  A recovery
 * code's hash binds the tenant and the user (SHA-256 of "tid|uid|code"),
 * so one stored hash cannot be tried against another account.
 */
#ifndef STRATA_SEC_TOTP_H
#define STRATA_SEC_TOTP_H

#include <stddef.h>

#define TOTP_SECRET_LEN 20     /* bytes: RFC 4226's recommended 160 bits */
#define TOTP_SECRET_B32_LEN 32 /* base32 of 20 bytes, no padding */
#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_RECOVERY_LEN 14 /* xxxx-xxxx-xxxx */
#define TOTP_RECOVERY_COUNT 10
#define TOTP_CHALLENGE_LEN (4 + 43)

enum totp_result {
	TOTP_OK = 0,
	TOTP_WRONG = -1,    /* no step in the window has this code */
	TOTP_REPLAYED = -2, /* the code of a step already used */
	TOTP_MALFORMED = -3 /* not exactly six ASCII digits */
};

/* The HOTP value (RFC 4226) of key for counter, of digits (6 to 8)
 * digits, into *out.  Returns 0, or -1 when digits is out of range or
 * the MAC fails. */
int totp_hotp(const unsigned char *key, size_t keylen,
              unsigned long long counter, int digits, unsigned *out);

/* The time step of unix time now (floor(now / 30)); -1 before 1970. */
long long totp_step(long long now);

/* Checks a six-digit code against the steps now-1, now, now+1.  A match
 * at a step <= last_step (the last one accepted for this secret) is
 * TOTP_REPLAYED; otherwise TOTP_OK with the step into *matched, for the
 * caller to store as the new last step.  Comparisons are constant-time.
 * Returns an enum totp_result. */
int totp_verify(const unsigned char *key, size_t keylen, const char *code,
                long long now, long long last_step, long long *matched);

/* A new random secret into key[TOTP_SECRET_LEN].  Returns 0 or -1. */
int totp_secret_new(unsigned char key[TOTP_SECRET_LEN]);

/* RFC 4648 base32 (upper case, no padding) of n bytes into out (cap
 * bytes, NUL-terminated).  Returns the length or -1 when cap is short. */
int totp_base32(const unsigned char *in, size_t n, char *out, size_t cap);

/* Decodes base32 (either case, no padding) into out (cap bytes).
 * Returns the byte count, or -1 on a bad character or a short cap. */
int totp_base32_decode(const char *in, unsigned char *out, size_t cap);

/* otpauth://totp/<issuer>:<account>?secret=<b32>&issuer=<issuer>
 * &algorithm=SHA1&digits=6&period=30, the label and issuer
 * percent-encoded, into out (cap bytes).  Returns 0, or -1 when it does
 * not fit. */
int totp_uri(const char *issuer, const char *account, const char *secret_b32,
             char *out, size_t cap);

/* A new recovery code into out[TOTP_RECOVERY_LEN + 1].  Returns 0 or -1. */
int totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1]);

/* The stored form of recovery code code for user uid of tenant tid: hex
 * SHA-256 into out[65].  The code is read case-insensitively, with or
 * without its dashes and spaces.  Returns 0, or -1 when code is not
 * shaped as one (then nothing is hashed). */
int totp_recovery_hash(const char *tid, const char *uid, const char *code,
                       char out[65]);

/* A new login challenge into out[TOTP_CHALLENGE_LEN + 1] and its hex
 * SHA-256 into hash[65].  Returns 0 or -1. */
int totp_challenge_new(char out[TOTP_CHALLENGE_LEN + 1], char hash[65]);

/* The hex SHA-256 of a challenge into hash[65]; -1 when s is not one. */
int totp_challenge_hash(const char *s, char hash[65]);

#endif

/*
 * totp.c - TOTP (RFC 6238), recovery codes and login challenges.
 */
#include "sec/totp.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/hex.h"
#include "sec/crypto.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char b32_lower[] = "abcdefghijklmnopqrstuvwxyz234567";

/* HMAC-SHA1 of the 8-byte big-endian counter under key into mac[20]. */
static int
hmac_sha1(const unsigned char *key, size_t keylen, unsigned long long counter,
          unsigned char mac[20])
{
	unsigned char msg[8];
	char digest[] = "SHA1";
	OSSL_PARAM params[2];
	EVP_MAC *m;
	EVP_MAC_CTX *ctx = NULL;
	size_t mlen = 0;
	int ok;

	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	params[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	ok = (ctx = EVP_MAC_CTX_new(m)) != NULL &&
	     EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	     EVP_MAC_update(ctx, msg, sizeof(msg)) == 1 &&
	     EVP_MAC_final(ctx, mac, &mlen, 20) == 1 && mlen == 20;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok ? 0 : -1;
}

int
totp_hotp(const unsigned char *key, size_t keylen, unsigned long long counter,
          int digits, unsigned *out)
{
	static const unsigned mod[] = {1000000, 10000000, 100000000};
	unsigned char mac[20];
	unsigned bin;
	int off;

	if (digits < 6 || digits > 8 || key == NULL || keylen == 0 ||
	    hmac_sha1(key, keylen, counter, mac) < 0)
		return -1;
	/* RFC 4226 5.3: dynamic truncation. */
	off = mac[19] & 0x0f;
	bin = ((unsigned)(mac[off] & 0x7f) << 24) |
	      ((unsigned)mac[off + 1] << 16) | ((unsigned)mac[off + 2] << 8) |
	      (unsigned)mac[off + 3];
	crypto_wipe(mac, sizeof(mac));
	*out = bin % mod[digits - 6];
	return 0;
}

long long
totp_step(long long now)
{
	return now < 0 ? -1 : now / TOTP_STEP;
}

int
totp_verify(const unsigned char *key, size_t keylen, const char *code,
            long long now, long long last_step, long long *matched)
{
	long long step = totp_step(now);
	char want[TOTP_DIGITS + 1];
	int result = TOTP_WRONG;

	if (code == NULL || strlen(code) != TOTP_DIGITS ||
	    strspn(code, "0123456789") != TOTP_DIGITS)
		return TOTP_MALFORMED;
	if (step < 1)
		return TOTP_WRONG;
	/* Every step of the window is computed and compared, so the time
	 * taken does not tell which one matched. */
	for (long long s = step - 1; s <= step + 1; s++) {
		unsigned v;

		if (totp_hotp(key, keylen, (unsigned long long)s, TOTP_DIGITS,
		              &v) < 0)
			return TOTP_WRONG;
		snprintf(want, sizeof(want), "%06u", v);
		if (CRYPTO_memcmp(want, code, TOTP_DIGITS) != 0 ||
		    result == TOTP_OK)
			continue;
		if (s <= last_step) {
			result = TOTP_REPLAYED;
		} else {
			result = TOTP_OK;
			*matched = s;
		}
	}
	crypto_wipe(want, sizeof(want));
	return result;
}

int
totp_secret_new(unsigned char key[TOTP_SECRET_LEN])
{
	return crypto_random(key, TOTP_SECRET_LEN);
}

int
totp_base32(const unsigned char *in, size_t n, char *out, size_t cap)
{
	size_t len = (n * 8 + 4) / 5, o = 0;
	unsigned buf = 0;
	int bits = 0;

	if (len + 1 > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(buf << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

int
totp_base32_decode(const char *in, unsigned char *out, size_t cap)
{
	unsigned buf = 0;
	size_t o = 0;
	int bits = 0;

	for (const char *p = in; *p != '\0'; p++) {
		const char *c =
		    strchr(b32, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);

		if (c == NULL)
			return -1;
		buf = (buf << 5) | (unsigned)(c - b32);
		bits += 5;
		if (bits >= 8) {
			if (o == cap)
				return -1;
			out[o++] = (unsigned char)((buf >> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return (int)o;
}

/* Percent-encodes s (RFC 3986 unreserved kept) at out + *len. */
static int
pct(const char *s, char *out, size_t cap, size_t *len)
{
	static const char hexd[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool keep = (*p >= 'A' && *p <= 'Z') ||
		            (*p >= 'a' && *p <= 'z') ||
		            (*p >= '0' && *p <= '9') || *p == '-' ||
		            *p == '.' || *p == '_' || *p == '~' || *p == '@';

		if (*len + 4 > cap)
			return -1;
		if (keep) {
			out[(*len)++] = (char)*p;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hexd[*p >> 4];
			out[(*len)++] = hexd[*p & 15];
		}
	}
	out[*len] = '\0';
	return 0;
}

/* Appends the literal s at out + *len. */
static int
lit(const char *s, char *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);

	if (*len + n + 1 > cap)
		return -1;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return 0;
}

int
totp_uri(const char *issuer, const char *account, const char *secret_b32,
         char *out, size_t cap)
{
	size_t len = 0;

	if (lit("otpauth://totp/", out, cap, &len) < 0 ||
	    pct(issuer, out, cap, &len) < 0 || lit(":", out, cap, &len) < 0 ||
	    pct(account, out, cap, &len) < 0 ||
	    lit("?secret=", out, cap, &len) < 0 ||
	    lit(secret_b32, out, cap, &len) < 0 ||
	    lit("&issuer=", out, cap, &len) < 0 ||
	    pct(issuer, out, cap, &len) < 0 ||
	    lit("&algorithm=SHA1&digits=6&period=30", out, cap, &len) < 0)
		return -1;
	return 0;
}

int
totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1])
{
	unsigned char raw[12];
	int o = 0;

	if (crypto_random(raw, sizeof(raw)) < 0)
		return -1;
	for (int i = 0; i < 12; i++) {
		if (i == 4 || i == 8)
			out[o++] = '-';
		/* 256 is a multiple of 32: no bias. */
		out[o++] = b32_lower[raw[i] & 31];
	}
	out[o] = '\0';
	crypto_wipe(raw, sizeof(raw));
	return 0;
}

int
totp_recovery_hash(const char *tid, const char *uid, const char *code,
                   char out[65])
{
	char norm[13], msg[128];
	unsigned char h[32];
	int n = 0, len;

	if (code == NULL || tid == NULL || uid == NULL || strlen(code) > 32)
		return -1;
	for (const char *p = code; *p != '\0'; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;

		if (c == '-' || c == ' ')
			continue;
		if (n == 12 || strchr(b32_lower, c) == NULL)
			return -1;
		norm[n++] = c;
	}
	if (n != 12)
		return -1;
	norm[n] = '\0';
	len = snprintf(msg, sizeof(msg), "%s|%s|%s", tid, uid, norm);
	if (len < 0 || (size_t)len >= sizeof(msg) ||
	    crypto_sha256(msg, (size_t)len, h) < 0)
		return -1;
	hex_encode(h, sizeof(h), out);
	crypto_wipe(norm, sizeof(norm));
	crypto_wipe(msg, sizeof(msg));
	return 0;
}

int
totp_challenge_new(char out[TOTP_CHALLENGE_LEN + 1], char hash[65])
{
	unsigned char raw[32], h[32];
	int rc = crypto_random(raw, sizeof(raw));

	memcpy(out, "smc_", 4);
	if (rc == 0 && crypto_b64url_enc(raw, sizeof(raw), out + 4,
	                                 TOTP_CHALLENGE_LEN - 3) != 43)
		rc = -1;
	crypto_wipe(raw, sizeof(raw));
	if (rc == 0 && crypto_sha256(out, TOTP_CHALLENGE_LEN, h) == 0)
		hex_encode(h, sizeof(h), hash);
	else
		rc = -1;
	return rc;
}

int
totp_challenge_hash(const char *s, char hash[65])
{
	unsigned char raw[34], h[32];

	if (s == NULL || strlen(s) != TOTP_CHALLENGE_LEN ||
	    strncmp(s, "smc_", 4) != 0 ||
	    crypto_b64url_dec(s + 4, 43, raw, sizeof(raw)) != 32)
		return -1;
	crypto_wipe(raw, sizeof(raw));
	if (crypto_sha256(s, TOTP_CHALLENGE_LEN, h) < 0)
		return -1;
	hex_encode(h, sizeof(h), hash);
	return 0;
}

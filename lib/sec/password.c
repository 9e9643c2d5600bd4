/*
 * password.c - scrypt PHC strings and the password policy.
 */
#include "sec/password.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "sec/crypto.h"

#define SALT_LEN 16
#define DK_LEN 32
#define LOG2N_MIN 10
#define LOG2N_MAX 20
#define R_DEFAULT 8
#define P_DEFAULT 1

/* Common passwords of at least 12 characters (shorter ones fail the
 * length rule anyway).  Compared case-insensitively. */
static const char *const common[] = {
    "password1234",     "123456789012",
    "1234567890123",    "12345678901234",
    "qwertyuiop12",     "qwerty123456",
    "123456123456",     "abcdefghijkl",
    "passwordpassword", "iloveyou1234",
    "administrator",    "letmeinletmein",
    "1q2w3e4r5t6y",     "qwertyuiopasdf",
    "welcome12345",     "welcome123456",
    "changeme1234",     "password123!",
    "password12345",    "correcthorsebatterystaple",
    "trustno1trustno1", "monkeymonkey",
    "zaq12wsxcde3",     "asdfghjkl123",
    "p@ssw0rd1234",     "superman1234",
    "football1234",     "baseball1234",
    "starwars1234",     "dragon123456",
    "master123456",     "sunshine1234",
    "princess1234",     "qazwsxedcrfv",
    "1qaz2wsx3edc",     "passw0rd1234",
    "welcomewelcome",   "adminadmin123",
    "letmein12345",     "michael12345",
    "shadow123456",     "qwertyqwerty",
    "asdfasdfasdf",     "zxcvbnmzxcvbnm",
    "987654321098",     "abc123abc123",
    "passwordpass",     "mypassword123",
    "secretsecret",     "changemenow1",
};

static EVP_KDF *scrypt_kdf;

static int
derive(const char *pw, const unsigned char *salt, size_t saltlen, uint64_t n,
       uint32_t r, uint32_t p, unsigned char *out, size_t outlen)
{
	unsigned char pwbuf[PASSWORD_MAX_BYTES];
	unsigned char saltbuf[64];
	uint64_t maxmem = 1ULL << 30;
	size_t pwlen = strlen(pw);
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[7];
	int ok;

	if (pwlen > sizeof(pwbuf) || saltlen > sizeof(saltbuf))
		return -1;
	if (scrypt_kdf == NULL)
		scrypt_kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	if (scrypt_kdf == NULL)
		return -1;
	/* OSSL_PARAM wants writable buffers. */
	memcpy(pwbuf, pw, pwlen);
	memcpy(saltbuf, salt, saltlen);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	                                              pwbuf, pwlen);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	                                              saltbuf, saltlen);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	params[5] =
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	params[6] = OSSL_PARAM_construct_end();
	ctx = EVP_KDF_CTX_new(scrypt_kdf);
	ok = ctx != NULL && EVP_KDF_derive(ctx, out, outlen, params) == 1;
	EVP_KDF_CTX_free(ctx);
	crypto_wipe(pwbuf, pwlen);
	return ok ? 0 : -1;
}

/* PHC uses standard base64 without padding; crypto_b64url is the URL
 * alphabet, so two characters are swapped on the way in and out. */
static void
url_to_std(char *s)
{
	for (; *s; s++)
		*s = *s == '-' ? '+' : *s == '_' ? '/' : *s;
}

static int
std_to_url(const char *in, size_t n, char *out, size_t outsz)
{
	if (n >= outsz)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c == '-' || c == '_')
			return -1;
		out[i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[n] = '\0';
	return 0;
}

int
password_hash(const char *pw, int log2n, char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[SALT_LEN], dk[DK_LEN];
	char s64[32], h64[64];

	if (log2n < LOG2N_MIN || log2n > LOG2N_MAX ||
	    strlen(pw) > PASSWORD_MAX_BYTES || crypto_random(salt, SALT_LEN) ||
	    derive(pw, salt, SALT_LEN, 1ULL << log2n, R_DEFAULT, P_DEFAULT, dk,
	           DK_LEN) < 0)
		return -1;
	crypto_b64url_enc(salt, SALT_LEN, s64, sizeof(s64));
	crypto_b64url_enc(dk, DK_LEN, h64, sizeof(h64));
	crypto_wipe(dk, DK_LEN);
	url_to_std(s64);
	url_to_std(h64);
	snprintf(out, PASSWORD_HASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", log2n,
	         R_DEFAULT, P_DEFAULT, s64, h64);
	return 0;
}

struct phc {
	int ln, r, p;
	unsigned char salt[64];
	int saltlen;
	unsigned char dk[64];
	int dklen;
};

/* "name=<digits>" at *p, then sep; advances *p. */
static int
param(const char **p, const char *name, char sep, int *out)
{
	size_t n = strlen(name);
	char *end;
	long v;

	if (strncmp(*p, name, n) != 0 || (*p)[n] != '=')
		return -1;
	v = strtol(*p + n + 1, &end, 10);
	if (end == *p + n + 1 || *end != sep || v < 0 || v > 1000)
		return -1;
	*out = (int)v;
	*p = end + 1;
	return 0;
}

static int
parse_phc(const char *phc, struct phc *out)
{
	const char *s, *h;
	char tmp[128];

	if (phc == NULL || strncmp(phc, "$scrypt$", 8) != 0)
		return -1;
	s = phc + 8;
	if (param(&s, "ln", ',', &out->ln) < 0 ||
	    param(&s, "r", ',', &out->r) < 0 ||
	    param(&s, "p", '$', &out->p) < 0)
		return -1;
	if (out->ln < LOG2N_MIN || out->ln > LOG2N_MAX || out->r < 1 ||
	    out->r > 32 || out->p < 1 || out->p > 4)
		return -1;
	h = strchr(s, '$');
	if (h == NULL || strchr(h + 1, '$') != NULL)
		return -1;
	if (std_to_url(s, (size_t)(h - s), tmp, sizeof(tmp)) < 0)
		return -1;
	out->saltlen =
	    crypto_b64url_dec(tmp, strlen(tmp), out->salt, sizeof(out->salt));
	if (std_to_url(h + 1, strlen(h + 1), tmp, sizeof(tmp)) < 0)
		return -1;
	out->dklen =
	    crypto_b64url_dec(tmp, strlen(tmp), out->dk, sizeof(out->dk));
	if (out->saltlen < 8 || out->dklen < 16)
		return -1;
	return 0;
}

bool
password_verify(const char *pw, const char *phc)
{
	struct phc p;
	unsigned char dk[64];
	bool ok;

	if (pw == NULL || strlen(pw) > PASSWORD_MAX_BYTES ||
	    parse_phc(phc, &p) < 0)
		return false;
	if (derive(pw, p.salt, (size_t)p.saltlen, 1ULL << p.ln, (uint32_t)p.r,
	           (uint32_t)p.p, dk, (size_t)p.dklen) < 0)
		return false;
	ok = crypto_equal(dk, p.dk, (size_t)p.dklen);
	crypto_wipe(dk, sizeof(dk));
	return ok;
}

bool
password_verify_dummy(const char *pw, int log2n)
{
	static char dummy[PASSWORD_HASH_MAX];
	static int dummy_log2n;

	if (dummy_log2n != log2n) {
		if (password_hash("strata-dummy-password-for-timing", log2n,
		                  dummy) < 0)
			return false;
		dummy_log2n = log2n;
	}
	(void)password_verify(pw ? pw : "", dummy);
	return false;
}

bool
password_needs_rehash(const char *phc, int log2n)
{
	struct phc p;

	if (parse_phc(phc, &p) < 0)
		return true;
	return p.ln < log2n;
}

static size_t
codepoints(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

const char *
password_policy(const char *pw, const char *email, int min_len)
{
	size_t n = strlen(pw);
	const char *at = email ? strchr(email, '@') : NULL;
	bool same = true;

	if (min_len < 1)
		min_len = PASSWORD_MIN_DEFAULT;
	if (codepoints(pw) < (size_t)min_len)
		return "password is too short";
	if (n > PASSWORD_MAX_BYTES)
		return "password is too long";
	if (email != NULL && strcasecmp(pw, email) == 0)
		return "password must not be the e-mail address";
	if (at != NULL && (size_t)(at - email) == n &&
	    strncasecmp(pw, email, n) == 0)
		return "password must not be the e-mail address";
	for (size_t i = 1; i < n && same; i++)
		same = pw[i] == pw[0];
	if (same)
		return "password is a single repeated character";
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (strcasecmp(pw, common[i]) == 0)
			return "password is too common";
	return NULL;
}

/*
 * opaque.c - API keys and refresh tokens.
 */
#include "sec/opaque.h"

#include <stdbool.h>
#include <string.h>

#include "core/hex.h"
#include "sec/crypto.h"

#define SECRET_BYTES 32
#define SECRET_CHARS 43

static int
new_secret(char out[SECRET_CHARS + 1], unsigned char hash[32])
{
	unsigned char raw[SECRET_BYTES];
	int rc = crypto_random(raw, sizeof(raw));

	if (rc == 0 && crypto_b64url_enc(raw, sizeof(raw), out,
	                                 SECRET_CHARS + 1) != SECRET_CHARS)
		rc = -1;
	crypto_wipe(raw, sizeof(raw));
	if (rc == 0)
		rc = crypto_sha256(out, SECRET_CHARS, hash);
	return rc;
}

/* The secret must decode to exactly 32 bytes: one spelling per secret. */
static int
hash_secret(const char *s, unsigned char hash[32])
{
	unsigned char raw[SECRET_BYTES + 2];

	if (strlen(s) != SECRET_CHARS ||
	    crypto_b64url_dec(s, SECRET_CHARS, raw, sizeof(raw)) !=
	        SECRET_BYTES)
		return -1;
	crypto_wipe(raw, sizeof(raw));
	return crypto_sha256(s, SECRET_CHARS, hash);
}

int
opaque_apikey_new(const struct uuid *id, char out[APIKEY_LEN + 1],
                  unsigned char hash[32])
{
	char secret[SECRET_CHARS + 1];

	memcpy(out, "stk_", 4);
	hex_encode(id->b, 16, out + 4);
	out[36] = '_';
	if (new_secret(secret, hash) < 0)
		return -1;
	memcpy(out + 37, secret, SECRET_CHARS + 1);
	crypto_wipe(secret, sizeof(secret));
	return 0;
}

int
opaque_apikey_parse(const char *s, struct uuid *id, unsigned char hash[32])
{
	char dashed[UUID_STR_LEN + 1];
	const char *h;

	if (s == NULL || strlen(s) != APIKEY_LEN ||
	    strncmp(s, "stk_", 4) != 0 || s[36] != '_')
		return -1;
	h = s + 4;
	/* 32 hex digits -> canonical dashed form for uuid_parse. */
	memcpy(dashed, h, 8);
	dashed[8] = '-';
	memcpy(dashed + 9, h + 8, 4);
	dashed[13] = '-';
	memcpy(dashed + 14, h + 12, 4);
	dashed[18] = '-';
	memcpy(dashed + 19, h + 16, 4);
	dashed[23] = '-';
	memcpy(dashed + 24, h + 20, 12);
	dashed[36] = '\0';
	for (int i = 0; i < 32; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		      (h[i] >= 'a' && h[i] <= 'f')))
			return -1;
	if (uuid_parse(dashed, id) < 0)
		return -1;
	return hash_secret(s + 37, hash);
}

int
opaque_refresh_new(char out[REFRESH_LEN + 1], unsigned char hash[32])
{
	memcpy(out, "srt_", 4);
	return new_secret(out + 4, hash);
}

int
opaque_refresh_hash(const char *s, unsigned char hash[32])
{
	if (s == NULL || strlen(s) != REFRESH_LEN || strncmp(s, "srt_", 4) != 0)
		return -1;
	return hash_secret(s + 4, hash);
}

static bool
prefix_ok(const char *prefix)
{
	return prefix != NULL && strlen(prefix) == 4 && prefix[3] == '_';
}

int
opaque_link_new(const char *prefix, char out[LINK_TOKEN_LEN + 1],
                unsigned char hash[32])
{
	if (!prefix_ok(prefix))
		return -1;
	memcpy(out, prefix, 4);
	/* The stored hash covers the prefix too: a token's secret under
	 * another prefix is another token. */
	if (new_secret(out + 4, hash) < 0)
		return -1;
	return crypto_sha256(out, LINK_TOKEN_LEN, hash);
}

int
opaque_link_hash(const char *prefix, const char *s, unsigned char hash[32])
{
	if (!prefix_ok(prefix) || s == NULL || strlen(s) != LINK_TOKEN_LEN ||
	    strncmp(s, prefix, 4) != 0 || hash_secret(s + 4, hash) < 0)
		return -1;
	return crypto_sha256(s, LINK_TOKEN_LEN, hash);
}

void
opaque_bytea(const unsigned char hash[32], char out[67])
{
	out[0] = '\\';
	out[1] = 'x';
	hex_encode(hash, 32, out + 2);
}

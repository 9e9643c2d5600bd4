/*
 * fieldcrypt.c - sealed field values and blind indexes.
 */
#include "sec/fieldcrypt.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/hex.h"

#define PREFIX "enc:v1:"
#define PREFIX_LEN 7

/* "strata-field:v1" || tenant(16) || record(16) || collection || 0 || field */
static size_t
aad_bytes(const struct field_aad *ad, unsigned char *out, size_t cap)
{
	static const char label[] = "strata-field:v1";
	size_t n = sizeof(label) - 1, c = strlen(ad->collection),
	       f = strlen(ad->field);

	if (n + 32 + c + 1 + f > cap)
		return 0;
	memcpy(out, label, n);
	memcpy(out + n, ad->tenant->b, 16);
	memcpy(out + n + 16, ad->record->b, 16);
	memcpy(out + n + 32, ad->collection, c);
	out[n + 32 + c] = 0;
	memcpy(out + n + 33 + c, ad->field, f);
	return n + 33 + c + f;
}

const char *
fieldcrypt_seal(struct arena *a, const unsigned char key[CRYPTO_KEY_LEN],
                const struct uuid *kid, const struct field_aad *ad,
                const char *json)
{
	unsigned char aad[256];
	size_t alen = aad_bytes(ad, aad, sizeof(aad));
	size_t n = strlen(json), sealed = n + CRYPTO_SEAL_OVERHEAD;
	unsigned char *box = arena_alloc(a, sealed);
	size_t outsz = PREFIX_LEN + UUID_STR_LEN + 1 + sealed / 3 * 4 + 8;
	char *out = arena_alloc(a, outsz);
	char id[UUID_STR_LEN + 1];

	if (alen == 0 || crypto_seal(key, aad, alen, json, n, box) < 0)
		return NULL;
	uuid_format(kid, id);
	memcpy(out, PREFIX, PREFIX_LEN);
	memcpy(out + PREFIX_LEN, id, UUID_STR_LEN);
	out[PREFIX_LEN + UUID_STR_LEN] = ':';
	if (crypto_b64url_enc(box, sealed, out + PREFIX_LEN + UUID_STR_LEN + 1,
	                      outsz - PREFIX_LEN - UUID_STR_LEN - 1) < 0)
		return NULL;
	return out;
}

bool
fieldcrypt_is_sealed(const char *s)
{
	return s != NULL && strncmp(s, PREFIX, PREFIX_LEN) == 0;
}

int
fieldcrypt_kid(const char *s, struct uuid *kid)
{
	char id[UUID_STR_LEN + 1];

	if (!fieldcrypt_is_sealed(s) ||
	    strlen(s) < PREFIX_LEN + UUID_STR_LEN + 1 ||
	    s[PREFIX_LEN + UUID_STR_LEN] != ':')
		return -1;
	memcpy(id, s + PREFIX_LEN, UUID_STR_LEN);
	id[UUID_STR_LEN] = '\0';
	return uuid_parse(id, kid);
}

const char *
fieldcrypt_open(struct arena *a, const unsigned char key[CRYPTO_KEY_LEN],
                const struct field_aad *ad, const char *sealed)
{
	unsigned char aad[256];
	size_t alen = aad_bytes(ad, aad, sizeof(aad));
	struct uuid kid;
	const char *b64;
	size_t blen;
	unsigned char *box;
	char *out;
	int n;

	if (alen == 0 || fieldcrypt_kid(sealed, &kid) < 0)
		return NULL;
	b64 = sealed + PREFIX_LEN + UUID_STR_LEN + 1;
	blen = strlen(b64);
	box = arena_alloc(a, blen + 1);
	n = crypto_b64url_dec(b64, blen, box, blen + 1);
	if (n < CRYPTO_SEAL_OVERHEAD)
		return NULL;
	out = arena_alloc(a, (size_t)n - CRYPTO_SEAL_OVERHEAD + 1);
	if (crypto_open(key, aad, alen, box, (size_t)n, (unsigned char *)out) <
	    0)
		return NULL;
	out[n - CRYPTO_SEAL_OVERHEAD] = '\0';
	return out;
}

const char *
fieldcrypt_normalize(struct arena *a, const char *text)
{
	size_t start = 0, end = strlen(text), j = 0;
	char *out = arena_alloc(a, end + 1);

	while (start < end && (text[start] == ' ' || text[start] == '\t'))
		start++;
	while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t'))
		end--;
	for (size_t i = start; i < end; i++) {
		char c = text[i];

		out[j++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[j] = '\0';
	return out;
}

int
fieldcrypt_blind(const unsigned char key[CRYPTO_KEY_LEN],
                 const char *normalized, char out[65])
{
	unsigned char mac[32];

	if (crypto_hmac_sha256(key, CRYPTO_KEY_LEN, normalized,
	                       strlen(normalized), mac) < 0)
		return -1;
	hex_encode(mac, 32, out);
	return 0;
}

/*
 * crypto.c - EVP wrappers.
 */
#include "sec/crypto.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

int
crypto_random(void *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
}

int
crypto_sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 0;

	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32
	           ? 0
	           : -1;
}

int
crypto_hmac_sha256(const unsigned char *key, size_t klen, const void *p,
                   size_t n, unsigned char out[32])
{
	size_t len = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, p, n, out,
	              32, &len) == NULL)
		return -1;
	return len == 32 ? 0 : -1;
}

int
crypto_seal(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
            size_t aadlen, const void *in, size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char *nonce = out, *ct = out + CRYPTO_NONCE_LEN;
	int len = 0, fin = 0, ok;

	if (c == NULL)
		return -1;
	ok = crypto_random(nonce, CRYPTO_NONCE_LEN) == 0 &&
	     EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_NONCE_LEN,
	                         NULL) == 1 &&
	     EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) == 1 &&
	     (aadlen == 0 ||
	      EVP_EncryptUpdate(c, NULL, &len, aad, (int)aadlen) == 1) &&
	     EVP_EncryptUpdate(c, ct, &len, in, (int)n) == 1 &&
	     EVP_EncryptFinal_ex(c, ct + len, &fin) == 1 &&
	     (size_t)len + (size_t)fin == n &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, CRYPTO_TAG_LEN,
	                         ct + n) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int
crypto_open(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
            size_t aadlen, const unsigned char *in, size_t len,
            unsigned char *out)
{
	EVP_CIPHER_CTX *c;
	const unsigned char *ct = in + CRYPTO_NONCE_LEN;
	size_t n;
	int l = 0, fin = 0, ok;
	unsigned char tag[CRYPTO_TAG_LEN];

	if (len < CRYPTO_SEAL_OVERHEAD)
		return -1;
	n = len - CRYPTO_SEAL_OVERHEAD;
	memcpy(tag, ct + n, CRYPTO_TAG_LEN);
	c = EVP_CIPHER_CTX_new();
	if (c == NULL)
		return -1;
	ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_NONCE_LEN,
	                         NULL) == 1 &&
	     EVP_DecryptInit_ex(c, NULL, NULL, key, in) == 1 &&
	     (aadlen == 0 ||
	      EVP_DecryptUpdate(c, NULL, &l, aad, (int)aadlen) == 1) &&
	     EVP_DecryptUpdate(c, out, &l, ct, (int)n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, CRYPTO_TAG_LEN,
	                         tag) == 1 &&
	     EVP_DecryptFinal_ex(c, out + l, &fin) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		crypto_wipe(out, n);
		return -1;
	}
	return 0;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
crypto_b64url_enc(const void *in, size_t n, char *out, size_t outsz)
{
	const unsigned char *p = in;
	size_t j = 0;

	if (outsz < n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0) + 1)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[j++] = b64url[(v >> 18) & 63];
		out[j++] = b64url[(v >> 12) & 63];
		if (i + 1 < n)
			out[j++] = b64url[(v >> 6) & 63];
		if (i + 2 < n)
			out[j++] = b64url[v & 63];
	}
	out[j] = '\0';
	return (int)j;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
crypto_b64url_dec(const char *in, size_t n, unsigned char *out, size_t outsz)
{
	size_t j = 0;
	unsigned v = 0;
	int bits = 0;

	if (n % 4 == 1 || outsz < n * 3 / 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = b64val(in[i]);

		if (d < 0)
			return -1;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[j++] = (unsigned char)((v >> bits) & 0xff);
		}
	}
	/* Leftover bits must be zero: one encoding per value. */
	if ((v & ((1u << bits) - 1)) != 0)
		return -1;
	return (int)j;
}

bool
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
crypto_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

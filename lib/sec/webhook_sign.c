/*
 * webhook_sign.c - Standard Webhooks HMAC-SHA256 signatures.
 */
#include "sec/webhook_sign.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sec/crypto.h"

#define PREFIX "whsec_"

int
webhook_sign_secret_new(char out[WEBHOOK_SIGN_SECRET_MAX])
{
	unsigned char key[32];

	if (crypto_random(key, sizeof(key)) < 0)
		return -1;
	memcpy(out, PREFIX, 6);
	EVP_EncodeBlock((unsigned char *)out + 6, key, (int)sizeof(key));
	crypto_wipe(key, sizeof(key));
	return 0;
}

/* Standard base64 (padding required) of s (n chars) into out; the byte
 * count, or -1 when s is not base64 or decodes to more than cap. */
static int
b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	unsigned char buf[WEBHOOK_SIGN_SECRET_MAX];
	int len, pad = 0;

	if (n == 0 || n % 4 != 0 || n > 88 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	              "0123456789+/=") < n)
		return -1;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	if (memchr(s, '=', n - (size_t)pad) != NULL)
		return -1;
	len = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (len < 0 || (size_t)(len - pad) > cap) {
		crypto_wipe(buf, sizeof(buf));
		return -1;
	}
	len -= pad;
	memcpy(out, buf, (size_t)len);
	crypto_wipe(buf, sizeof(buf));
	return len;
}

int
webhook_sign_key(const char *secret, unsigned char *key, size_t *len)
{
	int n;

	if (secret == NULL)
		return -1;
	if (strncmp(secret, PREFIX, 6) == 0)
		secret += 6;
	n = b64_decode(secret, strlen(secret), key, WEBHOOK_SIGN_KEY_MAX);
	if (n < WEBHOOK_SIGN_KEY_MIN) {
		crypto_wipe(key, WEBHOOK_SIGN_KEY_MAX);
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/* HMAC-SHA256 of "msg_id.ts.body" under key into mac (EVP_MAC, fed in
 * two parts: the body is not copied). */
static int
mac_of(const unsigned char *key, size_t klen, const char *msg_id, long long ts,
       const char *body, size_t body_len, unsigned char mac[32])
{
	char head[160], digest[] = "SHA256";
	OSSL_PARAM params[2];
	EVP_MAC *m;
	EVP_MAC_CTX *ctx = NULL;
	size_t mlen = 0;
	int n, ok;

	if (msg_id == NULL || *msg_id == '\0' || strchr(msg_id, '.') != NULL)
		return -1;
	n = snprintf(head, sizeof(head), "%s.%lld.", msg_id, ts);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	params[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = (ctx = EVP_MAC_CTX_new(m)) != NULL &&
	     EVP_MAC_init(ctx, key, klen, params) == 1 &&
	     EVP_MAC_update(ctx, (const unsigned char *)head, (size_t)n) == 1 &&
	     EVP_MAC_update(ctx, (const unsigned char *)body, body_len) == 1 &&
	     EVP_MAC_final(ctx, mac, &mlen, 32) == 1 && mlen == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok ? 0 : -1;
}

int
webhook_sign(const char *secret, const char *msg_id, long long ts,
             const char *body, size_t body_len, char out[WEBHOOK_SIGN_SIG_MAX])
{
	unsigned char key[WEBHOOK_SIGN_KEY_MAX], mac[32];
	size_t klen;
	int rc = -1;

	if (webhook_sign_key(secret, key, &klen) < 0)
		return -1;
	if (mac_of(key, klen, msg_id, ts, body, body_len, mac) == 0) {
		memcpy(out, "v1,", 3);
		EVP_EncodeBlock((unsigned char *)out + 3, mac, 32);
		rc = 0;
	}
	crypto_wipe(key, sizeof(key));
	crypto_wipe(mac, sizeof(mac));
	return rc;
}

int
webhook_sign_verify(const char *secret, const char *msg_id, long long ts,
                    const char *body, size_t body_len, const char *header)
{
	char want[WEBHOOK_SIGN_SIG_MAX];
	const char *p = header;
	int ok = -1;

	if (header == NULL ||
	    webhook_sign(secret, msg_id, ts, body, body_len, want) < 0)
		return -1;
	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		/* Every candidate is compared, in constant time each. */
		if (n == strlen(want) && crypto_equal(p, want, n))
			ok = 0;
		p += n;
		p += strspn(p, " ");
	}
	crypto_wipe(want, sizeof(want));
	return ok;
}

/*
 * jwk.c - JWK to PEM through OpenSSL's EVP_PKEY_fromdata.
 */
#include "sec/jwk.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "sec/crypto.h"

#define B64_MAX 1024 /* 8192-bit moduli at most */

static int
b64member(const cJSON *jwk, const char *name, unsigned char *out, int max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(jwk, name);

	if (!cJSON_IsString(v) || strlen(v->valuestring) > (size_t)max * 4 / 3)
		return -1;
	return crypto_b64url_dec(v->valuestring, strlen(v->valuestring), out,
	                         (size_t)max);
}

static EVP_PKEY *
rsa_key(const cJSON *jwk, const char **why)
{
	unsigned char n[B64_MAX], e[16];
	int nl = b64member(jwk, "n", n, sizeof(n));
	int el = b64member(jwk, "e", e, sizeof(e));
	OSSL_PARAM_BLD *b;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *bn = NULL, *be = NULL;

	if (nl < 256 || el < 1) {
		*why = "an RSA key needs n (2048 bits or more) and e";
		return NULL;
	}
	bn = BN_bin2bn(n, nl, NULL);
	be = BN_bin2bn(e, el, NULL);
	/* Bits, not bytes: 256 bytes with leading zeros are a smaller key. */
	if (bn != NULL && BN_num_bits(bn) < 2048) {
		*why = "an RSA key needs n (2048 bits or more) and e";
		BN_free(bn);
		BN_free(be);
		return NULL;
	}
	b = OSSL_PARAM_BLD_new();
	if (bn != NULL && be != NULL && b != NULL &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
		params = OSSL_PARAM_BLD_to_param(b);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		*why = "the RSA key does not parse";
		pk = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return pk;
}

static EVP_PKEY *
ec_key(const cJSON *jwk, const char **why)
{
	unsigned char x[40], y[40], point[65];
	int xl = b64member(jwk, "x", x, sizeof(x));
	int yl = b64member(jwk, "y", y, sizeof(y));
	const cJSON *crv = cJSON_GetObjectItemCaseSensitive(jwk, "crv");
	char group[] = "prime256v1";
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;

	if (!cJSON_IsString(crv) || strcmp(crv->valuestring, "P-256") != 0) {
		*why = "only the P-256 curve is supported";
		return NULL;
	}
	if (xl != 32 || yl != 32) {
		*why = "a P-256 key needs x and y of 32 bytes";
		return NULL;
	}
	point[0] = 0x04;
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	                                             group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                              point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		*why = "the EC key is not a point of P-256";
		pk = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

int
jwk_to_pem(const cJSON *jwk, char pem[JWK_PEM_MAX], enum jwk_alg *alg,
           const char **why)
{
	const cJSON *kty = cJSON_GetObjectItemCaseSensitive(jwk, "kty");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(jwk, "alg");
	const cJSON *use = cJSON_GetObjectItemCaseSensitive(jwk, "use");
	EVP_PKEY *pk = NULL;
	BIO *bio;
	char *data;
	long len;
	int rc = -1;

	*alg = JWK_NONE;
	if (!cJSON_IsObject(jwk) || !cJSON_IsString(kty)) {
		*why = "a key needs kty";
		return -1;
	}
	if (use != NULL &&
	    (!cJSON_IsString(use) || strcmp(use->valuestring, "sig") != 0)) {
		*why = "use must be sig";
		return -1;
	}
	if (strcmp(kty->valuestring, "RSA") == 0) {
		*alg = JWK_RS256;
		pk = rsa_key(jwk, why);
	} else if (strcmp(kty->valuestring, "EC") == 0) {
		*alg = JWK_ES256;
		pk = ec_key(jwk, why);
	} else {
		*why = "unsupported key type (RSA and EC P-256 only)";
		return -1;
	}
	if (pk == NULL)
		return -1;
	if (a != NULL && (!cJSON_IsString(a) ||
	                  strcmp(a->valuestring,
	                         *alg == JWK_RS256 ? "RS256" : "ES256") != 0)) {
		*why = "alg does not fit the key (RS256 for RSA, ES256 for EC)";
		EVP_PKEY_free(pk);
		return -1;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio != NULL && PEM_write_bio_PUBKEY(bio, pk) == 1) {
		len = BIO_get_mem_data(bio, &data);
		if (len > 0 && len < JWK_PEM_MAX) {
			memcpy(pem, data, (size_t)len);
			pem[len] = '\0';
			rc = 0;
		}
	}
	if (rc < 0)
		*why = "the key cannot be encoded";
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return rc;
}

/*
 * fuzz_jwk.c - JSON Web Key parsing (sec/jwk: jwk_to_pem).
 *
 * Input: one JWK as JSON text.  Invariants: a refused key comes with a
 * reason; an accepted one is a PEM "PUBLIC KEY" that OpenSSL reads back
 * as the kind of key its alg says: RSA of 2048 bits or more for RS256, an
 * EC key on P-256 for ES256.
 */
#include "fuzz.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sec/jwk.h"

static void
check_pem(const char *pem, enum jwk_alg alg)
{
	size_t n = strnlen(pem, JWK_PEM_MAX);
	BIO *b;
	EVP_PKEY *pk;

	if (n == JWK_PEM_MAX)
		fuzz_fail("the PEM is not terminated");
	b = BIO_new_mem_buf(pem, (int)n);
	pk = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	if (pk == NULL)
		fuzz_fail("the PEM of an accepted key does not read back");
	if (alg == JWK_RS256 &&
	    (!EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_get_bits(pk) < 2048))
		fuzz_fail("an RS256 key is not RSA of 2048 bits or more");
	if (alg == JWK_ES256 &&
	    (!EVP_PKEY_is_a(pk, "EC") || EVP_PKEY_get_bits(pk) != 256))
		fuzz_fail("an ES256 key is not an EC P-256 key");
	if (alg != JWK_RS256 && alg != JWK_ES256)
		fuzz_fail("an accepted key has no alg");
	EVP_PKEY_free(pk);
	BIO_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char pem[JWK_PEM_MAX];
	enum jwk_alg alg;
	const char *why = NULL;
	cJSON *jwk;

	fuzz_begin();
	jwk = fuzz_json((const char *)data, size);
	if (jwk == NULL)
		return 0;
	if (jwk_to_pem(jwk, pem, &alg, &why) == 0)
		check_pem(pem, alg);
	else if (why == NULL)
		fuzz_fail("a refused key has no reason");
	return 0;
}

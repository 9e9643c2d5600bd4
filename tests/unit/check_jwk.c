/* check_jwk.c - JWKs to PEM: RSA keys under 2048 bits are refused. */
#include <check.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "sec/crypto.h"
#include "sec/jwk.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
}

static void
teardown(void)
{
	arena_free(a);
}

/* {"kty":"RSA","n":<n of len bytes, big-endian>,"e":"AQAB"}. */
static cJSON *
rsa_jwk(const unsigned char *n, size_t len)
{
	char b64[1024];
	cJSON *o = cJSON_CreateObject();

	crypto_b64url_enc(n, len, b64, sizeof(b64));
	cJSON_AddStringToObject(o, "kty", "RSA");
	cJSON_AddStringToObject(o, "n", b64);
	cJSON_AddStringToObject(o, "e", "AQAB");
	return o;
}

/* Found by make fuzz: a modulus of 256 bytes whose first byte is under
 * 0x80 has fewer than 2048 bits, and was accepted. */
START_TEST(rsa_bits_not_bytes)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	BIGNUM *bn = NULL;
	unsigned char n[256];
	char pem[JWK_PEM_MAX];
	enum jwk_alg alg;
	const char *why = NULL;

	ck_assert_ptr_nonnull(pk);
	ck_assert(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn));
	ck_assert_int_eq(BN_bn2binpad(bn, n, sizeof(n)), 256);
	ck_assert_int_eq(jwk_to_pem(rsa_jwk(n, sizeof(n)), pem, &alg, &why), 0);
	ck_assert_int_eq(alg, JWK_RS256);
	/* The same 256 bytes with the top bit cleared: 2047 bits. */
	n[0] &= 0x7f;
	ck_assert_int_eq(jwk_to_pem(rsa_jwk(n, sizeof(n)), pem, &alg, &why),
	                 -1);
	ck_assert_ptr_nonnull(why);
	BN_free(bn);
	EVP_PKEY_free(pk);
}
END_TEST

static Suite *
jwk_suite(void)
{
	Suite *s = suite_create("jwk");
	TCase *t = tcase_create("jwk_to_pem");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, rsa_bits_not_bytes);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(jwk_suite)

/* check_crypto.c - EVP wrappers: AES-GCM with AAD, base64url, HMAC. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/hex.h"
#include "sec/crypto.h"

static const unsigned char key[32] = {1, 2, 3, 4, 5, 6, 7, 8};
static const char msg[] = "personal data";

START_TEST(seal_open_round_trip)
{
	unsigned char ct[sizeof(msg) + CRYPTO_SEAL_OVERHEAD], pt[sizeof(msg)];

	ck_assert_int_eq(crypto_seal(key, "ad", 2, msg, sizeof(msg), ct), 0);
	ck_assert_int_eq(crypto_open(key, "ad", 2, ct, sizeof(ct), pt), 0);
	ck_assert_str_eq((char *)pt, msg);
}
END_TEST

START_TEST(fresh_nonce_each_time)
{
	unsigned char a[sizeof(msg) + CRYPTO_SEAL_OVERHEAD];
	unsigned char b[sizeof(msg) + CRYPTO_SEAL_OVERHEAD];

	crypto_seal(key, NULL, 0, msg, sizeof(msg), a);
	crypto_seal(key, NULL, 0, msg, sizeof(msg), b);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
}
END_TEST

/* Every single-byte change anywhere in nonce, ciphertext or tag fails. */
START_TEST(tamper_any_byte)
{
	unsigned char ct[sizeof(msg) + CRYPTO_SEAL_OVERHEAD], pt[sizeof(msg)];

	crypto_seal(key, "ad", 2, msg, sizeof(msg), ct);
	ct[_i] ^= 0x01;
	ck_assert_int_eq(crypto_open(key, "ad", 2, ct, sizeof(ct), pt), -1);
}
END_TEST

START_TEST(wrong_key_aad_length)
{
	unsigned char ct[sizeof(msg) + CRYPTO_SEAL_OVERHEAD], pt[sizeof(msg)];
	unsigned char other[32] = {9};

	crypto_seal(key, "ad", 2, msg, sizeof(msg), ct);
	ck_assert_int_eq(crypto_open(other, "ad", 2, ct, sizeof(ct), pt), -1);
	ck_assert_int_eq(crypto_open(key, "ae", 2, ct, sizeof(ct), pt), -1);
	ck_assert_int_eq(crypto_open(key, NULL, 0, ct, sizeof(ct), pt), -1);
	ck_assert_int_eq(crypto_open(key, "ad", 2, ct, sizeof(ct) - 1, pt), -1);
	ck_assert_int_eq(crypto_open(key, "ad", 2, ct, 10, pt), -1);
}
END_TEST

START_TEST(b64url)
{
	char out[64];
	unsigned char back[64];

	ck_assert_int_eq(crypto_b64url_enc("", 0, out, sizeof(out)), 0);
	ck_assert_int_eq(crypto_b64url_enc("f", 1, out, sizeof(out)), 2);
	ck_assert_str_eq(out, "Zg");
	crypto_b64url_enc("foob", 4, out, sizeof(out));
	ck_assert_str_eq(out, "Zm9vYg");
	crypto_b64url_enc("\xfb\xff", 2, out, sizeof(out));
	ck_assert_str_eq(out, "-_8");
	ck_assert_int_eq(crypto_b64url_dec("-_8", 3, back, sizeof(back)), 2);
	ck_assert_int_eq(back[0], 0xfb);
	ck_assert_int_eq(crypto_b64url_dec("Zm9vYg", 6, back, sizeof(back)), 4);
	ck_assert_int_eq(crypto_b64url_dec("Zm9vYg==", 8, back, sizeof(back)),
	                 -1);
	ck_assert_int_eq(crypto_b64url_dec("Zm9v+g", 6, back, sizeof(back)),
	                 -1);
	ck_assert_int_eq(crypto_b64url_dec("Z", 1, back, sizeof(back)), -1);
	/* Non-zero padding bits: a second spelling of the same bytes. */
	ck_assert_int_eq(crypto_b64url_dec("Zh", 2, back, sizeof(back)), -1);
	/* 32 bytes encode to exactly 43 characters plus NUL. */
	ck_assert_int_eq(crypto_b64url_enc(key, 32, out, 44), 43);
	ck_assert_int_eq(crypto_b64url_enc(key, 32, out, 43), -1);
}
END_TEST

START_TEST(hashes)
{
	unsigned char h[32];
	char hex[65];

	crypto_sha256("abc", 3, h);
	hex_encode(h, 32, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	                      "b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231 test case 2 */
	crypto_hmac_sha256((const unsigned char *)"Jefe", 4,
	                   "what do ya want for nothing?", 28, h);
	hex_encode(h, 32, hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c7"
	                      "5a003f089d2739839dec58b964ec3843");
	ck_assert(crypto_equal("abc", "abc", 3));
	ck_assert(!crypto_equal("abc", "abd", 3));
}
END_TEST

static Suite *
crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *g = tcase_create("crypto_seal");
	TCase *e = tcase_create("crypto_encoding");

	tcase_add_test(g, seal_open_round_trip);
	tcase_add_test(g, fresh_nonce_each_time);
	tcase_add_loop_test(g, tamper_any_byte, 0,
	                    (int)sizeof(msg) + CRYPTO_SEAL_OVERHEAD);
	tcase_add_test(g, wrong_key_aad_length);
	tcase_add_test(e, b64url);
	tcase_add_test(e, hashes);
	suite_add_tcase(s, g);
	suite_add_tcase(s, e);
	return s;
}

CHECK_MAIN(crypto_suite)

/* check_mail_token.c - the tokens of mailed links (sec/opaque.h,
 * opaque_link_*): their shape, the hash stored for them, and every token
 * that must be refused (another prefix, another length, another alphabet,
 * a padded or non-canonical secret). */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "sec/crypto.h"
#include "sec/opaque.h"

START_TEST(new_token_shape)
{
	char t[LINK_TOKEN_LEN + 1], u[LINK_TOKEN_LEN + 1];
	unsigned char h[32], h2[32], again[32];

	ck_assert_int_eq(opaque_link_new("sin_", t, h), 0);
	ck_assert_int_eq(opaque_link_new("sin_", u, h2), 0);
	ck_assert_uint_eq(strlen(t), LINK_TOKEN_LEN);
	ck_assert_int_eq(strncmp(t, "sin_", 4), 0);
	ck_assert_uint_eq(strspn(t + 4,
	                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	                         "nopqrstuvwxyz0123456789-_"),
	                  43);
	ck_assert_str_ne(t, u);
	ck_assert_int_ne(memcmp(h, h2, 32), 0);
	/* The stored hash is SHA-256 of the whole token, prefix included. */
	ck_assert_int_eq(crypto_sha256(t, strlen(t), again), 0);
	ck_assert_int_eq(memcmp(h, again, 32), 0);
	ck_assert_int_eq(opaque_link_hash("sin_", t, again), 0);
	ck_assert_int_eq(memcmp(h, again, 32), 0);
}
END_TEST

START_TEST(prefix_binds_the_hash)
{
	char t[LINK_TOKEN_LEN + 1], other[LINK_TOKEN_LEN + 1];
	unsigned char h[32], h2[32];

	ck_assert_int_eq(opaque_link_new("spr_", t, h), 0);
	memcpy(other, t, sizeof(other));
	memcpy(other, "sjn_", 4);
	/* Refused under the wrong kind, and a different hash under the
	 * other prefix: a reset secret is not a join token. */
	ck_assert_int_eq(opaque_link_hash("sjn_", t, h2), -1);
	ck_assert_int_eq(opaque_link_hash("sjn_", other, h2), 0);
	ck_assert_int_ne(memcmp(h, h2, 32), 0);
}
END_TEST

static const char *const bad_tokens[] = {
    NULL,
    "",
    "sin_",
    "sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 */
    "sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 */
    "sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  /* padding */
    "sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* not url */
    "sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* newline */
    "SIN_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "srt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    " sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

START_TEST(refuses_bad_tokens)
{
	unsigned char h[32];

	ck_assert_int_eq(opaque_link_hash("sin_", bad_tokens[_i], h), -1);
}
END_TEST

START_TEST(refuses_bad_prefixes)
{
	char t[LINK_TOKEN_LEN + 1];
	unsigned char h[32];

	ck_assert_int_eq(opaque_link_new(NULL, t, h), -1);
	ck_assert_int_eq(opaque_link_new("sin", t, h), -1);
	ck_assert_int_eq(opaque_link_new("sinx", t, h), -1);
	ck_assert_int_eq(opaque_link_new("sin__", t, h), -1);
	ck_assert_int_eq(opaque_link_hash(NULL, "sin_x", h), -1);
}
END_TEST

START_TEST(canonical_secret_only)
{
	unsigned char h[32];

	/* 43 base64url characters hold 258 bits: the last character must
	 * leave the two spare bits zero, one spelling per secret.  "A" ends
	 * cleanly, "B" sets a spare bit. */
	ck_assert_int_eq(
	    opaque_link_hash(
	        "sin_", "sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", h),
	    0);
	ck_assert_int_eq(
	    opaque_link_hash(
	        "sin_", "sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", h),
	    -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mail_token");
	TCase *t = tcase_create("opaque_link");

	tcase_add_test(t, new_token_shape);
	tcase_add_test(t, prefix_binds_the_hash);
	tcase_add_loop_test(t, refuses_bad_tokens, 0,
	                    sizeof(bad_tokens) / sizeof(bad_tokens[0]));
	tcase_add_test(t, refuses_bad_prefixes);
	tcase_add_test(t, canonical_secret_only);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(suite)

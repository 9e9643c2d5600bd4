/* check_hex.c - encoding, digits and strict decoding. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/hex.h"

START_TEST(encode)
{
	const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(in) + 1];

	hex_encode(in, sizeof(in), out);
	ck_assert_str_eq(out, "00017f80abff");
	hex_encode(in, 0, out);
	ck_assert_str_eq(out, "");
}
END_TEST

static const struct {
	int c;
	int v;
} digits[] = {
    {'0', 0},  {'9', 9},   {'a', 10},  {'f', 15}, {'A', 10}, {'F', 15},
    {'g', -1}, {'G', -1},  {'/', -1},  {':', -1}, {'@', -1}, {'`', -1},
    {' ', -1}, {'\0', -1}, {0x80, -1}, {-1, -1},
};

START_TEST(digit_table)
{
	ck_assert_int_eq(hex_digit(digits[_i].c), digits[_i].v);
}
END_TEST

START_TEST(decode_round_trip)
{
	unsigned char in[32], out[32];
	char s[65];

	for (int i = 0; i < 32; i++)
		in[i] = (unsigned char)(i * 37 + 5);
	hex_encode(in, 32, s);
	ck_assert_int_eq(hex_decode(s, out, 32), 0);
	ck_assert_mem_eq(in, out, 32);
	ck_assert_int_eq(hex_decode("DEADbeef", out, 4), 0);
	ck_assert_uint_eq(out[0], 0xde);
	ck_assert_uint_eq(out[3], 0xef);
}
END_TEST

static const char *const bad[] = {
    "",           /* too short */
    "abc",        /* odd */
    "abcdef",     /* short by one byte */
    "abcdef0011", /* long by one byte */
    "abcdefg0",   /* a non-digit */
    "abcd ef0",   /* a space */
    "0xabcdef",   /* a prefix */
    "abcdef0\n",  /* a newline */
};

START_TEST(decode_refuses)
{
	unsigned char out[4];

	ck_assert_int_eq(hex_decode(bad[_i], out, 4), -1);
}
END_TEST

START_TEST(decode_null)
{
	unsigned char out[4];

	ck_assert_int_eq(hex_decode(NULL, out, 4), -1);
}
END_TEST

static Suite *
hex_suite(void)
{
	Suite *s = suite_create("hex");
	TCase *enc = tcase_create("hex_encode");
	TCase *dig = tcase_create("hex_digit");
	TCase *dec = tcase_create("hex_decode");

	tcase_add_test(enc, encode);
	tcase_add_loop_test(dig, digit_table, 0,
	                    sizeof(digits) / sizeof(digits[0]));
	tcase_add_test(dec, decode_round_trip);
	tcase_add_loop_test(dec, decode_refuses, 0,
	                    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(dec, decode_null);
	suite_add_tcase(s, enc);
	suite_add_tcase(s, dig);
	suite_add_tcase(s, dec);
	return s;
}

CHECK_MAIN(hex_suite)

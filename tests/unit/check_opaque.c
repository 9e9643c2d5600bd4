/* check_opaque.c - API keys and refresh tokens. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "sec/opaque.h"

START_TEST(apikey_round_trip)
{
	struct uuid id, back;
	char key[APIKEY_LEN + 1];
	unsigned char h1[32], h2[32];

	uuid_v7(&id);
	ck_assert_int_eq(opaque_apikey_new(&id, key, h1), 0);
	ck_assert_int_eq(strlen(key), APIKEY_LEN);
	ck_assert_int_eq(strncmp(key, "stk_", 4), 0);
	ck_assert_int_eq(opaque_apikey_parse(key, &back, h2), 0);
	ck_assert(uuid_equal(&id, &back));
	ck_assert(memcmp(h1, h2, 32) == 0);
	/* Another secret: another hash. */
	key[40] = key[40] == 'A' ? 'B' : 'A';
	if (opaque_apikey_parse(key, &back, h2) == 0)
		ck_assert(memcmp(h1, h2, 32) != 0);
}
END_TEST

START_TEST(apikey_malformed)
{
	struct uuid id;
	char key[APIKEY_LEN + 1], bad[APIKEY_LEN + 8];
	unsigned char h[32];

	uuid_v7(&id);
	opaque_apikey_new(&id, key, h);
	ck_assert_int_eq(opaque_apikey_parse(NULL, &id, h), -1);
	ck_assert_int_eq(opaque_apikey_parse("", &id, h), -1);
	ck_assert_int_eq(opaque_apikey_parse("stk_", &id, h), -1);
	memcpy(bad, key, sizeof(key));
	bad[0] = 'S';
	ck_assert_int_eq(opaque_apikey_parse(bad, &id, h), -1);
	memcpy(bad, key, sizeof(key));
	bad[36] = '-';
	ck_assert_int_eq(opaque_apikey_parse(bad, &id, h), -1);
	memcpy(bad, key, sizeof(key));
	bad[5] = 'G'; /* not hex */
	ck_assert_int_eq(opaque_apikey_parse(bad, &id, h), -1);
	memcpy(bad, key, sizeof(key));
	bad[5] = 'A'; /* upper-case hex: one spelling only */
	ck_assert_int_eq(opaque_apikey_parse(bad, &id, h), -1);
	memcpy(bad, key, sizeof(key));
	bad[50] = '=';
	ck_assert_int_eq(opaque_apikey_parse(bad, &id, h), -1);
	memcpy(bad, key, sizeof(key));
	strcat(bad, "x");
	ck_assert_int_eq(opaque_apikey_parse(bad, &id, h), -1);
}
END_TEST

START_TEST(refresh)
{
	char t[REFRESH_LEN + 1], t2[REFRESH_LEN + 1];
	unsigned char h1[32], h2[32];
	char b[67];

	ck_assert_int_eq(opaque_refresh_new(t, h1), 0);
	ck_assert_int_eq(strncmp(t, "srt_", 4), 0);
	ck_assert_int_eq(opaque_refresh_hash(t, h2), 0);
	ck_assert(memcmp(h1, h2, 32) == 0);
	opaque_refresh_new(t2, h2);
	ck_assert_str_ne(t, t2);
	ck_assert(memcmp(h1, h2, 32) != 0);
	ck_assert_int_eq(opaque_refresh_hash("srt_short", h2), -1);
	ck_assert_int_eq(opaque_refresh_hash(NULL, h2), -1);
	t[0] = 'x';
	ck_assert_int_eq(opaque_refresh_hash(t, h2), -1);
	opaque_bytea(h1, b);
	ck_assert_int_eq(strlen(b), 66);
	ck_assert_int_eq(strncmp(b, "\\x", 2), 0);
}
END_TEST

static Suite *
opaque_suite(void)
{
	Suite *s = suite_create("opaque");
	TCase *tc = tcase_create("opaque");

	tcase_add_test(tc, apikey_round_trip);
	tcase_add_test(tc, apikey_malformed);
	tcase_add_test(tc, refresh);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(opaque_suite)

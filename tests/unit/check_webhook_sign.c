/* check_webhook_sign.c - Standard Webhooks signatures: the published test
 * vector, secrets, and every way a signature must fail. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "sec/webhook_sign.h"

/* From standard-webhooks/libraries/python/tests/test_webhooks.py. */
#define VEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VEC_TS 1614265330LL
#define VEC_BODY "{\"test\": 2432232314}"
#define VEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

START_TEST(published_vector)
{
	char sig[WEBHOOK_SIGN_SIG_MAX];

	ck_assert_int_eq(webhook_sign(VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY,
	                              strlen(VEC_BODY), sig),
	                 0);
	ck_assert_str_eq(sig, VEC_SIG);
	/* The bare base64 is the same secret. */
	ck_assert_int_eq(webhook_sign(VEC_SECRET + 6, VEC_ID, VEC_TS, VEC_BODY,
	                              strlen(VEC_BODY), sig),
	                 0);
	ck_assert_str_eq(sig, VEC_SIG);
}
END_TEST

START_TEST(verify_good)
{
	const char *b = VEC_BODY;

	ck_assert_int_eq(webhook_sign_verify(VEC_SECRET, VEC_ID, VEC_TS, b,
	                                     strlen(b), VEC_SIG),
	                 0);
	/* One of several (rotation). */
	ck_assert_int_eq(webhook_sign_verify(
	                     VEC_SECRET, VEC_ID, VEC_TS, b, strlen(b),
	                     "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "
	                     "v1a,xyz " VEC_SIG),
	                 0);
}
END_TEST

/* Each changes one input: none verifies. */
static const struct {
	const char *secret, *id;
	long long ts;
	const char *body, *header;
} bad[] = {
    {VEC_SECRET, VEC_ID, VEC_TS + 1, VEC_BODY, VEC_SIG},
    {VEC_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJeK", VEC_TS, VEC_BODY, VEC_SIG},
    {VEC_SECRET, VEC_ID, VEC_TS, "{\"test\":2432232314}", VEC_SIG},
    {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", VEC_ID, VEC_TS, VEC_BODY,
     VEC_SIG},
    {VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY,
     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="},
    {VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY,
     "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
    {VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY,
     "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
    {VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY, ""},
    {VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY, NULL},
    {VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY, "v1,"},
};

START_TEST(verify_bad)
{
	const char *b = bad[_i].body;

	ck_assert_int_eq(webhook_sign_verify(bad[_i].secret, bad[_i].id,
	                                     bad[_i].ts, b, strlen(b),
	                                     bad[_i].header),
	                 -1);
}
END_TEST

/* Secrets that are not base64 of 24 to 64 bytes, and ids with a dot. */
static const char *const bad_secrets[] = {
    "",
    "whsec_",
    "whsec_c2hvcnQ=",                         /* 5 bytes */
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",  /* not a multiple of 4 */
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!w", /* not base64 */
    "whsec_MfKQ9r8G=YqrTwjUPD8ILPZIo2LaLaSw", /* padding inside */
    "whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", /* more than 64 bytes */
    NULL,
};

START_TEST(secret_refused)
{
	unsigned char key[WEBHOOK_SIGN_KEY_MAX];
	char sig[WEBHOOK_SIGN_SIG_MAX];
	size_t n;

	ck_assert_int_eq(webhook_sign_key(bad_secrets[_i], key, &n), -1);
	ck_assert_int_eq(
	    webhook_sign(bad_secrets[_i], VEC_ID, VEC_TS, "x", 1, sig), -1);
}
END_TEST

START_TEST(id_refused)
{
	char sig[WEBHOOK_SIGN_SIG_MAX];

	ck_assert_int_eq(webhook_sign(VEC_SECRET, "msg.1", VEC_TS, "x", 1, sig),
	                 -1);
	ck_assert_int_eq(webhook_sign(VEC_SECRET, "", VEC_TS, "x", 1, sig), -1);
	ck_assert_int_eq(webhook_sign(VEC_SECRET, NULL, VEC_TS, "x", 1, sig),
	                 -1);
}
END_TEST

START_TEST(new_secret)
{
	char a[WEBHOOK_SIGN_SECRET_MAX], b[WEBHOOK_SIGN_SECRET_MAX];
	unsigned char key[WEBHOOK_SIGN_KEY_MAX];
	size_t n = 0;

	ck_assert_int_eq(webhook_sign_secret_new(a), 0);
	ck_assert_int_eq(webhook_sign_secret_new(b), 0);
	ck_assert_int_eq(strncmp(a, "whsec_", 6), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(webhook_sign_key(a, key, &n), 0);
	ck_assert_uint_eq(n, 32);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("webhook_sign");
	TCase *t = tcase_create("webhook_sign");

	tcase_add_test(t, published_vector);
	tcase_add_test(t, verify_good);
	tcase_add_loop_test(t, verify_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(t, secret_refused, 0,
	                    sizeof(bad_secrets) / sizeof(bad_secrets[0]));
	tcase_add_test(t, id_refused);
	tcase_add_test(t, new_secret);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(suite)

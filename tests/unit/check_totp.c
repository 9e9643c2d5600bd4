/* check_totp.c - TOTP against RFC 6238's test vectors (and RFC 4226's HOTP
 * values), the window and replay rules, base32, the otpauth URI, recovery
 * codes, challenges and the QR image; every way a code must fail. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/qrsvg.h"
#include "sec/totp.h"

#define KEY ((const unsigned char *)"12345678901234567890")

/* RFC 6238 appendix B, SHA1 column (8 digits). */
static const struct {
	long long t;
	unsigned code;
} rfc6238[] = {
    {59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
    {1234567890, 89005924}, {2000000000, 69279037}, {20000000000LL, 65353130},
};

START_TEST(rfc6238_vectors)
{
	unsigned v = 0;

	ck_assert_int_eq(totp_hotp(KEY, 20,
	                           (unsigned long long)totp_step(rfc6238[_i].t),
	                           8, &v),
	                 0);
	ck_assert_uint_eq(v, rfc6238[_i].code);
	/* Six digits are the last six of the same value. */
	ck_assert_int_eq(totp_hotp(KEY, 20,
	                           (unsigned long long)totp_step(rfc6238[_i].t),
	                           6, &v),
	                 0);
	ck_assert_uint_eq(v, rfc6238[_i].code % 1000000);
}
END_TEST

/* RFC 4226 appendix D: HOTP counts 0..9. */
static const unsigned rfc4226[] = {755224, 287082, 359152, 969429, 338314,
                                   254676, 287922, 162583, 399871, 520489};

START_TEST(rfc4226_vectors)
{
	unsigned v = 0;

	ck_assert_int_eq(totp_hotp(KEY, 20, (unsigned long long)_i, 6, &v), 0);
	ck_assert_uint_eq(v, rfc4226[_i]);
}
END_TEST

START_TEST(hotp_refuses)
{
	unsigned v = 0;

	ck_assert_int_eq(totp_hotp(KEY, 20, 1, 5, &v), -1);
	ck_assert_int_eq(totp_hotp(KEY, 20, 1, 9, &v), -1);
	ck_assert_int_eq(totp_hotp(KEY, 0, 1, 6, &v), -1);
	ck_assert_int_eq(totp_hotp(NULL, 20, 1, 6, &v), -1);
	ck_assert_int_eq(totp_step(-1), -1);
}
END_TEST

/* The code of the step of time t, as text. */
static void
code_at(long long t, char out[7])
{
	unsigned v = 0;

	ck_assert_int_eq(
	    totp_hotp(KEY, 20, (unsigned long long)totp_step(t), 6, &v), 0);
	snprintf(out, 7, "%06u", v);
}

START_TEST(verify_window)
{
	long long now = 1111111111, m = 0;
	char c[7];

	code_at(now, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, 0, &m), TOTP_OK);
	ck_assert_int_eq(m, totp_step(now));
	/* One step early or late is accepted, and says which. */
	code_at(now - 30, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, 0, &m), TOTP_OK);
	ck_assert_int_eq(m, totp_step(now) - 1);
	code_at(now + 30, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, 0, &m), TOTP_OK);
	ck_assert_int_eq(m, totp_step(now) + 1);
}
END_TEST

START_TEST(verify_outside_window)
{
	long long now = 1111111111, m = -7;
	char c[7];

	code_at(now - 60, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, 0, &m), TOTP_WRONG);
	code_at(now + 60, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, 0, &m), TOTP_WRONG);
	ck_assert_int_eq(m, -7); /* untouched on failure */
}
END_TEST

START_TEST(verify_replay)
{
	long long now = 1111111111, m = 0, used;
	char c[7];

	code_at(now, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, 0, &m), TOTP_OK);
	used = m;
	/* The same code again, even a step later, is a replay. */
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, used, &m), TOTP_REPLAYED);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now + 30, used, &m),
	                 TOTP_REPLAYED);
	/* An older step's code after a newer one was used: refused too. */
	code_at(now - 30, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now, used, &m), TOTP_REPLAYED);
	/* The next step's code is fresh. */
	code_at(now + 30, c);
	ck_assert_int_eq(totp_verify(KEY, 20, c, now + 30, used, &m), TOTP_OK);
	ck_assert_int_eq(m, used + 1);
}
END_TEST

static const char *const malformed[] = {
    "",       "12345",  "1234567", "12345a",  " 12345", "123 45",
    "-12345", "+12345", "12345\n", "１23456", "abcdef", "000000000000",
};

START_TEST(verify_malformed)
{
	long long m = 0;

	ck_assert_int_eq(totp_verify(KEY, 20, malformed[_i], 1111111111, 0, &m),
	                 TOTP_MALFORMED);
}
END_TEST

START_TEST(verify_wrong_key)
{
	const unsigned char other[] = "12345678901234567891";
	long long now = 1111111111, m = 0;
	char c[7];

	code_at(now, c);
	ck_assert_int_eq(totp_verify(other, 20, c, now, 0, &m), TOTP_WRONG);
	ck_assert_int_eq(totp_verify(KEY, 20, NULL, now, 0, &m),
	                 TOTP_MALFORMED);
	/* Before the epoch's second step nothing verifies. */
	ck_assert_int_eq(totp_verify(KEY, 20, c, 10, 0, &m), TOTP_WRONG);
}
END_TEST

START_TEST(base32_round_trip)
{
	unsigned char back[32], key[TOTP_SECRET_LEN];
	char s[TOTP_SECRET_B32_LEN + 1];

	/* RFC 4648 section 10. */
	ck_assert_int_eq(
	    totp_base32((const unsigned char *)"foobar", 6, s, sizeof(s)), 10);
	ck_assert_str_eq(s, "MZXW6YTBOI");
	ck_assert_int_eq(totp_base32_decode("mzxw6ytboi", back, sizeof(back)),
	                 6);
	ck_assert_int_eq(memcmp(back, "foobar", 6), 0);
	ck_assert_int_eq(totp_secret_new(key), 0);
	ck_assert_int_eq(totp_base32(key, sizeof(key), s, sizeof(s)),
	                 TOTP_SECRET_B32_LEN);
	ck_assert_int_eq(totp_base32_decode(s, back, sizeof(back)),
	                 TOTP_SECRET_LEN);
	ck_assert_int_eq(memcmp(back, key, sizeof(key)), 0);
}
END_TEST

START_TEST(base32_refuses)
{
	unsigned char back[4];
	char s[8];

	ck_assert_int_eq(totp_base32_decode("MZXW1", back, sizeof(back)), -1);
	ck_assert_int_eq(totp_base32_decode("MZ=W", back, sizeof(back)), -1);
	ck_assert_int_eq(totp_base32_decode("MZXW6YTBOI", back, sizeof(back)),
	                 -1); /* 6 bytes do not fit in 4 */
	ck_assert_int_eq(
	    totp_base32((const unsigned char *)"foobar", 6, s, sizeof(s)), -1);
}
END_TEST

START_TEST(uri_shape)
{
	char u[512];

	ck_assert_int_eq(
	    totp_uri("Acme & Co", "ann@acme.test", "MZXW6YTBOI", u, sizeof(u)),
	    0);
	ck_assert_str_eq(u, "otpauth://totp/Acme%20%26%20Co:ann@acme.test"
	                    "?secret=MZXW6YTBOI&issuer=Acme%20%26%20Co"
	                    "&algorithm=SHA1&digits=6&period=30");
	/* A label cannot smuggle a parameter or a path. */
	ck_assert_int_eq(
	    totp_uri("a", "x?secret=AAAA&y/z", "MZXW6YTBOI", u, sizeof(u)), 0);
	ck_assert_ptr_nonnull(strstr(u, "x%3Fsecret%3DAAAA%26y%2Fz"));
	ck_assert_int_eq(totp_uri("Acme", "ann@acme.test", "MZXW6YTBOI", u, 40),
	                 -1);
}
END_TEST

#define TID "0190f0e0-0000-7000-8000-000000000001"
#define UID "0190f0e0-0000-7000-8000-000000000002"

START_TEST(recovery_codes)
{
	char c[TOTP_RECOVERY_LEN + 1], d[TOTP_RECOVERY_LEN + 1], h[65], h2[65];
	char upper[TOTP_RECOVERY_LEN + 1], bare[13];
	int n = 0;

	ck_assert_int_eq(totp_recovery_new(c), 0);
	ck_assert_int_eq(totp_recovery_new(d), 0);
	ck_assert_str_ne(c, d);
	ck_assert_uint_eq(strlen(c), TOTP_RECOVERY_LEN);
	ck_assert(c[4] == '-' && c[9] == '-');
	ck_assert_int_eq(totp_recovery_hash(TID, UID, c, h), 0);
	ck_assert_uint_eq(strlen(h), 64);
	/* The same code typed in capitals or without dashes. */
	for (int i = 0; c[i]; i++) {
		upper[i] =
		    c[i] >= 'a' && c[i] <= 'z' ? (char)(c[i] - 32) : c[i];
		if (c[i] != '-')
			bare[n++] = c[i];
	}
	upper[TOTP_RECOVERY_LEN] = '\0';
	bare[n] = '\0';
	ck_assert_int_eq(totp_recovery_hash(TID, UID, upper, h2), 0);
	ck_assert_str_eq(h, h2);
	ck_assert_int_eq(totp_recovery_hash(TID, UID, bare, h2), 0);
	ck_assert_str_eq(h, h2);
	/* Bound to the user and the tenant. */
	ck_assert_int_eq(totp_recovery_hash(TID, TID, c, h2), 0);
	ck_assert_str_ne(h, h2);
	ck_assert_int_eq(totp_recovery_hash(UID, UID, c, h2), 0);
	ck_assert_str_ne(h, h2);
}
END_TEST

static const char *const bad_recovery[] = {
    "",
    "abcd-efgh-ijk",
    "abcd-efgh-ijklm",
    "abcd-efgh-ijk1", /* 1 is not base32 */
    "abcd-efgh-ijk0",
    "abcd_efgh_ijkl",
    "123456",
    "abcd-efgh-ijkl-abcd-efgh-ijkl-abcd",
};

START_TEST(recovery_refuses)
{
	char h[65];

	ck_assert_int_eq(totp_recovery_hash(TID, UID, bad_recovery[_i], h), -1);
}
END_TEST

START_TEST(challenges)
{
	char a[TOTP_CHALLENGE_LEN + 1], b[TOTP_CHALLENGE_LEN + 1];
	char ha[65], hb[65], again[65];

	ck_assert_int_eq(totp_challenge_new(a, ha), 0);
	ck_assert_int_eq(totp_challenge_new(b, hb), 0);
	ck_assert_str_ne(a, b);
	ck_assert_str_ne(ha, hb);
	ck_assert_int_eq(strncmp(a, "smc_", 4), 0);
	ck_assert_int_eq(totp_challenge_hash(a, again), 0);
	ck_assert_str_eq(ha, again);
	/* Not a challenge: refused without a hash. */
	ck_assert_int_eq(totp_challenge_hash(NULL, again), -1);
	ck_assert_int_eq(totp_challenge_hash("", again), -1);
	ck_assert_int_eq(totp_challenge_hash(a + 1, again), -1);
	a[0] = 'x';
	ck_assert_int_eq(totp_challenge_hash(a, again), -1);
	b[10] = '*';
	ck_assert_int_eq(totp_challenge_hash(b, again), -1);
	ck_assert_int_eq(
	    totp_challenge_hash("srt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	                        "AAAAAAAAAAAA",
	                        again),
	    -1);
}
END_TEST

START_TEST(qr_image)
{
	struct arena *a = arena_new(1 << 16, 1 << 20);
	const char *svg = qrsvg_render(a, "otpauth://totp/Acme:ann@acme.test"
	                                  "?secret=MZXW6YTBOI&issuer=Acme");
	char big[1100];

	ck_assert_ptr_nonnull(svg);
	ck_assert_int_eq(strncmp(svg, "<svg xmlns=", 11), 0);
	ck_assert_ptr_nonnull(strstr(svg, "<path fill=\"#000\" d=\"M"));
	ck_assert_ptr_null(strstr(svg, "<script"));
	ck_assert_ptr_null(strstr(svg, "style"));
	ck_assert_ptr_null(strstr(svg, "href"));
	ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
	ck_assert_ptr_null(qrsvg_render(a, ""));
	ck_assert_ptr_null(qrsvg_render(a, NULL));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_null(qrsvg_render(a, big));
	arena_free(a);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("totp");
	TCase *t = tcase_create("totp_hotp");
	TCase *v = tcase_create("totp_verify");
	TCase *e = tcase_create("encodings");
	TCase *r = tcase_create("recovery_and_challenges");

	tcase_add_loop_test(t, rfc6238_vectors, 0,
	                    sizeof(rfc6238) / sizeof(rfc6238[0]));
	tcase_add_loop_test(t, rfc4226_vectors, 0,
	                    sizeof(rfc4226) / sizeof(rfc4226[0]));
	tcase_add_test(t, hotp_refuses);
	tcase_add_test(v, verify_window);
	tcase_add_test(v, verify_outside_window);
	tcase_add_test(v, verify_replay);
	tcase_add_loop_test(v, verify_malformed, 0,
	                    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(v, verify_wrong_key);
	tcase_add_test(e, base32_round_trip);
	tcase_add_test(e, base32_refuses);
	tcase_add_test(e, uri_shape);
	tcase_add_test(e, qr_image);
	tcase_add_test(r, recovery_codes);
	tcase_add_loop_test(r, recovery_refuses, 0,
	                    sizeof(bad_recovery) / sizeof(bad_recovery[0]));
	tcase_add_test(r, challenges);
	suite_add_tcase(s, t);
	suite_add_tcase(s, v);
	suite_add_tcase(s, e);
	suite_add_tcase(s, r);
	return s;
}

CHECK_MAIN(suite)

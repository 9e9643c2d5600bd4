/* check_password.c - scrypt PHC strings and the policy. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "sec/password.h"

START_TEST(hash_and_verify)
{
	char h[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_hash("correct horse battery", 10, h), 0);
	ck_assert_int_eq(strncmp(h, "$scrypt$ln=10,r=8,p=1$", 22), 0);
	ck_assert(password_verify("correct horse battery", h));
	ck_assert(!password_verify("correct horse batterY", h));
	ck_assert(!password_verify("", h));
	ck_assert(!password_verify(NULL, h));
	/* A fresh salt each time. */
	password_hash("correct horse battery", 10, h2);
	ck_assert_str_ne(h, h2);
}
END_TEST

START_TEST(malformed_hashes_never_verify)
{
	static const char *const bad[] = {
	    NULL,
	    "",
	    "plain",
	    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
	    "$scrypt$ln=10,r=8,p=1$",
	    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ",
	    "$scrypt$ln=10,r=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	    "$scrypt$ln=40,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	    "$scrypt$ln=9,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	    "$scrypt$ln=10,r=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	    "$scrypt$ln=10,r=8,p=9$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	    "$scrypt$ln=x,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	    "$scrypt$ln=10,r=8,p=1$c2Fs$aGFzaGhhc2hoYXNoaGFzaA",
	    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFz",
	    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$x",
	    "$scrypt$ln=10,r=8,p=1$c2Fs-HNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!password_verify("password", bad[i]), "#%zu", i);
}
END_TEST

START_TEST(rehash_when_cost_rises)
{
	char h[PASSWORD_HASH_MAX];

	password_hash("some long password", 10, h);
	ck_assert(!password_needs_rehash(h, 10));
	ck_assert(password_needs_rehash(h, 11));
	ck_assert(password_needs_rehash("garbage", 10));
}
END_TEST

START_TEST(dummy_is_always_false)
{
	ck_assert(!password_verify_dummy("anything at all", 10));
	ck_assert(!password_verify_dummy(NULL, 10));
}
END_TEST

static const struct {
	const char *pw, *email;
	bool ok;
} policy[] = {
    {"a quite long passphrase", "ann@example.com", true},
    {"Tr0ub4dor&3xyz", "ann@example.com", true},
    {"short", "ann@example.com", false},
    {"elevenchars", "ann@example.com", false},
    {"twelve chars", "ann@example.com", true},
    {"ann@example.com", "ann@example.com", false},
    {"ANN@EXAMPLE.COM", "ann@example.com", false},
    {"annabellelee1", "annabellelee1@example.com", false},
    {"password1234", "ann@example.com", false},
    {"PASSWORD1234", "ann@example.com", false},
    {"correcthorsebatterystaple", "ann@example.com", false},
    {"aaaaaaaaaaaaaaaa", "ann@example.com", false},
    {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "a@b.c", false},
    {"\xc3\xa9t\xc3\xa9 \xc3\xa0 la plage!", "a@b.c", true},
};

START_TEST(policy_table)
{
	const char *why = password_policy(policy[_i].pw, policy[_i].email, 12);

	ck_assert_msg((why == NULL) == policy[_i].ok, "%s: %s", policy[_i].pw,
	              why ? why : "accepted");
}
END_TEST

START_TEST(policy_too_long_and_custom_min)
{
	char big[PASSWORD_MAX_BYTES + 2];

	memset(big, 'x', sizeof(big) - 1);
	big[0] = 'y';
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_nonnull(password_policy(big, NULL, 12));
	ck_assert_ptr_null(password_policy("sixteen chars ok", NULL, 16));
	ck_assert_ptr_nonnull(password_policy("fifteen chars!!", NULL, 16));
}
END_TEST

static Suite *
password_suite(void)
{
	Suite *s = suite_create("password");
	TCase *h = tcase_create("password_hash");
	TCase *p = tcase_create("password_policy");

	tcase_set_timeout(h, 30);
	tcase_add_test(h, hash_and_verify);
	tcase_add_test(h, malformed_hashes_never_verify);
	tcase_add_test(h, rehash_when_cost_rises);
	tcase_add_test(h, dummy_is_always_false);
	tcase_add_loop_test(p, policy_table, 0,
	                    sizeof(policy) / sizeof(policy[0]));
	tcase_add_test(p, policy_too_long_and_custom_min);
	suite_add_tcase(s, h);
	suite_add_tcase(s, p);
	return s;
}

CHECK_MAIN(password_suite)

/* check_mask.c - masks of each kind, with short and odd values. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "sec/mask.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new(4096, 1 << 20);
}

static void
teardown(void)
{
	arena_free(a);
}

static const char *
m(enum field_mask k, const char *s)
{
	return mask_apply(a, k, s);
}

START_TEST(email)
{
	ck_assert_str_eq(m(MASK_EMAIL, "john.doe@example.com"),
	                 "j***@e***.com");
	ck_assert_str_eq(m(MASK_EMAIL, "j@e.co.uk"), "j***@e***.uk");
	ck_assert_str_eq(m(MASK_EMAIL, "john@localhost"), "j***@l***");
	ck_assert_str_eq(m(MASK_EMAIL, ""), "***");
	ck_assert_str_eq(m(MASK_EMAIL, "j"), "***");
	ck_assert_str_eq(m(MASK_EMAIL, "no-at-sign"), "***");
	ck_assert_str_eq(m(MASK_EMAIL, "@example.com"), "***");
	ck_assert_str_eq(m(MASK_EMAIL, "john@"), "***");
	ck_assert_str_eq(m(MASK_EMAIL, "john@host."), "j***@h***");
}
END_TEST

START_TEST(phone)
{
	ck_assert_str_eq(m(MASK_PHONE, "+44 20 7946 0958"), "***58");
	ck_assert_str_eq(m(MASK_PHONE, "0958 (home)"), "***58");
	ck_assert_str_eq(m(MASK_PHONE, "12"), "***12");
	ck_assert_str_eq(m(MASK_PHONE, "1"), "***");
	ck_assert_str_eq(m(MASK_PHONE, ""), "***");
	ck_assert_str_eq(m(MASK_PHONE, "no digits"), "***");
}
END_TEST

START_TEST(last4)
{
	ck_assert_str_eq(m(MASK_LAST4, "4111111111111111"), "****1111");
	ck_assert_str_eq(m(MASK_LAST4, "12345678"), "****5678");
	ck_assert_str_eq(m(MASK_LAST4, "1234567"), "***");
	ck_assert_str_eq(m(MASK_LAST4, "1234"), "***");
	ck_assert_str_eq(m(MASK_LAST4, ""), "***");
	/* Never cut a UTF-8 character in half. */
	ck_assert_str_eq(m(MASK_LAST4, "abcdefg\xc3\xa9"), "****fg\xc3\xa9");
	ck_assert_str_eq(m(MASK_LAST4, "abcdef\xc3\xa9xyz"), "***");
}
END_TEST

START_TEST(full_and_none)
{
	ck_assert_str_eq(m(MASK_FULL, "secret"), "***");
	ck_assert_str_eq(m(MASK_FULL, ""), "***");
	ck_assert_str_eq(m(MASK_NONE, "visible"), "visible");
	ck_assert_str_eq(m(MASK_NONE, ""), "");
}
END_TEST

static Suite *
mask_suite(void)
{
	Suite *s = suite_create("mask");
	TCase *t = tcase_create("mask");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, email);
	tcase_add_test(t, phone);
	tcase_add_test(t, last4);
	tcase_add_test(t, full_and_none);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(mask_suite)

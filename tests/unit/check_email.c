/* check_email.c - the one e-mail rule: what it accepts, how it folds case,
 * and every way an address is refused. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/email.h"

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

static const struct {
	const char *in;
	const char *norm; /* NULL: refused */
} cases[] = {
    {"ada@example.com", "ada@example.com"},
    {"Ada.Lovelace@Example.COM", "ada.lovelace@example.com"},
    {"a@b.c", "a@b.c"},
    {"first+tag@sub.example.org", "first+tag@sub.example.org"},
    {"o'brien@example.ie", "o'brien@example.ie"},
    /* refused: shape */
    {"", NULL},
    {"a@", NULL},
    {"@b.c", NULL},
    {"ab", NULL},
    {"ada.example.com", NULL},
    {"ada@localhost", NULL},
    {"ada@@example.com", NULL},
    {"ada@exa@mple.com", NULL},
    {"ada@.example.com", NULL},
    {"ada@example.com.", NULL},
    /* refused: characters a login form never needs */
    {"ada lovelace@example.com", NULL},
    {"ada@example.com ", NULL},
    {" ada@example.com", NULL},
    {"ada\t@example.com", NULL},
    {"ada\n@example.com", NULL},
    {"ada\x7f@example.com", NULL},
    {"\"ada\"@example.com", NULL},
    {"ada@[127.0.0.1]", NULL},
    {"<ada@example.com>", NULL},
    {"ada(c)@example.com", NULL},
    {"ada,bob@example.com", NULL},
    {"ada;@example.com", NULL},
    {"ada:x@example.com", NULL},
    {"ada\\x@example.com", NULL},
};

START_TEST(norm_table)
{
	const char *got = email_norm(a, cases[_i].in);

	if (cases[_i].norm == NULL)
		ck_assert_msg(got == NULL, "accepted \"%s\"", cases[_i].in);
	else
		ck_assert_msg(got != NULL && strcmp(got, cases[_i].norm) == 0,
		              "\"%s\" -> \"%s\"", cases[_i].in,
		              got ? got : "(refused)");
}
END_TEST

START_TEST(norm_null)
{
	ck_assert_ptr_null(email_norm(a, NULL));
}
END_TEST

START_TEST(norm_lengths)
{
	char local[80], addr[300];

	/* 64 bytes of local part is the limit, 65 is refused. */
	memset(local, 'x', 64);
	local[64] = '\0';
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	ck_assert_ptr_nonnull(email_norm(a, addr));
	snprintf(addr, sizeof(addr), "x%s@example.com", local);
	ck_assert_ptr_null(email_norm(a, addr));

	/* 254 bytes in all is the limit, 255 is refused. */
	memset(addr, 'd', sizeof(addr));
	memcpy(addr, "a@", 2);
	memcpy(addr + 250, ".com", 5);
	ck_assert_uint_eq(strlen(addr), 254);
	ck_assert_ptr_nonnull(email_norm(a, addr));
	memset(addr, 'd', sizeof(addr));
	memcpy(addr, "a@", 2);
	memcpy(addr + 251, ".com", 5);
	ck_assert_ptr_null(email_norm(a, addr));
}
END_TEST

START_TEST(norm_copies)
{
	char in[] = "Ada@Example.com";
	const char *got = email_norm(a, in);

	/* The input is left alone; the result is the arena's. */
	ck_assert_str_eq(in, "Ada@Example.com");
	ck_assert_ptr_ne(got, in);
	ck_assert_str_eq(got, "ada@example.com");
}
END_TEST

static Suite *
email_suite(void)
{
	Suite *s = suite_create("email");
	TCase *tc = tcase_create("email_norm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, norm_table, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, norm_null);
	tcase_add_test(tc, norm_lengths);
	tcase_add_test(tc, norm_copies);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(email_suite)

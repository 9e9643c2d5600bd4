/* check_buf.c - the arena string: formatting in place and when it grows,
 * the cap, and the number writers the hot path uses instead of printf. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/buf.h"

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

START_TEST(printf_fits_and_grows)
{
	struct buf b;
	char want[200];

	buf_init(&b, a, 16, 1000);
	ck_assert_int_eq(buf_printf(&b, "%d-%s", 42, "x"), 0);
	ck_assert_str_eq(buf_cstr(&b), "42-x");
	/* longer than the room left: grows, formats again, nothing lost */
	memset(want, 'y', 150);
	want[150] = '\0';
	ck_assert_int_eq(buf_printf(&b, "%s", want), 0);
	ck_assert_uint_eq(b.len, 154);
	ck_assert(strncmp(buf_cstr(&b), "42-x", 4) == 0);
	ck_assert_str_eq(buf_cstr(&b) + 4, want);
}
END_TEST

/* Past the cap: -1 and the contents as they were, even when the text
 * would have fitted in the room already allocated. */
START_TEST(printf_past_the_cap_changes_nothing)
{
	struct buf b;

	buf_init(&b, a, 64, 8);
	ck_assert_int_eq(buf_puts(&b, "abcd"), 0);
	ck_assert_int_eq(buf_printf(&b, "%s", "efghij"), -1);
	ck_assert_str_eq(buf_cstr(&b), "abcd");
	ck_assert_uint_eq(b.len, 4);
	ck_assert_int_eq(buf_printf(&b, "%s", "efgh"), 0);
	ck_assert_str_eq(buf_cstr(&b), "abcdefgh");
	buf_init(&b, a, 4, 8);
	ck_assert_int_eq(buf_puts(&b, "ab"), 0);
	ck_assert_int_eq(buf_printf(&b, "%s", "cdefghijk"), -1);
	ck_assert_str_eq(buf_cstr(&b), "ab");
}
END_TEST

START_TEST(uint_and_milli)
{
	struct buf b;

	buf_init(&b, a, 4, 200);
	buf_put_uint(&b, 0);
	buf_putc(&b, ' ');
	buf_put_uint(&b, 18446744073709551615ULL);
	buf_putc(&b, ' ');
	buf_put_milli(&b, 0.0004);
	buf_putc(&b, ' ');
	buf_put_milli(&b, 12.3456);
	buf_putc(&b, ' ');
	buf_put_milli(&b, 1000.9999);
	buf_putc(&b, ' ');
	buf_put_milli(&b, -3);
	buf_putc(&b, ' ');
	buf_put_milli(&b, 0.0 / 0.0);
	ck_assert_str_eq(buf_cstr(&b),
	                 "0 18446744073709551615 0.000 12.346 1001.000 0.000 "
	                 "0.000");
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *t = tcase_create("buf");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, printf_fits_and_grows);
	tcase_add_test(t, printf_past_the_cap_changes_nothing);
	tcase_add_test(t, uint_and_milli);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(buf_suite)

/* check_clock.c - the clocks agree with each other and never go back. */
#include <check.h>
#include <time.h>

#include "check_main.h"
#include "core/clock.h"

START_TEST(mono_never_goes_back)
{
	int64_t ms = clock_mono_ms(), us = clock_mono_us();

	for (int i = 0; i < 1000; i++) {
		int64_t m = clock_mono_ms(), u = clock_mono_us();

		ck_assert_int_ge(m, ms);
		ck_assert_int_ge(u, us);
		ms = m;
		us = u;
	}
}
END_TEST

START_TEST(mono_units_agree)
{
	int64_t ms = clock_mono_ms();
	int64_t us = clock_mono_us();

	/* Read within a few ms of each other: the same clock in two units. */
	ck_assert_int_ge(us / 1000, ms);
	ck_assert_int_lt(us / 1000 - ms, 50);
}
END_TEST

START_TEST(mono_measures_a_sleep)
{
	struct timespec nap = {0, 20 * 1000000L};
	int64_t t0 = clock_mono_ms();

	nanosleep(&nap, NULL);
	ck_assert_int_ge(clock_mono_ms() - t0, 20);
}
END_TEST

START_TEST(real_is_the_epoch)
{
	time_t before = time(NULL);
	long s = clock_real_s();
	int64_t ms = clock_real_ms();
	time_t after = time(NULL);

	ck_assert_int_ge(s, (long)before);
	ck_assert_int_le(s, (long)after);
	ck_assert_int_ge(ms / 1000, (int64_t)before);
	ck_assert_int_le(ms / 1000, (int64_t)after);
	/* After 2020-01-01: not a monotonic origin by mistake. */
	ck_assert_int_gt(ms, 1577836800000LL);
}
END_TEST

static Suite *
clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *mono = tcase_create("clock_mono");
	TCase *real = tcase_create("clock_real");

	tcase_add_test(mono, mono_never_goes_back);
	tcase_add_test(mono, mono_units_agree);
	tcase_add_test(mono, mono_measures_a_sleep);
	tcase_add_test(real, real_is_the_epoch);
	suite_add_tcase(s, mono);
	suite_add_tcase(s, real);
	return s;
}

CHECK_MAIN(clock_suite)

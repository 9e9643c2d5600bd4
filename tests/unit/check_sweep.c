/* check_sweep.c - a tenant poller rests longer while it finds nothing,
 * and at once the least again when it finds work. */
#include <check.h>

#include "check_main.h"
#include "ops/sweep.h"

START_TEST(first_rest_is_the_least)
{
	struct sweep s;

	sweep_init(&s, SWEEP_REST_MIN_MS, SWEEP_REST_MAX_MS);
	ck_assert_int_eq(sweep_end(&s), SWEEP_REST_MIN_MS);
}
END_TEST

START_TEST(idle_sweeps_double_up_to_the_most)
{
	struct sweep s;
	int last = 0;

	sweep_init(&s, SWEEP_REST_MIN_MS, SWEEP_REST_MAX_MS);
	for (int i = 0; i < 20; i++) {
		int r = sweep_end(&s);

		ck_assert_int_le(r, SWEEP_REST_MAX_MS);
		ck_assert_int_ge(r, last);
		if (last > 0 && last < SWEEP_REST_MAX_MS)
			ck_assert_int_eq(r, last * 2 > SWEEP_REST_MAX_MS
			                        ? SWEEP_REST_MAX_MS
			                        : last * 2);
		last = r;
	}
	ck_assert_int_eq(last, SWEEP_REST_MAX_MS);
}
END_TEST

START_TEST(work_found_in_any_pass_resets)
{
	struct sweep s;

	sweep_init(&s, SWEEP_REST_MIN_MS, SWEEP_REST_MAX_MS);
	for (int i = 0; i < 10; i++)
		sweep_end(&s);
	ck_assert_int_eq(s.rest_ms, SWEEP_REST_MAX_MS);
	/* Work in an early pass of the sweep, none in the last ones. */
	sweep_found(&s, 3);
	sweep_found(&s, 0);
	sweep_found(&s, 0);
	ck_assert_int_eq(sweep_end(&s), SWEEP_REST_MIN_MS);
	/* The next sweep, idle again, starts doubling from the least. */
	ck_assert_int_eq(sweep_end(&s), 2 * SWEEP_REST_MIN_MS);
}
END_TEST

START_TEST(passes_with_nothing_do_not_count_as_work)
{
	struct sweep s;

	sweep_init(&s, SWEEP_REST_MIN_MS, SWEEP_REST_MAX_MS);
	sweep_end(&s);
	sweep_found(&s, 0);
	sweep_found(&s, -1); /* a failed pass names nobody */
	ck_assert_int_eq(sweep_end(&s), 2 * SWEEP_REST_MIN_MS);
}
END_TEST

START_TEST(bounds_of_its_own)
{
	struct sweep s;
	int last = 0;

	/* The sealer's: 1 s up to a horizon of 5 s. */
	sweep_init(&s, 1000, 5000);
	ck_assert_int_eq(sweep_end(&s), 1000);
	for (int i = 0; i < 10; i++)
		last = sweep_end(&s);
	ck_assert_int_eq(last, 5000);
	sweep_found(&s, 1);
	ck_assert_int_eq(sweep_end(&s), 1000);
	/* A most below the least (a horizon of 0) is the least. */
	sweep_init(&s, 1000, 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(sweep_end(&s), 1000);
	/* Near INT_MAX the doubling stops at the most, never past it. */
	sweep_init(&s, 1, 2147483647);
	last = 1;
	for (int i = 0; i < 40; i++) {
		int r = sweep_end(&s);

		ck_assert_int_ge(r, last);
		last = r;
	}
	ck_assert_int_eq(last, 2147483647);
}
END_TEST

static Suite *
sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("rest");

	tcase_add_test(tc, first_rest_is_the_least);
	tcase_add_test(tc, idle_sweeps_double_up_to_the_most);
	tcase_add_test(tc, work_found_in_any_pass_resets);
	tcase_add_test(tc, passes_with_nothing_do_not_count_as_work);
	tcase_add_test(tc, bounds_of_its_own);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sweep_suite)

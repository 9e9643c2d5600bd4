/* check_webhook_backoff.c - the retry schedule, its scaling, and giving
 * up at the end of the window. */
#include <check.h>

#include "check_main.h"
#include "ops/webhook_backoff.h"

#define DAY 86400

static const struct {
	int attempts;
	long long ms;
} day[] = {
    {0, 5000},     {1, 5000},     {2, 300000},   {3, 1800000},     {4, 7200000},
    {5, 18000000}, {6, 36000000}, {7, 36000000}, {1000, 36000000},
};

START_TEST(schedule_24h)
{
	ck_assert_int_eq(webhook_backoff_delay_ms(day[_i].attempts, DAY),
	                 day[_i].ms);
}
END_TEST

START_TEST(schedule_scaled)
{
	/* A 30 s window: the same shape, 2880 times faster. */
	ck_assert_int_eq(webhook_backoff_delay_ms(2, 30), 104);
	ck_assert_int_eq(webhook_backoff_delay_ms(6, 30), 12500);
	/* Never 0, however short the window. */
	ck_assert_int_eq(webhook_backoff_delay_ms(1, 1), 1);
	ck_assert_int_eq(webhook_backoff_delay_ms(1, 0), 1);
}
END_TEST

START_TEST(increasing)
{
	for (int a = 1; a < 12; a++)
		ck_assert_int_le(webhook_backoff_delay_ms(a, DAY),
		                 webhook_backoff_delay_ms(a + 1, DAY));
}
END_TEST

START_TEST(next_and_give_up)
{
	long long next = -1, first = 1000000;

	ck_assert_int_eq(webhook_backoff_next(1, first, first, DAY, &next), 0);
	ck_assert_int_eq(next, first + 5000);
	/* Capped at the window's end. */
	ck_assert_int_eq(webhook_backoff_next(
	                     7, first, first + DAY * 1000LL - 10, DAY, &next),
	                 0);
	ck_assert_int_eq(next, first + DAY * 1000LL);
	/* At or past the end: give up, next untouched. */
	next = -1;
	ck_assert_int_eq(
	    webhook_backoff_next(8, first, first + DAY * 1000LL, DAY, &next),
	    1);
	ck_assert_int_eq(next, -1);
	ck_assert_int_eq(
	    webhook_backoff_next(2, first, first + 31000, 30, &next), 1);
}
END_TEST

START_TEST(whole_window)
{
	/* Failing every time from t=0: attempts end within the window and
	 * the first failure past its end gives up. */
	long long t = 0, next = 0;
	int a = 1;

	while (webhook_backoff_next(a, 0, t, DAY, &next) == 0) {
		ck_assert_int_gt(next, t);
		ck_assert_int_le(next, DAY * 1000LL);
		t = next;
		a++;
	}
	ck_assert_int_eq(t, DAY * 1000LL);
	ck_assert_int_ge(a, 8);
	ck_assert_int_le(a, 12);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("webhook_backoff");
	TCase *t = tcase_create("webhook_backoff");

	tcase_add_loop_test(t, schedule_24h, 0, sizeof(day) / sizeof(day[0]));
	tcase_add_test(t, schedule_scaled);
	tcase_add_test(t, increasing);
	tcase_add_test(t, next_and_give_up);
	tcase_add_test(t, whole_window);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(suite)

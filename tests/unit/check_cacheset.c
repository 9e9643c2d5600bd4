/* check_cacheset.c - the slot discipline of the per-worker caches: a free
 * slot first, then the least recently used, never a slot the cache keeps,
 * and one slot dropped alone. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "core/cacheset.h"

#define SETS 8

static uint64_t stamps[SETS * CACHESET_WAYS];
static struct cacheset c;

static void
setup(void)
{
	memset(stamps, 0, sizeof(stamps));
	c = (struct cacheset){.stamp = stamps, .nsets = SETS};
}

START_TEST(sets_by_hash)
{
	ck_assert_uint_eq(cacheset_first(&c, 0), 0);
	ck_assert_uint_eq(cacheset_first(&c, 3), 3 * CACHESET_WAYS);
	/* Only the low bits choose: every first slot is inside the table. */
	ck_assert_uint_eq(cacheset_first(&c, 0xffffffffu),
	                  (SETS - 1) * CACHESET_WAYS);
	ck_assert_uint_eq(cacheset_first(&c, SETS + 2), 2 * CACHESET_WAYS);
}
END_TEST

START_TEST(free_slots_first)
{
	unsigned first = cacheset_first(&c, 5);

	for (unsigned w = 0; w < CACHESET_WAYS; w++) {
		int v = cacheset_victim(&c, first, NULL, NULL);

		ck_assert_int_eq(v, (int)(first + w));
		cacheset_touch(&c, (unsigned)v);
	}
	/* A full set: no other set's slot is ever offered. */
	ck_assert_int_ge(cacheset_victim(&c, first, NULL, NULL), (int)first);
	ck_assert_int_lt(cacheset_victim(&c, first, NULL, NULL),
	                 (int)(first + CACHESET_WAYS));
}
END_TEST

START_TEST(least_recently_used_goes)
{
	unsigned first = cacheset_first(&c, 1);

	for (unsigned w = 0; w < CACHESET_WAYS; w++)
		cacheset_touch(&c, first + w);
	/* The oldest is the first filled, until it is used again. */
	ck_assert_int_eq(cacheset_victim(&c, first, NULL, NULL), (int)first);
	cacheset_touch(&c, first);
	ck_assert_int_eq(cacheset_victim(&c, first, NULL, NULL),
	                 (int)first + 1);
	cacheset_touch(&c, first + 1);
	cacheset_touch(&c, first + 2);
	ck_assert_int_eq(cacheset_victim(&c, first, NULL, NULL),
	                 (int)first + 3);
}
END_TEST

static int
keep_even(unsigned slot, void *ctx)
{
	int *asked = ctx;

	(*asked)++;
	return slot % 2 == 0;
}

static int
keep_all(unsigned slot, void *ctx)
{
	(void)slot;
	(void)ctx;
	return 1;
}

START_TEST(kept_slots_are_not_replaced)
{
	unsigned first = cacheset_first(&c, 2);
	int asked = 0;

	for (unsigned w = 0; w < CACHESET_WAYS; w++)
		cacheset_touch(&c, first + w);
	/* first (even, the oldest) is kept: the oldest odd one goes. */
	ck_assert_int_eq(cacheset_victim(&c, first, keep_even, &asked),
	                 (int)first + 1);
	ck_assert_int_eq(asked, CACHESET_WAYS);
	ck_assert_int_eq(cacheset_victim(&c, first, keep_all, NULL), -1);
	/* A free slot is taken whatever the cache keeps. */
	cacheset_drop(&c, first + 2);
	ck_assert_int_eq(cacheset_victim(&c, first, keep_all, NULL),
	                 (int)first + 2);
}
END_TEST

START_TEST(drop_frees_one_slot)
{
	unsigned a = cacheset_first(&c, 4), b = cacheset_first(&c, 6);

	for (unsigned w = 0; w < CACHESET_WAYS; w++) {
		cacheset_touch(&c, a + w);
		cacheset_touch(&c, b + w);
	}
	cacheset_drop(&c, a + 1);
	ck_assert_uint_eq(stamps[a + 1], 0);
	ck_assert_int_eq(cacheset_victim(&c, a, NULL, NULL), (int)a + 1);
	for (unsigned w = 0; w < CACHESET_WAYS; w++) {
		ck_assert_uint_ne(stamps[b + w], 0);
		if (w != 1)
			ck_assert_uint_ne(stamps[a + w], 0);
	}
}
END_TEST

static Suite *
cacheset_suite(void)
{
	Suite *s = suite_create("cacheset");
	TCase *t = tcase_create("slots");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, sets_by_hash);
	tcase_add_test(t, free_slots_first);
	tcase_add_test(t, least_recently_used_goes);
	tcase_add_test(t, kept_slots_are_not_replaced);
	tcase_add_test(t, drop_frees_one_slot);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(cacheset_suite)

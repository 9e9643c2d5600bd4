/* check_arena.c - per-request memory. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"

static struct arena *a;
static int cleaned;

static void
setup(void)
{
	a = arena_new(1024, 1 << 20);
	cleaned = 0;
}

static void
teardown(void)
{
	arena_free(a);
}

static void
bump(void *p)
{
	int *order = p;

	*order = ++cleaned;
}

START_TEST(alloc_is_aligned_and_distinct)
{
	char *p = arena_alloc(a, 1);
	char *q = arena_alloc(a, 3);

	ck_assert_ptr_ne(p, q);
	ck_assert_uint_eq((uintptr_t)p % 16, 0);
	ck_assert_uint_eq((uintptr_t)q % 16, 0);
}
END_TEST

START_TEST(large_alloc_gets_own_chunk)
{
	char *big = arena_alloc(a, 100000);

	memset(big, 'x', 100000);
	ck_assert_uint_ge(arena_used(a), 100000);
}
END_TEST

START_TEST(reset_runs_cleanups_in_reverse)
{
	int first = 0, second = 0;

	arena_cleanup(a, bump, &first);
	arena_cleanup(a, bump, &second);
	arena_reset(a);
	ck_assert_int_eq(second, 1);
	ck_assert_int_eq(first, 2);
	ck_assert_uint_eq(arena_used(a), 0);
}
END_TEST

START_TEST(reset_frees_extra_chunks_and_reuses)
{
	for (int i = 0; i < 100; i++)
		arena_alloc(a, 5000);
	arena_reset(a);
	ck_assert_uint_eq(arena_used(a), 0);
	ck_assert_ptr_nonnull(arena_alloc(a, 10));
}
END_TEST

START_TEST(calloc_zeroes)
{
	unsigned char *p = arena_calloc(a, 10, 10);

	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(p[i], 0);
}
END_TEST

START_TEST(calloc_overflow_aborts)
{
	arena_calloc(a, SIZE_MAX / 2, 4);
}
END_TEST

START_TEST(cap_exceeded_aborts)
{
	arena_alloc(a, 2 << 20);
}
END_TEST

START_TEST(realloc_in_place_and_copy)
{
	char *p = arena_alloc(a, 10);
	char *q;

	memcpy(p, "abcdefghi", 10);
	q = arena_realloc(a, p, 10, 20);
	ck_assert_ptr_eq(p, q); /* last allocation grows in place */
	arena_alloc(a, 8);
	q = arena_realloc(a, p, 20, 4000);
	ck_assert_ptr_ne(p, q);
	ck_assert_str_eq(q, "abcdefghi");
}
END_TEST

START_TEST(strings)
{
	ck_assert_str_eq(arena_strdup(a, "hello"), "hello");
	ck_assert_str_eq(arena_strndup(a, "hello", 3), "hel");
	ck_assert_str_eq(arena_printf(a, "%d-%s", 42, "x"), "42-x");
	ck_assert_str_eq(arena_int(a, 0), "0");
	ck_assert_str_eq(arena_int(a, 42), "42");
	ck_assert_str_eq(arena_int(a, -7), "-7");
	ck_assert_str_eq(arena_int(a, INT64_MAX), "9223372036854775807");
	ck_assert_str_eq(arena_int(a, INT64_MIN), "-9223372036854775808");
}
END_TEST

static Suite *
arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, alloc_is_aligned_and_distinct);
	tcase_add_test(tc, large_alloc_gets_own_chunk);
	tcase_add_test(tc, reset_runs_cleanups_in_reverse);
	tcase_add_test(tc, reset_frees_extra_chunks_and_reuses);
	tcase_add_test(tc, calloc_zeroes);
	tcase_add_test_raise_signal(tc, calloc_overflow_aborts, 6);
	tcase_add_test_raise_signal(tc, cap_exceeded_aborts, 6);
	tcase_add_test(tc, realloc_in_place_and_copy);
	tcase_add_test(tc, strings);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(arena_suite)

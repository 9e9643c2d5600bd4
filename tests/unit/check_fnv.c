/* check_fnv.c - FNV-1a against the published test vectors; chaining. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/fnv.h"

static const struct {
	const char *in;
	uint32_t h32;
	uint64_t h64;
} vectors[] = {
    /* From the FNV reference (isthe.com/chongo/tech/comp/fnv). */
    {"", 0x811c9dc5u, 0xcbf29ce484222325ULL},
    {"a", 0xe40c292cu, 0xaf63dc4c8601ec8cULL},
    {"foobar", 0xbf9cf968u, 0x85944171f73967e8ULL},
};

START_TEST(vectors_32)
{
	const char *in = vectors[_i].in;

	ck_assert_uint_eq(fnv_32(FNV_32_INIT, in, strlen(in)), vectors[_i].h32);
	ck_assert_uint_eq(fnv_32_str(FNV_32_INIT, in), vectors[_i].h32);
}
END_TEST

START_TEST(vectors_64)
{
	ck_assert_uint_eq(fnv_64_str(vectors[_i].in), vectors[_i].h64);
}
END_TEST

START_TEST(chained_equals_whole)
{
	uint32_t h = fnv_32(FNV_32_INIT, "foo", 3);

	ck_assert_uint_eq(fnv_32_str(h, "bar"),
	                  fnv_32_str(FNV_32_INIT, "foobar"));
	/* Zero bytes fold in: a key is not cut at a NUL. */
	ck_assert_uint_ne(fnv_32(FNV_32_INIT, "a\0b", 3),
	                  fnv_32(FNV_32_INIT, "a", 1));
	ck_assert_uint_eq(fnv_32(FNV_32_INIT, NULL, 0), FNV_32_INIT);
}
END_TEST

START_TEST(distinct_inputs_differ)
{
	ck_assert_uint_ne(fnv_32_str(FNV_32_INIT, "tenant-a"),
	                  fnv_32_str(FNV_32_INIT, "tenant-b"));
	ck_assert_uint_ne(fnv_64_str("SELECT 1"), fnv_64_str("SELECT 2"));
	ck_assert_uint_ne(fnv_64_str(""), 0);
}
END_TEST

static Suite *
fnv_suite(void)
{
	Suite *s = suite_create("fnv");
	TCase *t32 = tcase_create("fnv32");
	TCase *t64 = tcase_create("fnv_64_str");

	tcase_add_loop_test(t32, vectors_32, 0,
	                    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(t32, chained_equals_whole);
	tcase_add_loop_test(t64, vectors_64, 0,
	                    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(t64, distinct_inputs_differ);
	suite_add_tcase(s, t32);
	suite_add_tcase(s, t64);
	return s;
}

CHECK_MAIN(fnv_suite)

/* check_pgarray.c - array literals: quoting, escaping, refusals, caps. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "data/pgarray.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new(4096, 1 << 24);
	json_use_arena(a);
}

static void
teardown(void)
{
	arena_free(a);
}

static const struct {
	const char *json;
	const char *lit; /* NULL: refused */
} from_json[] = {
    {"[]", "{}"},
    {"[\"a\"]", "{\"a\"}"},
    {"[\"a\",\"b c\"]", "{\"a\",\"b c\"}"},
    {"[\"\"]", "{\"\"}"},
    {"[\"a,b\"]", "{\"a,b\"}"},
    {"[\"{x}\"]", "{\"{x}\"}"},
    {"[\"say \\\"hi\\\"\"]", "{\"say \\\"hi\\\"\"}"},
    {"[\"back\\\\slash\"]", "{\"back\\\\slash\"}"},
    {"[\"NULL\"]", "{\"NULL\"}"},
    /* refused: anything but strings */
    {"[1]", NULL},
    {"[\"a\",null]", NULL},
    {"[\"a\",[\"b\"]]", NULL},
    {"[true]", NULL},
    {"[{\"a\":\"b\"}]", NULL},
};

START_TEST(json_table)
{
	cJSON *arr =
	    json_parse(from_json[_i].json, strlen(from_json[_i].json), 8, NULL);
	const char *got;

	ck_assert_ptr_nonnull(arr);
	got = pgarray_from_json(a, arr);
	if (from_json[_i].lit == NULL)
		ck_assert_msg(got == NULL, "%s -> %s", from_json[_i].json, got);
	else
		ck_assert_msg(
		    got != NULL && strcmp(got, from_json[_i].lit) == 0,
		    "%s -> %s", from_json[_i].json, got ? got : "(refused)");
}
END_TEST

START_TEST(json_null_is_empty)
{
	ck_assert_str_eq(pgarray_from_json(a, NULL), "{}");
}
END_TEST

START_TEST(json_past_cap)
{
	cJSON *arr = cJSON_CreateArray();
	char big[40001];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cJSON_AddItemToArray(arr, cJSON_CreateString(big));
	ck_assert_ptr_nonnull(pgarray_from_json(a, arr));
	/* A second element passes 64 KiB: refused, not cut short. */
	cJSON_AddItemToArray(arr, cJSON_CreateString(big));
	ck_assert_ptr_null(pgarray_from_json(a, arr));
}
END_TEST

static const struct {
	const char *csv;
	const char *lit;
} from_csv[] = {
    {"a", "{\"a\"}"},     {"a,b", "{\"a\",\"b\"}"}, {"", "{\"\"}"},
    {",", "{\"\",\"\"}"}, {"a\"b", "{\"a\\\"b\"}"}, {"a\\", "{\"a\\\\\"}"},
    {"x}", "{\"x}\"}"},
};

START_TEST(csv_table)
{
	ck_assert_str_eq(pgarray_from_csv(a, from_csv[_i].csv),
	                 from_csv[_i].lit);
}
END_TEST

START_TEST(build_by_hand)
{
	struct buf b;

	buf_init(&b, a, 16, 1024);
	pgarray_open(&b);
	pgarray_add(&b, "admin");
	pgarray_add(&b, "re\"ader");
	ck_assert_str_eq(pgarray_close(&b), "{\"admin\",\"re\\\"ader\"}");

	buf_init(&b, a, 16, 1024);
	pgarray_open(&b);
	ck_assert_str_eq(pgarray_close(&b), "{}");

	buf_init(&b, a, 16, 1024);
	pgarray_quote(&b, "a\\b");
	ck_assert_str_eq(buf_cstr(&b), "\"a\\\\b\"");
}
END_TEST

START_TEST(build_past_cap)
{
	struct buf b;

	/* "{"abc"," fits, the next element does not: nothing more is
	 * written, the closing brace included, and the literal is refused. */
	buf_init(&b, a, 16, 12);
	pgarray_open(&b);
	pgarray_add(&b, "abc");
	pgarray_add(&b, "defghij");
	pgarray_add(&b, "k");
	ck_assert_str_eq(buf_cstr(&b), "{\"abc\"");
	ck_assert_ptr_null(pgarray_close(&b));
}
END_TEST

static Suite *
pgarray_suite(void)
{
	Suite *s = suite_create("pgarray");
	TCase *js = tcase_create("pgarray_from_json");
	TCase *csv = tcase_create("pgarray_from_csv");
	TCase *hand = tcase_create("pgarray_add");

	tcase_add_checked_fixture(js, setup, teardown);
	tcase_add_checked_fixture(csv, setup, teardown);
	tcase_add_checked_fixture(hand, setup, teardown);
	tcase_add_loop_test(js, json_table, 0,
	                    sizeof(from_json) / sizeof(from_json[0]));
	tcase_add_test(js, json_null_is_empty);
	tcase_add_test(js, json_past_cap);
	tcase_add_loop_test(csv, csv_table, 0,
	                    sizeof(from_csv) / sizeof(from_csv[0]));
	tcase_add_test(hand, build_by_hand);
	tcase_add_test(hand, build_past_cap);
	suite_add_tcase(s, js);
	suite_add_tcase(s, csv);
	suite_add_tcase(s, hand);
	return s;
}

CHECK_MAIN(pgarray_suite)

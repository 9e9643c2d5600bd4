/* check_uuid.c - parsing, formatting, version 7. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/uuid.h"

static const struct {
	const char *in;
	bool ok;
} cases[] = {
    {"01a21bfe-4e71-7b27-b7ea-4f96def2eba4", true},
    {"01A21BFE-4E71-7B27-B7EA-4F96DEF2EBA4", true},
    {"01a21bfe4e717b27b7ea4f96def2eba4", false},
    {"01a21bfe-4e71-7b27-b7ea-4f96def2eba", false},
    {"01a21bfe-4e71-7b27-b7ea-4f96def2eba4a", false},
    {"01a21bfe-4e71-7b27-b7ea_4f96def2eba4", false},
    {"g1a21bfe-4e71-7b27-b7ea-4f96def2eba4", false},
    {"", false},
    {"' OR 1=1 --", false},
};

START_TEST(parse_table)
{
	ck_assert_msg(uuid_valid(cases[_i].in) == cases[_i].ok, "%s",
	              cases[_i].in);
}
END_TEST

START_TEST(round_trip)
{
	struct uuid u;
	char s[UUID_STR_LEN + 1];

	ck_assert_int_eq(uuid_parse("01A21BFE-4E71-7B27-B7EA-4F96DEF2EBA4", &u),
	                 0);
	uuid_format(&u, s);
	ck_assert_str_eq(s, "01a21bfe-4e71-7b27-b7ea-4f96def2eba4");
	ck_assert_int_eq(uuid_parse(NULL, &u), -1);
}
END_TEST

START_TEST(v7_ordered_and_versioned)
{
	struct uuid a, b;
	char s[UUID_STR_LEN + 1];

	ck_assert_int_eq(uuid_v7(&a), 0);
	ck_assert_int_eq(uuid_v7(&b), 0);
	uuid_format(&a, s);
	ck_assert_int_eq(s[14], '7');
	ck_assert(strchr("89ab", s[19]) != NULL);
	ck_assert(!uuid_equal(&a, &b));
	ck_assert(memcmp(a.b, b.b, 6) <= 0);
	ck_assert(!uuid_is_nil(&a));
}
END_TEST

static Suite *
uuid_suite(void)
{
	Suite *s = suite_create("uuid");
	TCase *tc = tcase_create("uuid");

	tcase_add_loop_test(tc, parse_table, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, v7_ordered_and_versioned);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(uuid_suite)

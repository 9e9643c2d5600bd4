/* check_timefmt.c - RFC 3339. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/timefmt.h"

static const struct {
	const char *in;
	long long ms; /* -1 = refused */
} cases[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"1970-01-01T00:00:00.5Z", 500},
    {"1970-01-01T00:00:00.123456Z", 123},
    {"2000-02-29T12:00:00Z", 951825600000LL},
    {"2026-11-27T08:00:00+01:00", 1795762800000LL},
    {"2026-11-27T08:00:00-00:30", 1795768200000LL},
    {"2026-11-27t08:00:00z", 1795766400000LL},
    {"2026-11-27 08:00:00Z", 1795766400000LL},
    {"1969-12-31T23:59:59Z", -1000},
    {"2001-02-29T00:00:00Z", -1},
    {"2026-13-01T00:00:00Z", -1},
    {"2026-00-01T00:00:00Z", -1},
    {"2026-04-31T00:00:00Z", -1},
    {"2026-11-27T24:00:00Z", -1},
    {"2026-11-27T08:60:00Z", -1},
    {"2026-11-27T08:00:00", -1},
    {"2026-11-27T08:00:00.Z", -1},
    {"2026-11-27T08:00:00+0100", -1},
    {"2026-11-27", -1},
    {"27/11/2026 08:00", -1},
    {"2026-11-27T08:00:00Zjunk", -1},
    {"", -1},
};

START_TEST(parse_table)
{
	int64_t ms = 0;
	int rc = timefmt_parse(cases[_i].in, &ms);

	if (cases[_i].ms == -1 &&
	    strcmp(cases[_i].in, "1969-12-31T23:59:59Z") != 0) {
		ck_assert_msg(rc == -1, "accepted %s", cases[_i].in);
	} else {
		ck_assert_msg(rc == 0, "refused %s", cases[_i].in);
		ck_assert_int_eq(ms, cases[_i].ms == -1 ? -1000 : cases[_i].ms);
	}
}
END_TEST

START_TEST(format)
{
	char out[32];

	timefmt_format(1795766400123LL, out);
	ck_assert_str_eq(out, "2026-11-27T08:00:00.123Z");
	timefmt_format(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
}
END_TEST

static Suite *
timefmt_suite(void)
{
	Suite *s = suite_create("timefmt");
	TCase *tc = tcase_create("timefmt");

	tcase_add_loop_test(tc, parse_table, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, format);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(timefmt_suite)

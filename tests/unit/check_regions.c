/* check_regions.c - the regions file (core/regions.h): what it accepts,
 * and every way a file is refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/regions.h"

#define EU                                                                     \
	"eu https://eu.strata.example 10.0.0.1:8443 host=10.0.0.1 "            \
	"dbname=strata"
#define US                                                                     \
	"us https://us.strata.example:8443 us-edge.internal:443 host=db.us "   \
	"port=5432"

static const struct {
	const char *name;
	int valid;
} names[] = {
    {"eu", 1},
    {"us-east-1", 1},
    {"a", 1},
    {"", 0},
    {"1eu", 0},
    {"-eu", 0},
    {"EU", 0},
    {"eu_west", 0},
    {"eu west", 0},
    {"e\n", 0},
    {"abcdefghijklmnopqrstuvwxyz0123456", 0},
};

START_TEST(name_table)
{
	ck_assert_msg(regions_name_valid(names[_i].name) == names[_i].valid,
	              "%s", names[_i].name);
}
END_TEST

START_TEST(name_null)
{
	ck_assert_int_eq(regions_name_valid(NULL), 0);
}
END_TEST

START_TEST(parse_two)
{
	struct regions_table t;
	char why[128] = "";

	ck_assert_int_eq(regions_parse("# every region\n" EU "\n\n  " US "  \n",
	                               "us", &t, why, sizeof(why)),
	                 0);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_eq(t.r[0].name, "eu");
	ck_assert_str_eq(t.r[0].origin, "https://eu.strata.example");
	ck_assert_str_eq(t.r[0].edge, "10.0.0.1:8443");
	ck_assert_str_eq(t.r[0].conninfo, "host=10.0.0.1 dbname=strata");
	ck_assert_str_eq(t.r[1].edge, "us-edge.internal:443");
	ck_assert_str_eq(t.r[1].conninfo, "host=db.us port=5432");
}
END_TEST

static const struct {
	const char *text;
	const char *self;
	const char *why; /* a part of the reason */
} bad[] = {
    {EU "\n" EU "\n", NULL, "twice"},
    {EU "\n", "us", "not listed"},
    {"", "eu", "not listed"},
    {"EU https://eu.x 10.0.0.1:1 host=x\n", NULL, "name"},
    {"eu http://eu.x 10.0.0.1:1 host=x\n", NULL, "origin"},
    {"eu https:// 10.0.0.1:1 host=x\n", NULL, "origin"},
    {"eu https://eu.x/path 10.0.0.1:1 host=x\n", NULL, "origin"},
    {"eu https://eu.x 10.0.0.1 host=x\n", NULL, "edge"},
    {"eu https://eu.x 10.0.0.1:0 host=x\n", NULL, "edge"},
    {"eu https://eu.x 10.0.0.1:65536 host=x\n", NULL, "edge"},
    {"eu https://eu.x 10.0.0.1:8a host=x\n", NULL, "edge"},
    {"eu https://eu.x a/b:1 host=x\n", NULL, "edge"},
    {"eu https://eu.x :1 host=x\n", NULL, "edge"},
    {"eu https://eu.x 10.0.0.1:1\n", NULL, "conninfo"},
    {"eu https://eu.x 10.0.0.1:1   \n", NULL, "conninfo"},
    {"eu\n", NULL, "origin"},
};

START_TEST(parse_refuses)
{
	struct regions_table t;
	char why[128] = "";

	ck_assert_int_eq(
	    regions_parse(bad[_i].text, bad[_i].self, &t, why, sizeof(why)),
	    -1);
	ck_assert_msg(strstr(why, bad[_i].why) != NULL, "%s: %s", bad[_i].text,
	              why);
}
END_TEST

START_TEST(parse_too_many)
{
	static char text[REGIONS_MAX * 2 * 80];
	struct regions_table t;
	char why[128] = "";
	size_t n = 0;

	for (int i = 0; i <= REGIONS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      "r%d https://r%d.x 10.0.0.%d:1 host=x\n",
		                      i, i, i + 1);
	ck_assert_int_eq(regions_parse(text, NULL, &t, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "too many"));
	ck_assert_ptr_nonnull(strstr(why, "line 17"));
}
END_TEST

START_TEST(parse_long_line)
{
	static char text[4096];
	struct regions_table t;
	char why[128] = "";

	memset(text, 'a', sizeof(text) - 1);
	ck_assert_int_eq(regions_parse(text, NULL, &t, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "too long"));
}
END_TEST

/* A file of text into a fresh temporary path (n bytes, NULs allowed). */
static void
write_file(char *path, const char *text, size_t n)
{
	int fd;

	snprintf(path, 64, "%s", "/tmp/check_regions_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
}

START_TEST(load_and_find)
{
	char path[64];
	const char *text = EU "\n" US "\n";

	write_file(path, text, strlen(text));
	ck_assert_int_eq(regions_load(path, "eu"), 0);
	unlink(path);
	ck_assert_int_eq(regions_count(), 2);
	ck_assert_str_eq(regions_find("us")->origin,
	                 "https://us.strata.example:8443");
	ck_assert_ptr_null(regions_find("mars"));
	ck_assert_ptr_null(regions_find(""));
	ck_assert_ptr_null(regions_find(NULL));
}
END_TEST

START_TEST(load_refuses)
{
	char path[64];
	static const char nul[] = EU "\n\0" US "\n";

	ck_assert_int_eq(regions_load("/nonexistent/regions.conf", "eu"), -1);
	write_file(path, nul, sizeof(nul) - 1);
	ck_assert_int_eq(regions_load(path, "eu"), -1);
	unlink(path);
	write_file(path, EU "\n", strlen(EU "\n"));
	ck_assert_int_eq(regions_load(path, "us"), -1);
	unlink(path);
}
END_TEST

static Suite *
regions_suite(void)
{
	Suite *s = suite_create("regions");
	TCase *nv = tcase_create("regions_name_valid");
	TCase *pa = tcase_create("regions_parse");
	TCase *lo = tcase_create("regions_load");

	tcase_add_loop_test(nv, name_table, 0,
	                    sizeof(names) / sizeof(names[0]));
	tcase_add_test(nv, name_null);
	tcase_add_test(pa, parse_two);
	tcase_add_loop_test(pa, parse_refuses, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(pa, parse_too_many);
	tcase_add_test(pa, parse_long_line);
	tcase_add_test(lo, load_and_find);
	tcase_add_test(lo, load_refuses);
	suite_add_tcase(s, nv);
	suite_add_tcase(s, pa);
	suite_add_tcase(s, lo);
	return s;
}

CHECK_MAIN(regions_suite)

/* check_recovery.c - `strata backup` (ops/recovery.c): only the three types
 * reach the command, as its argument and never as shell text; no command,
 * a failing command or an unknown type is a failure. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "core/config.h"
#include "ops/recovery.h"

static char dir[] = "/tmp/check_recovery.XXXXXX";
static char script[sizeof(dir) + 16];
static char seen[sizeof(dir) + 16];

static void
setup(void)
{
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/cmd", dir);
	snprintf(seen, sizeof(seen), "%s/seen", dir);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	/* Records its arguments, one a line. */
	fprintf(f, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done >%s\n",
	        seen);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0700), 0);
	cfg.backup_command = script;
}

static void
teardown(void)
{
	unlink(seen);
	unlink(script);
	rmdir(dir);
}

static const char *
read_seen(char *buf, size_t n)
{
	FILE *f = fopen(seen, "r");
	size_t got;

	if (f == NULL)
		return NULL;
	got = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[got] = '\0';
	return buf;
}

START_TEST(each_type_is_the_one_argument)
{
	static const char *const types[] = {"full", "incr", "diff"};
	char buf[64], want[16];

	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(recovery_backup(types[i]), 0);
		snprintf(want, sizeof(want), "%s\n", types[i]);
		ck_assert_str_eq(read_seen(buf, sizeof(buf)), want);
	}
	/* No type: an incremental one. */
	ck_assert_int_eq(recovery_backup(NULL), 0);
	ck_assert_str_eq(read_seen(buf, sizeof(buf)), "incr\n");
}
END_TEST

START_TEST(unknown_types_never_run)
{
	static const char *const bad[] = {
	    "", "FULL", "incr;touch /tmp/x", "$(id)", "full incr", "incr\n",
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(recovery_backup(bad[i]), 1);
		ck_assert_ptr_null(read_seen(buf, sizeof(buf)));
	}
}
END_TEST

START_TEST(no_command_or_a_failing_one_fails)
{
	char empty[] = "";
	char failing[] = "/bin/false";
	char missing[] = "/nonexistent/backup";

	cfg.backup_command = empty;
	ck_assert_int_eq(recovery_backup("full"), 1);
	cfg.backup_command = failing;
	ck_assert_int_eq(recovery_backup("full"), 1);
	cfg.backup_command = missing;
	ck_assert_int_eq(recovery_backup("full"), 1);
}
END_TEST

static Suite *
recovery_suite(void)
{
	Suite *s = suite_create("recovery");
	TCase *t = tcase_create("backup");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, each_type_is_the_one_argument);
	tcase_add_test(t, unknown_types_never_run);
	tcase_add_test(t, no_command_or_a_failing_one_fails);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(recovery_suite)

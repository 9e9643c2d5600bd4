/* check_domainmap.c - nginx's list of verified custom domains.
 *
 * Without a database: nothing is written when the setting is unset, and a
 * failed read leaves the old file as it was.  With STRATA_TEST_DATABASE_URL
 * (make test): the file is written whole with plain "name 0;" lines, a
 * path that cannot be written fails, and nginx (a stand-in process) is
 * sent SIGHUP; a pid file that holds no pid is ignored. */
#include <check.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/config.h"
#include "data/db.h"
#include "ops/domainmap.h"

static struct arena *a;
static struct db db;
static char dir[64], map[128], pidfile[128], empty[1];

static void
setup(void)
{
	a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	snprintf(dir, sizeof(dir), "/tmp/check_domainmap.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(map, sizeof(map), "%s/domains.map", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/nginx.pid", dir);
	cfg.nginx_domains_map = map;
	cfg.nginx_pid_file = empty;
}

static void
teardown(void)
{
	db_close(&db);
	arena_free(a);
	unlink(map);
	unlink(pidfile);
	rmdir(dir);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The file's text (static buffer), or "" when absent. */
static const char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

START_TEST(unset_writes_nothing)
{
	cfg.nginx_domains_map = empty;
	db_init(&db, "host=/nonexistent connect_timeout=1");
	ck_assert_int_eq(domainmap_write(&db), 0);
	ck_assert_int_ne(access(map, F_OK), 0);
}
END_TEST

START_TEST(failed_read_keeps_the_old_file)
{
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.tmp", map);
	put(map, "old.example 0;\n");
	db_init(&db, "host=/nonexistent connect_timeout=1");
	(void)db_ready(&db, a);
	ck_assert_int_eq(domainmap_write(&db), -1);
	ck_assert_str_eq(slurp(map), "old.example 0;\n");
	ck_assert_int_ne(access(tmp, F_OK), 0);
}
END_TEST

static const char *
url(void)
{
	return getenv("STRATA_TEST_DATABASE_URL");
}

/* Connected to the test database; false (the check is skipped) without
 * one. */
static bool
connect_db(void)
{
	if (url() == NULL)
		return false;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	return true;
}

START_TEST(writes_plain_lines_whole)
{
	regex_t line;
	struct stat st;
	char *text, *save = NULL;
	int n, lines = 0;

	if (!connect_db())
		return;
	put(map, "stale.example 0;\n");
	n = domainmap_write(&db);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(stat(map, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(
	    regcomp(&line, "^[a-z0-9.-]+ 0;$", REG_EXTENDED | REG_NOSUB), 0);
	text = strdup(slurp(map));
	ck_assert_ptr_null(strstr(text, "stale.example"));
	for (char *l = strtok_r(text, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		if (l[0] == '#')
			continue;
		ck_assert_int_eq(regexec(&line, l, 0, NULL, 0), 0);
		lines++;
	}
	ck_assert_int_eq(lines, n);
	free(text);
	regfree(&line);
}
END_TEST

START_TEST(unwritable_path_fails)
{
	static char bad[160];

	if (!connect_db())
		return;
	snprintf(bad, sizeof(bad), "%s/no/such/dir/domains.map", dir);
	cfg.nginx_domains_map = bad;
	ck_assert_int_eq(domainmap_write(&db), -1);
}
END_TEST

START_TEST(nginx_is_told_to_reload)
{
	sigset_t hup, old;
	char pid[32];
	pid_t child;
	int st;

	if (!connect_db())
		return;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &old);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int sig = 0;

		sigwait(&hup, &sig);
		_exit(sig == SIGHUP ? 7 : 1);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	snprintf(pid, sizeof(pid), "%d\n", (int)child);
	put(pidfile, pid);
	cfg.nginx_pid_file = pidfile;
	ck_assert_int_ge(domainmap_write(&db), 0);
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 7);
}
END_TEST

START_TEST(pid_file_without_a_pid_is_ignored)
{
	if (!connect_db())
		return;
	cfg.nginx_pid_file = pidfile;
	put(pidfile, "not a pid\n");
	ck_assert_int_ge(domainmap_write(&db), 0);
	put(pidfile, "1\n"); /* init is never signalled */
	ck_assert_int_ge(domainmap_write(&db), 0);
}
END_TEST

static Suite *
domainmap_suite(void)
{
	Suite *s = suite_create("domainmap");
	TCase *t = tcase_create("domainmap_write");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, unset_writes_nothing);
	tcase_add_test(t, failed_read_keeps_the_old_file);
	tcase_add_test(t, writes_plain_lines_whole);
	tcase_add_test(t, unwritable_path_fails);
	tcase_add_test(t, nginx_is_told_to_reload);
	tcase_add_test(t, pid_file_without_a_pid_is_ignored);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(domainmap_suite)

/* check_sandbox.c - no_new_privs and the seccomp allow-list.
 *
 * Each case forks a child that enters the sandbox and then does one thing;
 * the parent reads how the child ended.  Denied calls must kill the child
 * with SIGSYS (the master's reap logs and restarts a worker so killed);
 * what a worker legitimately does (sockets of the three families, files
 * opened read-only, the export's tmpfile, randomness, clocks, libpq over
 * a unix socket and over TCP with name lookup) must work.  make test
 * builds this with the sanitizers, whose list adds the calls ASan/LSan
 * need (clone, ptrace, kill, prctl): those enter the denied table only
 * when it is built without them (against build/rel objects). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check_main.h"
#include "core/config.h"
#include "core/log.h"
#include "core/sandbox.h"

/* Forks; the child enters mode with enter (sandbox_enter or
 * sandbox_enter_threads), runs fn and exits with its result (0-99), or
 * 100 when the sandbox could not be entered.  Returns the wait status. */
static int
run_child(int (*enter)(enum sandbox_mode), enum sandbox_mode mode,
          int (*fn)(void))
{
	int st = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (enter(mode) != 0)
			_exit(100);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

static int
in_child(enum sandbox_mode mode, int (*fn)(void))
{
	return run_child(sandbox_enter, mode, fn);
}

static int sockets(void);
static int files_time_random(void);

/* in_child under sandbox_enter_threads (strata-deliver's list). */
static int
in_threaded_child(int (*fn)(void))
{
	return run_child(sandbox_enter_threads, SANDBOX_ON, fn);
}

static void
assert_exit0(int st)
{
	ck_assert_msg(WIFEXITED(st), "child killed by signal %d",
	              WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}

static void
assert_sigsys(int st, const char *what)
{
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	              "%s: not killed by SIGSYS (exit %d, signal %d)", what,
	              WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	              WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* 0 when /proc/self/status says NoNewPrivs nnp and Seccomp mode. */
static int
status_is(int nnp, int mode)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int got_nnp = -1, got_mode = -1;

	if (f == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "NoNewPrivs: %d", &got_nnp);
		sscanf(line, "Seccomp: %d", &got_mode);
	}
	fclose(f);
	return got_nnp == nnp && got_mode == mode ? 0 : 2;
}

static int
status_on(void)
{
	return status_is(1, 2);
}

static int
status_off(void)
{
	return status_is(0, 0);
}

START_TEST(status_shows_no_new_privs_and_filter)
{
	assert_exit0(in_child(SANDBOX_ON, status_on));
	assert_exit0(in_child(SANDBOX_LOG, status_on));
	assert_exit0(in_child(SANDBOX_OFF, status_off));
}
END_TEST

/* ---- denied calls: each kills the child ---- */

static int
do_execve(void)
{
	char *const argv[] = {(char *)(uintptr_t) "/bin/true", NULL};

	execve("/bin/true", argv, NULL);
	return 1;
}

static int
unix_socket(void)
{
	return socket(AF_UNIX, SOCK_STREAM, 0);
}

static int
do_bind(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = unix_socket();

	bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)); /* autobind */
	return 1;
}

static int
do_listen(void)
{
	listen(unix_socket(), 1);
	return 1;
}

static int
do_mount(void)
{
	mount("none", "/tmp", "tmpfs", 0, NULL);
	return 1;
}

static int
do_unshare(void)
{
	syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */);
	return 1;
}

static int
do_setuid(void)
{
	syscall(SYS_setuid, 0);
	return 1;
}

static int
do_chmod(void)
{
	chmod("/tmp", 0777);
	return 1;
}

static int
do_unlink(void)
{
	unlink("/tmp/strata-sandbox-none");
	return 1;
}

static int
open_append(void)
{
	open("/dev/null", O_WRONLY | O_APPEND);
	return 1;
}

static int
open_rdwr(void)
{
	open("/dev/null", O_RDWR);
	return 1;
}

static int
open_create(void)
{
	open("/tmp/strata-sandbox-none", O_WRONLY | O_CREAT, 0600);
	return 1;
}

static int
openat_create(void)
{
	openat(AT_FDCWD, "/tmp/strata-sandbox-none", O_RDWR | O_CREAT | O_EXCL,
	       0600);
	return 1;
}

static int
do_keyctl(void)
{
	syscall(SYS_keyctl, 0, 0, 0, 0, 0);
	return 1;
}

static int
do_bpf(void)
{
	syscall(SYS_bpf, 0, NULL, 0);
	return 1;
}

static int
do_ioctl(void)
{
	ioctl(0, 0x5412 /* TIOCSTI */, "x");
	return 1;
}

#ifndef __SANITIZE_ADDRESS__
/* Allowed in the sanitizer build only (its leak checker needs them). */
static int
do_fork(void)
{
	fork();
	return 1;
}

static int
do_ptrace(void)
{
	syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
	return 1;
}

static int
kill_parent(void)
{
	kill(getppid(), 0);
	return 1;
}

static int
do_prctl(void)
{
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 1;
}
#endif

#ifdef STRATA_TEST_HOOKS
static int
test_hook(void)
{
	raise(SIGUSR2); /* the handler calls execve */
	return 1;
}
#endif

static const struct {
	const char *what;
	int (*fn)(void);
} denied[] = {
    {"execve", do_execve},
    {"bind", do_bind},
    {"listen", do_listen},
    {"mount", do_mount},
    {"unshare", do_unshare},
    {"setuid", do_setuid},
    {"chmod", do_chmod},
    {"unlink", do_unlink},
    {"open O_WRONLY|O_APPEND", open_append},
    {"open O_RDWR", open_rdwr},
    {"open O_WRONLY|O_CREAT", open_create},
    {"openat O_RDWR|O_CREAT|O_EXCL", openat_create},
    {"keyctl", do_keyctl},
    {"bpf", do_bpf},
    {"ioctl TIOCSTI", do_ioctl},
#ifndef __SANITIZE_ADDRESS__
    {"fork", do_fork},
    {"ptrace", do_ptrace},
    {"kill of another process", kill_parent},
    {"prctl", do_prctl},
#endif
#ifdef STRATA_TEST_HOOKS
    {"the test hook (SIGUSR2)", test_hook},
#endif
};

START_TEST(denied_calls_kill)
{
	assert_sigsys(in_child(SANDBOX_ON, denied[_i].fn), denied[_i].what);
}
END_TEST

/* The list with threads denies the same (fork and vfork included, in
 * the build without sanitizers: a process is never a thread). */
START_TEST(denied_calls_kill_with_threads)
{
	assert_sigsys(in_threaded_child(denied[_i].fn), denied[_i].what);
}
END_TEST

/* ---- threads (sandbox_enter_threads): what libcurl's resolver does */

static void *
resolve_on_a_thread(void *arg)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int sv[2];

	(void)arg;
	if (getaddrinfo("localhost", "443", &hints, &res) != 0)
		return (void *)1;
	freeaddrinfo(res);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return (void *)2;
	close(sv[0]);
	close(sv[1]);
	return NULL;
}

static int
thread_resolves(void)
{
	pthread_t t;
	void *ret = (void *)3;

	for (int i = 0; i < 3; i++) {
		if (pthread_create(&t, NULL, resolve_on_a_thread, NULL) != 0)
			return 4;
		if (pthread_join(t, &ret) != 0 || ret != NULL)
			return 5;
	}
	return 0;
}

static int
make_a_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, resolve_on_a_thread, NULL) != 0)
		return 10; /* refused without killing: still not a thread */
	pthread_join(t, NULL);
	return 0;
}

START_TEST(threads_only_with_the_threaded_list)
{
	assert_exit0(in_threaded_child(thread_resolves));
	assert_exit0(in_threaded_child(sockets));
	assert_exit0(in_threaded_child(files_time_random));
	/* The workers' own list has no threads at all. */
	assert_sigsys(in_child(SANDBOX_ON, make_a_thread),
	              "a thread under the workers' list");
}
END_TEST

/* ---- what a worker does: all must work ---- */

static int
sockets(void)
{
	static const int ok[] = {AF_UNIX, AF_INET, AF_INET6};
	static const int refused[] = {AF_NETLINK,   AF_PACKET,    AF_UNSPEC,
	                              AF_APPLETALK, AF_BLUETOOTH, 4242};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int fd = socket(ok[i], SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 && !(ok[i] == AF_INET6 && errno == EAFNOSUPPORT))
			return 1;
		close(fd);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (socket(refused[i], SOCK_RAW, 0) != -1 ||
		    errno != EAFNOSUPPORT)
			return 2;
	return 0;
}

static int
files_time_random(void)
{
	unsigned char r[32];
	struct timespec now, nap = {0, 1000000};
	char buf[8] = "";
	FILE *f;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return 1;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0 || nanosleep(&nap, NULL))
		return 2;
	if ((f = fopen("/etc/hosts", "r")) == NULL)
		return 3;
	fclose(f);
	/* the export's temporary file */
	if ((f = tmpfile()) == NULL)
		return 4;
	if (fputs("export", f) < 0 || fflush(f) != 0)
		return 5;
	rewind(f);
	if (fgets(buf, sizeof(buf), f) == NULL || strcmp(buf, "export") != 0)
		return 6;
	fclose(f);
	if (kill(getpid(), 0) != 0)
		return 7;
	log_info("logging works in the sandbox");
	return 0;
}

START_TEST(allowed_calls_work)
{
	assert_exit0(in_child(SANDBOX_ON, sockets));
	assert_exit0(in_child(SANDBOX_ON, files_time_random));
}
END_TEST

static void
on_usr1(int sig)
{
	(void)sig;
}

/* abort() after a handled, re-raised signal: what arena exhaustion and
 * log_flush_on_crash do.  Must end by SIGABRT, not SIGSYS. */
static int
do_abort(void)
{
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	abort();
}

START_TEST(abort_still_aborts)
{
	int st = in_child(SANDBOX_ON, do_abort);

	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "signal %d",
	              WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}
END_TEST

#ifdef __SANITIZE_ADDRESS__
/* ---- the sanitizers inside the sandbox (make test's build) ---- */

/* Forks; the child enters the sandbox, runs fn and leaves with exit(), so
 * LeakSanitizer's check at exit runs (it clones a tracer that ptraces
 * the process: a call missing from the list kills the tracer and the
 * process spins forever).  The child's stderr goes to err. */
static int
exiting_child(void (*fn)(void), char *err, size_t errlen)
{
	char path[] = "/tmp/strata-sandbox-err-XXXXXX";
	int fd = mkstemp(path), st = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		if (sandbox_enter(SANDBOX_ON) != 0)
			_exit(100);
		fn();
		exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	n = pread(fd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return st;
}

static void
nothing(void)
{
}

static void *volatile leaked;

static void
leak(void)
{
	leaked = malloc(77);
	leaked = NULL;
}

/* UBSan's object-size check reports it (and the build does not
 * recover). */
static void
overflow(void)
{
	volatile char *p = malloc(8);

	p[8] = 1;
	free((void *)(uintptr_t)p);
}

/* ASan's. */
static void
use_after_free(void)
{
	void (*volatile release)(void *) = free; /* hidden from -Werror */
	volatile char *p = malloc(8);

	release((void *)(uintptr_t)p);
	p[0] = 1;
}

START_TEST(leak_check_at_exit_runs)
{
	char err[8192];
	int st = exiting_child(nothing, err, sizeof(err));

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	              "exit %d signal %d: %s", WEXITSTATUS(st),
	              WIFSIGNALED(st) ? WTERMSIG(st) : 0, err);
	st = exiting_child(leak, err, sizeof(err));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 0,
	              "a leak went unreported (signal %d)",
	              WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	ck_assert_msg(strstr(err, "detected memory leaks") != NULL, "%s", err);
}
END_TEST

START_TEST(sanitizer_reports_survive)
{
	char err[16384];
	int st = exiting_child(use_after_free, err, sizeof(err));

	ck_assert_msg(!(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS),
	              "the report was cut by the filter: %s", err);
	ck_assert_msg(strstr(err, "heap-use-after-free") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "SUMMARY: AddressSanitizer") != NULL, "%s",
	              err);
	st = exiting_child(overflow, err, sizeof(err));
	ck_assert_msg(!(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS),
	              "the report was cut by the filter: %s", err);
	ck_assert_msg(strstr(err, "runtime error: store to address") != NULL,
	              "%s", err);
}
END_TEST
#endif

/* ---- libpq ---- */

static int
libpq_unix(void)
{
	PGconn *c = PQconnectdb(getenv("STRATA_TEST_DATABASE_URL"));
	PGresult *r;
	int rc = 0;

	if (PQstatus(c) != CONNECTION_OK)
		rc = 1;
	r = rc ? NULL : PQexec(c, "SELECT 1");
	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = rc ? rc : 2;
	PQclear(r);
	/* The reconnect after PostgreSQL went away. */
	if (rc == 0) {
		PQreset(c);
		if (PQstatus(c) != CONNECTION_OK)
			rc = 3;
	}
	PQfinish(c);
	return rc;
}

START_TEST(libpq_over_unix_socket)
{
	if (getenv("STRATA_TEST_DATABASE_URL") == NULL)
		return; /* no database: make test provides one */
	assert_exit0(in_child(SANDBOX_ON, libpq_unix));
}
END_TEST

static int tcp_port;

static int
libpq_tcp(void)
{
	char conninfo[128];
	PGconn *c;
	int rc;

	/* "localhost": getaddrinfo reads /etc/hosts and probes netlink. */
	snprintf(conninfo, sizeof(conninfo),
	         "host=localhost port=%d dbname=x user=x connect_timeout=5",
	         tcp_port);
	c = PQconnectdb(conninfo);
	rc = strstr(PQerrorMessage(c), "sandbox fake server") != NULL ? 0 : 1;
	if (rc != 0)
		fprintf(stderr, "libpq said: %s\n", PQerrorMessage(c));
	PQfinish(c);
	return rc;
}

/* Reads n bytes from fd or fails. */
static int
read_n(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One PostgreSQL-shaped conversation: "N" to SSL and GSS requests, then
 * an ErrorResponse to the startup message. */
static void
fake_server(int fd)
{
	static const char err[] = "SFATAL\0C28000\0Msandbox fake server\0";
	unsigned char m[1024];

	for (;;) {
		unsigned int len, code;

		if (read_n(fd, m, 8) < 0)
			return;
		len = (unsigned)m[0] << 24 | (unsigned)m[1] << 16 |
		      (unsigned)m[2] << 8 | m[3];
		code = (unsigned)m[4] << 24 | (unsigned)m[5] << 16 |
		       (unsigned)m[6] << 8 | m[7];
		if (len < 8 || len > sizeof(m) || read_n(fd, m, len - 8) < 0)
			return;
		if (code == 80877103 || code == 80877104) { /* SSL, GSS */
			if (write(fd, "N", 1) != 1)
				return;
			continue;
		}
		m[0] = 'E';
		len = 4 + sizeof(err); /* fields, and the final NUL */
		m[1] = (unsigned char)(len >> 24);
		m[2] = (unsigned char)(len >> 16);
		m[3] = (unsigned char)(len >> 8);
		m[4] = (unsigned char)len;
		memcpy(m + 5, err, sizeof(err));
		if (write(fd, m, 1 + len) < 0)
			return;
		return;
	}
}

START_TEST(libpq_over_tcp_with_name_lookup)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0), st = 0;
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 4), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	tcp_port = ntohs(sa.sin_port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ls);
		if (sandbox_enter(SANDBOX_ON) != 0)
			_exit(100);
		_exit(libpq_tcp());
	}
	for (;;) {
		struct pollfd p = {.fd = ls, .events = POLLIN};
		int c;

		if (poll(&p, 1, 10000) <= 0)
			break;
		c = accept(ls, NULL, NULL);
		if (c < 0)
			break;
		fake_server(c);
		close(c);
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto done;
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
done:
	close(ls);
	assert_exit0(st);
}
END_TEST

/* ---- log mode and settings ---- */

static int
execve_logged(void)
{
	char *const argv[] = {(char *)(uintptr_t) "/bin/true", NULL};

	/* Not made: it fails with ENOSYS, and the process goes on. */
	if (execve("/bin/true", argv, NULL) != -1 || errno != ENOSYS)
		return 1;
	return 0;
}

START_TEST(log_mode_reports_and_goes_on)
{
	char path[] = "/tmp/strata-sandbox-log-XXXXXX", buf[512] = "";
	char want[64];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), st;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	st = in_child(SANDBOX_LOG, execve_logged);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_exit0(st);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	snprintf(want, sizeof(want), "\"syscall\":%d", (int)SYS_execve);
	ck_assert_msg(strstr(buf, want) != NULL, "log: %s", buf);
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(mode_names)
{
	ck_assert_int_eq(sandbox_mode("on"), SANDBOX_ON);
	ck_assert_int_eq(sandbox_mode("off"), SANDBOX_OFF);
	ck_assert_int_eq(sandbox_mode("log"), SANDBOX_LOG);
	ck_assert_int_eq(sandbox_mode(""), -1);
	ck_assert_int_eq(sandbox_mode("ON"), -1);
	ck_assert_int_eq(sandbox_mode("yes"), -1);
	ck_assert_int_eq(sandbox_mode(" on"), -1);
	ck_assert_int_eq(sandbox_mode(NULL), -1);
}
END_TEST

/* In a child that ends with _exit: config_load keeps its strings for the
 * process's life, and loading three times would otherwise leak. */
static int
settings(void)
{
	char path[] = "/tmp/strata-sandbox-conf-XXXXXX";
	struct config c;
	int fd = mkstemp(path), rc = 0;

	if (fd < 0)
		return 1;
	unsetenv("STRATA_SECCOMP");
	if (config_load(&c, "/dev/null") != 0 || strcmp(c.seccomp, "on") != 0)
		rc = 2;
	if (write(fd, "seccomp = maybe\n", 16) != 16 ||
	    config_load(&c, path) != -1)
		rc = 3;
	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, "seccomp = off\n", 14, 0) != 14 ||
	    config_load(&c, path) != 0 || strcmp(c.seccomp, "off") != 0)
		rc = 4;
	close(fd);
	unlink(path);
	return rc;
}

START_TEST(setting_defaults_on_and_refuses_others)
{
	assert_exit0(in_child(SANDBOX_OFF, settings));
}
END_TEST

static Suite *
sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox_enter");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, status_shows_no_new_privs_and_filter);
	tcase_add_loop_test(tc, denied_calls_kill, 0,
	                    (int)(sizeof(denied) / sizeof(denied[0])));
	tcase_add_test(tc, allowed_calls_work);
	tcase_add_loop_test(tc, denied_calls_kill_with_threads, 0,
	                    (int)(sizeof(denied) / sizeof(denied[0])));
	tcase_add_test(tc, threads_only_with_the_threaded_list);
	tcase_add_test(tc, abort_still_aborts);
#ifdef __SANITIZE_ADDRESS__
	tcase_add_test(tc, leak_check_at_exit_runs);
	tcase_add_test(tc, sanitizer_reports_survive);
#endif
	tcase_add_test(tc, libpq_over_unix_socket);
	tcase_add_test(tc, libpq_over_tcp_with_name_lookup);
	tcase_add_test(tc, log_mode_reports_and_goes_on);
	suite_add_tcase(s, tc);
	tc = tcase_create("sandbox_mode");
	tcase_add_test(tc, mode_names);
	tcase_add_test(tc, setting_defaults_on_and_refuses_others);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sandbox_suite)

/*
 * sandbox.c - no_new_privs and the seccomp allow-list (libseccomp).
 */
#define _GNU_SOURCE /* O_TMPFILE, REG_RAX */
#include "core/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/log.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

/* Calls allowed with any arguments. */
static const char *const allowed[] = {
    /* descriptors, files already open, the temporary file */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "close",
    "lseek",
    "fstat",
    "newfstatat",
    "stat",
    "lstat",
    "statx",
    "fcntl",
    "dup",
    "dup2",
    "dup3",
    "ftruncate",
    "fsync",
    "fdatasync",
    "access",
    "faccessat",
    "faccessat2",
    "getdents",
    "getdents64",
    "getcwd",
    "readlink",
    "readlinkat",
    "memfd_create",
    /* memory */
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "brk",
    "madvise",
    "mlock",
    "munlock",
    "mincore",
    /* signals */
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "restart_syscall",
    /* sockets: FastCGI from nginx, libpq to PostgreSQL, name lookup */
    "accept",
    "accept4",
    "connect",
    "shutdown",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    /* time, randomness, identity, limits */
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "nanosleep",
    "clock_nanosleep",
    "getrandom",
    "getpid",
    "gettid",
    "getppid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "uname",
    "sysinfo",
    "getrusage",
    "getrlimit",
    "prlimit64",
    "sched_getaffinity",
    "sched_yield",
    "futex",
    /* the end */
    "exit",
    "exit_group",
};

#ifdef SANITIZED
/* What ASan/LSan/UBSan do at run time: the leak check at exit stops the
 * world with a cloned tracer that ptraces the process's threads; a
 * report may fork a symbolizer (whose execve is denied: the report then
 * has addresses only). */
static const char *const allowed_sanitizer[] = {
    "clone", "ptrace", "wait4", "waitid", "prctl",
    "pipe",  "pipe2",  "kill",  "tgkill", "setrlimit",
};
#endif

/* Adds one unconditional rule.  A call unknown on this architecture
 * (open and stat are x86-only) is skipped. */
static int
allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* open and openat: read-only, or an unnamed temporary file (tmpfile()
 * uses O_TMPFILE on tmpfs, ext4, xfs, btrfs).  Nothing can be created,
 * truncated or written by name. */
static int
allow_opens(scmp_filter_ctx ctx)
{
	int rc = 0;
	int nr_open = seccomp_syscall_resolve_name("open");

	rc |=
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	                     SCMP_A2(SCMP_CMP_MASKED_EQ,
	                             O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
	rc |=
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	                     SCMP_A2(SCMP_CMP_MASKED_EQ, O_TMPFILE, O_TMPFILE));
	if (nr_open != __NR_SCMP_ERROR) {
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr_open, 1,
		                       SCMP_A1(SCMP_CMP_MASKED_EQ,
		                               O_ACCMODE | O_CREAT | O_TRUNC,
		                               O_RDONLY));
		rc |= seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, nr_open, 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, O_TMPFILE, O_TMPFILE));
	}
#ifdef SANITIZED
	/* The sanitizers' log_path report files. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	                       SCMP_A2(SCMP_CMP_MASKED_EQ,
	                               O_ACCMODE | O_CREAT | O_TRUNC,
	                               O_WRONLY | O_CREAT | O_TRUNC));
	if (nr_open != __NR_SCMP_ERROR)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr_open, 1,
		                       SCMP_A1(SCMP_CMP_MASKED_EQ,
		                               O_ACCMODE | O_CREAT | O_TRUNC,
		                               O_WRONLY | O_CREAT | O_TRUNC));
#endif
	return rc;
}

/* socket: the three families allowed; any other fails EAFNOSUPPORT (so
 * glibc's netlink probe in getaddrinfo falls back instead of killing). */
static int
allow_sockets(scmp_filter_ctx ctx)
{
	static const int ok[] = {AF_UNIX, AF_INET, AF_INET6};
	const uint32_t refuse = SCMP_ACT_ERRNO(EAFNOSUPPORT);
	int rc = 0;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		rc |= seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)ok[i], 0));
	rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1,
	                       SCMP_A0(SCMP_CMP_EQ, AF_UNSPEC, 0));
	for (int f = AF_INET + 1; f < AF_INET6; f++)
		rc |=
		    seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1,
		                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)f, 0));
	rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1,
	                       SCMP_A0(SCMP_CMP_GT, AF_INET6, 0));
	return rc;
}

/* kill and tgkill on the process itself (abort(), re-raised crashes;
 * the sanitizer build allows them all above); ioctl for the queries of
 * stdio and libpq only. */
static int
allow_narrow(scmp_filter_ctx ctx)
{
	static const unsigned long ioctls[] = {TCGETS, FIONREAD, FIONBIO,
	                                       FIOCLEX};
	int rc = 0;

#ifndef SANITIZED
	scmp_datum_t self = (scmp_datum_t)getpid();

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
	                       SCMP_A0(SCMP_CMP_EQ, self, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	                       SCMP_A0(SCMP_CMP_EQ, self, 0));
#endif
	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		                       SCMP_A1(SCMP_CMP_EQ, ioctls[i], 0));
	return rc;
}

/* sandbox_enter_threads: threads for a library that works on one of
 * its own (libcurl resolves names on a thread).  clone only with
 * CLONE_THREAD set: a thread of this process, never a new process (fork
 * and vfork are clone without it, or calls of their own, and stay
 * denied).  clone3 takes its flags in memory, out of the filter's reach:
 * it fails with ENOSYS, and glibc's pthread_create then falls back to
 * clone.  A new thread registers its robust futex list and rseq area;
 * libcurl's threaded resolver and multi handle signal through a unix
 * socket pair. */
static int
allow_threads(scmp_filter_ctx ctx)
{
	int rc = 0;

#ifndef SANITIZED /* the sanitizer build allows clone outright */
	rc |= seccomp_rule_add(
	    ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
#endif
	rc |=
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	rc |= allow(ctx, "set_robust_list");
	rc |= allow(ctx, "rseq");
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
	                       SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));
	return rc;
}

/* Async-signal-safe decimal. */
static size_t
put_num(char *p, long v)
{
	char tmp[24];
	size_t n = 0, k = 0;

	if (v < 0) {
		p[k++] = '-';
		v = -v;
	}
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		p[k++] = tmp[--n];
	return k;
}

/* SANDBOX_LOG: a call outside the list comes here instead of being
 * made.  One line on stderr (write(2) only), then the call returns
 * -ENOSYS. */
static void
on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	static const char head[] =
	    "{\"level\":\"error\",\"msg\":\"seccomp: a system call outside "
	    "the allow-list\",\"syscall\":";
	char line[sizeof(head) + 64];
	size_t n = sizeof(head) - 1;
	ucontext_t *uc = ctx;

	(void)sig;
	memcpy(line, head, n);
	n += put_num(line + n, si->si_syscall);
	memcpy(line + n, ",\"pid\":", 7);
	n += 7;
	n += put_num(line + n, (long)getpid());
	line[n++] = '}';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nothing to do: logging never stops the program */
	}
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-ENOSYS;
#else
	(void)uc;
#endif
}

static int
trap_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL);
}

#ifdef STRATA_TEST_HOOKS
/* tests/smoke/18_sandbox.sh: a denied call on demand (SIGUSR2). */
static void
on_test_violation(int sig)
{
	char *const argv[] = {(char *)(uintptr_t) "/bin/true", NULL};

	(void)sig;
	execve("/bin/true", argv, NULL);
}

static void
test_hook(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_test_violation;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
}
#endif

int
sandbox_mode(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "on") == 0)
		return SANDBOX_ON;
	if (strcmp(name, "off") == 0)
		return SANDBOX_OFF;
	if (strcmp(name, "log") == 0)
		return SANDBOX_LOG;
	return -1;
}

static scmp_filter_ctx
build(enum sandbox_mode mode, bool threads)
{
	scmp_filter_ctx ctx = seccomp_init(
	    mode == SANDBOX_LOG ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	int rc = 0;

	if (ctx == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		rc |= allow(ctx, allowed[i]);
#ifdef SANITIZED
	for (size_t i = 0;
	     i < sizeof(allowed_sanitizer) / sizeof(allowed_sanitizer[0]); i++)
		rc |= allow(ctx, allowed_sanitizer[i]);
#endif
	rc |= allow_opens(ctx);
	rc |= allow_sockets(ctx);
	rc |= allow_narrow(ctx);
	if (threads)
		rc |= allow_threads(ctx);
	if (rc != 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

static int
enter(enum sandbox_mode mode, bool threads)
{
	scmp_filter_ctx ctx;
	int rc;

	if (mode == SANDBOX_OFF)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_error("cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
#if !defined(__x86_64__) && !defined(__aarch64__)
	if (mode == SANDBOX_LOG) {
		/* on_sigsys cannot set the call's result here */
		log_error("seccomp = log is not supported on this machine");
		return -1;
	}
#endif
	if (mode == SANDBOX_LOG && trap_handler() != 0)
		return -1;
	ctx = build(mode, threads);
	if (ctx == NULL) {
		log_error("cannot build the seccomp allow-list");
		return -1;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		log_error("cannot load the seccomp allow-list: %s "
		          "(seccomp = off runs without it)",
		          strerror(-rc));
		return -1;
	}
#ifdef STRATA_TEST_HOOKS
	test_hook();
#endif
	return 0;
}

int
sandbox_enter(enum sandbox_mode mode)
{
	return enter(mode, false);
}

int
sandbox_enter_threads(enum sandbox_mode mode)
{
	return enter(mode, true);
}

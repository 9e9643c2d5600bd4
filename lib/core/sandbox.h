/*
 * sandbox.h - what a forked process gives up once it has started.
 *
 * A request worker (after its start-up: configuration read, keys in
 * memory, libfcgi and epoll set up) and each background process (after
 * its own) call sandbox_enter().  It sets PR_SET_NO_NEW_PRIVS and loads a
 * seccomp allow-list (libseccomp): the calls a worker makes serving
 * FastCGI, talking to PostgreSQL through libpq over a unix socket or TCP
 * (with name lookup), OpenSSL's randomness, the export's temporary file,
 * logging, clocks, memory and signals.  The background processes get the
 * same list: what they do (libpq, logging, clocks, sleeping) is a subset,
 * and one list is one thing to keep right.
 *
 * Any other call kills the process (SCMP_ACT_KILL_PROCESS); the master
 * logs "killed by signal 31 (SIGSYS: seccomp ...)" and restarts it.
 * Inside the list some calls are narrowed by their arguments:
 *   - open/openat: read-only, or an unnamed temporary file (O_TMPFILE);
 *   - socket: AF_UNIX, AF_INET, AF_INET6; other families fail with
 *     EAFNOSUPPORT (glibc's name lookup probes netlink and copes);
 *   - kill/tgkill: only the process itself (abort(), re-raised signals);
 *   - ioctl: the terminal and FIONREAD/FIONBIO queries of stdio and libpq.
 * Never allowed: execve, fork/clone, ptrace, bind/listen, mount, module,
 * namespace, keyring and bpf calls, among all others not listed.
 *
 * The sanitizer build (make test) adds what ASan/LSan/UBSan need at run
 * time: the leak checker's clone/ptrace/wait at exit, and opening their
 * report files for writing.
 */
#ifndef STRATA_CORE_SANDBOX_H
#define STRATA_CORE_SANDBOX_H

enum sandbox_mode {
	SANDBOX_OFF, /* nothing is given up (debugging) */
	SANDBOX_ON,  /* no_new_privs + the allow-list; others kill */
	SANDBOX_LOG, /* no_new_privs + the allow-list; others are logged
	                with their number and fail with ENOSYS (finding
	                what a new feature needs; never in production) */
};

/* The mode named by the `seccomp` setting: "on", "off" or "log".
 * Returns the mode, or -1 for any other text. */
int sandbox_mode(const char *name);

/* Enters mode in the calling process, for the rest of its life (forks
 * inherit it).  Returns 0, or -1 after logging why (a kernel without
 * seccomp, no memory): the caller must then exit rather than run
 * unconfined. */
int sandbox_enter(enum sandbox_mode mode);

/* sandbox_enter with threads as well, for a background process whose
 * library works on a thread of its own (strata-deliver: libcurl resolves
 * names on one): clone with CLONE_THREAD only, so never a new process,
 * plus what a new thread registers (set_robust_list, rseq) and unix
 * socket pairs.  clone3 fails with ENOSYS (glibc falls back to clone).
 * Everything else is as sandbox_enter's list. */
int sandbox_enter_threads(enum sandbox_mode mode);

/* The test build only (STRATA_TEST_HOOKS): after sandbox_enter, SIGUSR2
 * makes the process call execve, which the list denies.  Release builds
 * have no such hook. */

#endif

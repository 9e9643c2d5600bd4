/*
 * server.c - master process: bind, fork, supervise.
 *
 * The master keeps one table of slots: the request workers first, then one
 * slot per background process of opts->procs.  Every slot is forked,
 * reaped, restarted, drained and rolled the same way; only what runs in
 * the child (worker_main on the socket, or the process's own main without
 * it) differs.
 */
#include "core/server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"

#define MAX_WORKERS CONFIG_WORKERS_MAX
#define MAX_PROCS 16
#define MAX_SLOTS (MAX_WORKERS + MAX_PROCS)
/* A background process that exits sooner than this is restarted with
 * backoff even when it exits cleanly, so one that cannot start cannot
 * spin the machine. */
#define PROC_MIN_LIFE_MS 1000
#define DRAIN_SECONDS 10
#define BACKOFF_MAX_MS 5000

volatile int server_stopping;

static void
on_term(int sig)
{
	(void)sig;
	server_stopping = 1;
}

static pid_t self_pid;

static void
forget_self_pid(void)
{
	self_pid = 0;
}

pid_t
server_self_pid(void)
{
	static bool hooked;

	if (!hooked) {
		pthread_atfork(NULL, NULL, forget_self_pid);
		hooked = true;
	}
	if (self_pid == 0)
		self_pid = getpid();
	return self_pid;
}

void
server_child_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	/* No SA_RESTART: epoll_wait and the sealer's sleep end at once. */
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

struct slot {
	const struct server_proc *proc; /* NULL: a request worker */
	pid_t pid;
	long long started_ms;
	long long respawn_at_ms; /* 0 = not waiting */
	int backoff_ms;
	int retiring; /* told to stop by a rolling restart */
};

static int
is_listening_socket(int fd)
{
	int type = 0, acc = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return 0;
	len = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0)
		return 0;
	return type == SOCK_STREAM && acc;
}

/* systemd socket activation (LISTEN_PID/LISTEN_FDS, first fd is 3), then
 * spawn-fcgi's convention (the socket on fd 0). */
static int
inherited_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid != NULL && fds != NULL && strtol(pid, NULL, 10) == getpid() &&
	    strtol(fds, NULL, 10) >= 1 && is_listening_socket(3)) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		return 3;
	}
	if (is_listening_socket(0))
		return 0;
	return -1;
}

static int
bind_socket(const char *path, const char *group)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("socket path too long");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1024) < 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (group != NULL && *group != '\0') {
		struct group *g = getgrnam(group);

		if (g == NULL || chown(path, (uid_t)-1, g->gr_gid) < 0) {
			log_error("cannot give the socket to group %s", group);
			close(fd);
			return -1;
		}
		chmod(path, 0660);
	} else {
		chmod(path, 0600);
	}
	return fd;
}

static int
drop_privileges(const char *user, const char *socket_path)
{
	struct passwd *pw;

	if (user == NULL || *user == '\0')
		return 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		log_error("unknown user %s", user);
		return -1;
	}
	if (socket_path != NULL && chown(socket_path, pw->pw_uid, (gid_t)-1))
		log_warn("cannot chown the socket to %s", user);
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		log_error("cannot drop privileges to %s", user);
		return -1;
	}
	if (setuid(0) == 0) {
		log_error("privileges could be regained; refusing to run");
		return -1;
	}
	return 0;
}

/* The master's table (static: handlers and spawn index it). */
static struct slot slots_base[MAX_SLOTS];
static const struct server_opts *opts;

static pid_t
spawn(struct slot *s, int fd, const struct server_opts *o,
      const sigset_t *oldmask)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int rc;

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(0);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		if (s->proc != NULL) {
			char title[16];

			/* ps and pgrep tell it from the workers. */
			snprintf(title, sizeof(title), "strata-%s",
			         s->proc->name);
			prctl(PR_SET_NAME, title);
			close(fd);
			rc = s->proc->main();
		} else {
			rc = o->worker_main(fd, o->max_requests,
			                    (int)(s - slots_base));
		}
		exit(rc);
	}
	s->pid = pid;
	s->started_ms = clock_mono_ms();
	s->respawn_at_ms = 0;
	s->retiring = 0;
	metrics_add(s->proc != NULL ? M_BACKGROUND_STARTS : M_WORKER_STARTS, 1);
	return pid;
}

static struct slot *
find(struct slot *slots, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (slots[i].pid == pid)
			return &slots[i];
	return NULL;
}

static const char *
slot_name(const struct slot *s)
{
	return s->proc != NULL ? s->proc->name : "worker";
}

static void
backoff(struct slot *s)
{
	if (clock_mono_ms() - s->started_ms > 10000)
		s->backoff_ms = 0;
	s->respawn_at_ms = clock_mono_ms() + s->backoff_ms;
	s->backoff_ms = s->backoff_ms == 0 ? 100 : s->backoff_ms * 2;
	if (s->backoff_ms > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
}

/* Reaps exited children and schedules their replacement: at once after a
 * clean exit (max_requests, rolling restart), with doubling backoff after
 * a crash so a process that dies at start cannot spin the machine.  A
 * crash of a worker or of a background process counts in
 * strata_worker_crashes_total. */
static void
reap(struct slot *slots, int n, int stopping)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct slot *s = find(slots, n, pid);
		int clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;

		metrics_worker_died(pid);
		if (s == NULL)
			continue;
		if (s->proc == NULL && opts != NULL && opts->reaped != NULL)
			opts->reaped((int)(s - slots_base), (int)pid);
		s->pid = 0;
		if (stopping)
			continue;
		if (clean &&
		    (s->proc == NULL || s->retiring ||
		     clock_mono_ms() - s->started_ms >= PROC_MIN_LIFE_MS)) {
			if (s->proc == NULL)
				metrics_add(M_WORKER_RECYCLES, 1);
			s->respawn_at_ms = clock_mono_ms();
			s->backoff_ms = 0;
			continue;
		}
		if (clean) {
			log_warn("%s %d exited at once; restarting",
			         slot_name(s), (int)pid);
		} else {
			metrics_add(M_WORKER_CRASHES, 1);
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
				log_warn("%s %d killed by signal %d (SIGSYS: "
				         "seccomp denied a system call); "
				         "restarting",
				         slot_name(s), (int)pid, SIGSYS);
			else if (WIFSIGNALED(st))
				log_warn(
				    "%s %d killed by signal %d; restarting",
				    slot_name(s), (int)pid, WTERMSIG(st));
			else
				log_warn("%s %d exited with %d; restarting",
				         slot_name(s), (int)pid,
				         WEXITSTATUS(st));
		}
		backoff(s);
	}
}

static int
alive(const struct slot *slots, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += slots[i].pid > 0;
	return k;
}

static void
drain(struct slot *slots, int n)
{
	long long deadline = clock_mono_ms() + DRAIN_SECONDS * 1000;

	for (int i = 0; i < n; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGTERM);
	while (alive(slots, n) > 0 && clock_mono_ms() < deadline) {
		struct timespec ts = {0, 50 * 1000000L};

		nanosleep(&ts, NULL);
		reap(slots, n, 1);
	}
	for (int i = 0; i < n; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGKILL);
	reap(slots, n, 1);
}

static void
supervise(struct slot *slots, int n, int fd, const struct server_opts *o,
          const sigset_t *mask, const sigset_t *oldmask)
{
	int rolling = -1;   /* slot being replaced during a rolling restart */
	pid_t retiring = 0; /* the worker it replaces */

	for (;;) {
		struct timespec ts = {0, 200 * 1000000L};
		int sig = sigtimedwait(mask, NULL, &ts);

		if (sig == SIGTERM || sig == SIGINT) {
			log_info("draining workers and background processes");
			drain(slots, n);
			return;
		}
		if (sig == SIGHUP && rolling < 0) {
			log_info("rolling restart");
			rolling = 0;
			retiring = slots[0].pid;
			if (retiring > 0) {
				slots[0].retiring = 1;
				kill(retiring, SIGTERM);
			}
		}
		reap(slots, n, 0);
		for (int i = 0; i < n; i++)
			if (slots[i].pid == 0 &&
			    clock_mono_ms() >= slots[i].respawn_at_ms)
				spawn(&slots[i], fd, o, oldmask);
		/* One worker at a time: move on once the successor runs. */
		if (rolling >= 0 && slots[rolling].pid > 0 &&
		    slots[rolling].pid != retiring) {
			if (++rolling >= n) {
				rolling = -1;
				log_info("rolling restart done");
			} else {
				retiring = slots[rolling].pid;
				if (retiring > 0) {
					slots[rolling].retiring = 1;
					kill(retiring, SIGTERM);
				}
			}
		}
	}
}

int
server_run(const struct server_opts *o)
{
	struct slot *slots = slots_base;
	sigset_t mask, oldmask;
	int fd, n = config_workers(o->workers), total = n;
	const char *bound = NULL;

	fd = inherited_socket();
	if (fd < 0) {
		fd = bind_socket(o->socket_path, o->socket_group);
		if (fd < 0)
			return 1;
		bound = o->socket_path;
	}
	/* Workers poll the socket; accept must not block a losing worker. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (metrics_init() < 0 || (o->setup != NULL && o->setup() < 0)) {
		log_error("cannot map shared memory");
		return 1;
	}
	opts = o;
	if (drop_privileges(o->user, bound) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	memset(slots_base, 0, sizeof(slots_base));
	for (const struct server_proc *p = o->procs;
	     p != NULL && p->name != NULL && total < MAX_SLOTS; p++)
		slots[total++].proc = p;
	log_info("serving with %d workers and %d background processes", n,
	         total - n);
	for (int i = 0; i < total; i++)
		spawn(&slots[i], fd, o, &oldmask);
	supervise(slots, total, fd, o, &mask, &oldmask);
	if (bound != NULL)
		unlink(bound);
	log_info("stopped");
	return 0;
}

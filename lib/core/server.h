/*
 * server.h - `strata serve`: the FastCGI master and its workers.
 *
 * The master binds the unix socket (or takes the one it is handed: fd 0 as
 * spawn-fcgi does, or LISTEN_FDS from systemd), maps shared memory, drops
 * privileges, forks N workers and then only supervises: it restarts a
 * worker that dies (with backoff, counted in metrics), replaces one that
 * exits after max_requests, drains on SIGTERM/SIGINT (workers finish the
 * request in flight, then exit) and restarts workers one by one on SIGHUP.
 *
 * Beside the workers it runs the background processes of opts->procs (the
 * audit sealer; later the mail sender, the webhook deliverer), one process
 * each, supervised the same way: restarted when it dies (crashes counted
 * with the workers'), stopped on SIGTERM, replaced in turn on SIGHUP.  They
 * do not hold the listening socket; each opens its own database
 * connection.
 */
#ifndef STRATA_CORE_SERVER_H
#define STRATA_CORE_SERVER_H

#include <sys/types.h>

/* One background process.  A table of them ends with {NULL, NULL}; adding
 * a process is one line in that table. */
struct server_proc {
	const char *name; /* "sealer": logs, and the process title
	                     "strata-sealer" (at most 8 characters) */
	/* Runs in the child until server_stopping is set (its own SIGTERM
	 * handler sets it); returns the exit status. */
	int (*main)(void);
};

struct server_opts {
	const char *socket_path; /* ignored when a socket is inherited */
	const char *socket_group;
	const char *user; /* "" = stay who we are */
	int workers;      /* 0 = number of CPUs */
	long max_requests;
	/* Runs in each worker (index: its slot, stable across restarts):
	 * serves requests on fd until told to stop; returns the exit status. */
	int (*worker_main)(int fd, long max_requests, int index);
	/* Optional, in the master before forking: shared state.  0 or -1. */
	int (*setup)(void);
	/* Optional, in the master: the worker of slot index (pid) is gone. */
	void (*reaped)(int index, int pid);
	/* Optional: background processes, ended by a {NULL, NULL} entry. */
	const struct server_proc *procs;
};

/* Returns the process exit status. */
int server_run(const struct server_opts *o);

/* Set by SIGTERM/SIGINT in a worker: finish the current request, exit. */
extern volatile int server_stopping;

/* In a forked child (worker, background process): SIGTERM and SIGINT set
 * server_stopping, SIGHUP and SIGPIPE are ignored. */
void server_child_signals(void);

/* This process's id, asked of the kernel once per process (a fork asks
 * again): the log's pid field and the owner of a shared-memory lock, on
 * every request. */
pid_t server_self_pid(void);

#endif

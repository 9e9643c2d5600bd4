/*
 * server.h - `strata serve`: the FastCGI master and its workers.
 *
 * The master binds the unix socket (or takes the one it is handed: fd 0 as
 * spawn-fcgi does, or LISTEN_FDS from systemd), maps shared memory, drops
 * privileges, forks N workers and then only supervises: it restarts a
 * worker that dies (with backoff, counted in metrics), replaces one that
 * exits after max_requests, drains on SIGTERM/SIGINT (workers finish the
 * request in flight, then exit) and restarts workers one by one on SIGHUP.
 */
#ifndef STRATA_CORE_SERVER_H
#define STRATA_CORE_SERVER_H

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
};

/* Returns the process exit status. */
int server_run(const struct server_opts *o);

/* Set by SIGTERM/SIGINT in a worker: finish the current request, exit. */
extern volatile int server_stopping;

#endif

/*
 * worker.h - a worker's accept loop.
 *
 * Each turn: wait for a connection, accept it, parse the parameters, read
 * the body (capped at BODY_MAX), call the application, write the response,
 * log one line, count metrics, reset the arena.  Nothing of one request
 * survives into the next except what the application caches on purpose.
 */
#ifndef STRATA_CORE_WORKER_H
#define STRATA_CORE_WORKER_H

struct request;
struct arena;

struct worker_app {
	/* Once per worker process, after fork.  Returns 0 or -1 (exit). */
	int (*init)(void);
	/* Serves one request: fills req->res. */
	void (*handle)(struct request *req);
	/* After the response is sent, before the arena is reset. */
	void (*finish)(struct request *req);
	/* About once a second, whether requests come or not. */
	void (*idle)(struct arena *a);
	void (*fini)(void);
};

/* Serves requests on the listening socket fd until SIGTERM or
 * max_requests (0 = unlimited).  Returns the exit status. */
int worker_run(int fd, long max_requests, const struct worker_app *app);

/* Whether the body the client announced exceeds BODY_MAX (read skipped). */
#define WORKER_BODY_TOO_LARGE ((const char *)1)

#endif

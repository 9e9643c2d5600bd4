/*
 * worker.c - the per-worker loop over libfcgi.
 */
#include "core/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/request.h"
#include "core/server.h"

#define ARENA_CHUNK (64 * 1024)
#define ARENA_CAP (256UL * 1024 * 1024)

/* Reads the body announced by CONTENT_LENGTH into the arena.  Bodies over
 * BODY_MAX are not read: the handler answers 413.  Returns 0, or -1 when
 * the stream ends early. */
static int
read_body(struct request *req, FCGX_Request *fr)
{
	const char *cl = request_env(req, "CONTENT_LENGTH");
	char *end, *body;
	long n;
	size_t got = 0;

	req->body = "";
	req->body_len = 0;
	if (cl == NULL || *cl == '\0')
		return 0;
	errno = 0;
	n = strtol(cl, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0)
		return -1;
	if (n > BODY_MAX) {
		req->body = WORKER_BODY_TOO_LARGE;
		return 0;
	}
	body = arena_alloc(req->arena, (size_t)n + 1);
	while (got < (size_t)n) {
		int r = FCGX_GetStr(body + got, (int)((size_t)n - got), fr->in);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	/* Read on to the stream's end (nginx's empty FCGI_STDIN record): a
	 * socket closed with it unread is reset, and nginx may lose the
	 * answer (seen with bodies of some 30 KiB). */
	{
		char rest[256];

		while (FCGX_GetStr(rest, (int)sizeof(rest), fr->in) > 0)
			;
	}
	body[got] = '\0';
	req->body = body;
	req->body_len = got;
	return 0;
}

static int
put_stream(void *ctx, const char *data, size_t len)
{
	FCGX_Stream *out = ctx;

	while (len > 0) {
		int chunk = len > (1 << 30) ? 1 << 30 : (int)len;

		if (FCGX_PutStr(data, chunk, out) != chunk)
			return -1;
		data += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

static void
send_response(struct request *req, FCGX_Request *fr)
{
	struct buf out;
	bool head = strcmp(req->method, "HEAD") == 0;

	buf_init(&out, req->arena, req->res.body.len + 1024,
	         req->res.body.len + 64 * 1024);
	if (response_serialize(req, &out, head) < 0) {
		log_error("response too large to serialise");
		return;
	}
	FCGX_PutStr(out.data, (int)out.len, fr->out);
}

static void
serve_one(FCGX_Request *fr, struct arena *a, const struct worker_app *app)
{
	struct request req;
	int st = request_parse(&req, a, fr->envp);

	if (st == 0 && read_body(&req, fr) < 0)
		st = 400;
	req.early_status = st;
	req.res.sink = put_stream;
	req.res.sink_ctx = fr->out;
	app->handle(&req);
	send_response(&req, fr);
	/* Skip libfcgi's lingering close (NOTES.md: +35-45 % throughput). */
	FCGX_Detach(fr);
	FCGX_Finish_r(fr);
	if (app->finish != NULL)
		app->finish(&req);
}

/* Between requests: the buffered access log goes out, and the application
 * does its own upkeep. */
static void
housekeeping(const struct worker_app *app, struct arena *a, time_t *last)
{
	*last = (clock_mono_ms() / 1000);
	log_flush();
	if (app->idle != NULL) {
		app->idle(a);
		arena_reset(a);
	}
}

int
worker_run(int fd, long max_requests, const struct worker_app *app)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	struct arena *a = arena_new(ARENA_CHUNK, ARENA_CAP);
	FCGX_Request fr;
	long served = 0;
	time_t last_idle = 0;
	bool busy = false;
	int ep;

	server_child_signals();
	log_flush_on_crash();
	json_use_arena(a);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, fd, 0) != 0)
		return 1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return 1;
	if (app->init != NULL && app->init() < 0)
		return 1;
	while (!server_stopping) {
		struct epoll_event got;
		int r;

		/* Right after a request, under load, the next connection is
		 * usually waiting: accept it without asking epoll first (the
		 * socket does not block; EAGAIN sends us back to epoll). */
		if (!busy) {
			r = epoll_wait(ep, &got, 1, 1000);
			if (r <= 0) {
				if (r == 0)
					housekeeping(app, a, &last_idle);
				continue;
			}
		}
		r = FCGX_Accept_r(&fr);
		if (r < 0) {
			busy = false;
			if (r != -EAGAIN && r != -EINTR)
				log_warn("accept failed: %s", strerror(-r));
			continue;
		}
		busy = true;
		serve_one(&fr, a, app);
		arena_reset(a);
		served++;
		/* At least once a second, busy or not. */
		if ((clock_mono_ms() / 1000) != last_idle)
			housekeeping(app, a, &last_idle);
		if (max_requests > 0 && served >= max_requests)
			break;
	}
	/* SIGTERM, or recycling after max_requests: no access line is lost. */
	log_flush();
	if (app->fini != NULL)
		app->fini();
	close(ep);
	arena_free(a);
	return 0;
}

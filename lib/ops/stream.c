/*
 * stream.c - the event stream process.
 */
#include "ops/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/host.h"
#include "core/json.h"
#include "core/log.h"
#include "core/regions.h"
#include "core/request.h"
#include "core/sandbox.h"
#include "core/server.h"
#include "core/uuid.h"
#include "data/db.h"
#include "data/directory.h"
#include "data/events.h"
#include "data/keyring.h"
#include "data/tenants.h"
#include "data/users.h"
#include "sec/rbac.h"
#include "sec/token.h"

#define ARENA_CHUNK (64 * 1024)
#define ARENA_CAP (256UL * 1024 * 1024)

/* One connection: reading its head, then streaming. */
struct conn {
	int fd;
	int index;      /* in s.conns */
	bool streaming; /* the 200 head is out */
	char *head;     /* while reading: head_cap bytes, growing to
	                 * STREAM_HEAD_MAX */
	size_t head_len, head_cap;
	struct uuid tenant;
	char uid[UUID_STR_LEN + 1], sid[UUID_STR_LEN + 1];
	char collection[64]; /* "" = every collection */
	long exp;            /* the token's expiry */
	long long last;      /* position of the last event sent */
	char *out;           /* unsent bytes (malloc), or NULL */
	size_t out_len, out_off;
	long long wrote_ms;
};

static struct {
	int lfd, ep;
	struct db db;
	struct arena *a;
	struct conn *conns[STREAM_MAX];
	int n;
} s;

static void
conn_close(struct conn *c)
{
	int i = c->index;

	epoll_ctl(s.ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->head);
	free(c->out);
	s.conns[i] = s.conns[--s.n];
	s.conns[i]->index = i;
	free(c);
}

/* Writes what is pending; false when the connection is gone. */
static bool
flush_out(struct conn *c)
{
	while (c->out != NULL && c->out_off < c->out_len) {
		ssize_t k = send(c->fd, c->out + c->out_off,
		                 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k <= 0)
			return false;
		c->out_off += (size_t)k;
	}
	if (c->out != NULL && c->out_off == c->out_len) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = 0;
	}
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP |
	                                   (c->out ? EPOLLOUT : 0),
	                         .data.ptr = c};
	epoll_ctl(s.ep, EPOLL_CTL_MOD, c->fd, &ev);
	return true;
}

/* Queues n bytes; false when the stream is over its cap (closed by the
 * caller). */
static bool
put(struct conn *c, const char *p, size_t n)
{
	size_t have = c->out ? c->out_len - c->out_off : 0;
	char *o;

	if (have + n > STREAM_OUT_MAX)
		return false;
	if ((o = malloc(have + n)) == NULL)
		abort();
	if (have > 0)
		memcpy(o, c->out + c->out_off, have);
	memcpy(o + have, p, n);
	free(c->out);
	c->out = o;
	c->out_len = have + n;
	c->out_off = 0;
	c->wrote_ms = clock_mono_ms();
	return true;
}

/* A problem+json answer, then close. */
/* "Strata-Region: <name>\r\n" with regions configured (every answer
 * names the region that gave it, as the workers' do), else "". */
static const char *
region_header(void)
{
	static char h[REGION_NAME_MAX + 20];

	if (*cfg.region == '\0')
		return "";
	if (h[0] == '\0')
		snprintf(h, sizeof(h), "Strata-Region: %s\r\n", cfg.region);
	return h;
}

static void
refuse(struct conn *c, int status, const char *title, const char *code,
       const char *detail)
{
	char body[512], head[512];
	int bn, hn;

	bn = snprintf(body, sizeof(body),
	              "{\"type\":\"https://strata.dev/problems/%s\",\"title\":"
	              "\"%s\",\"status\":%d,\"code\":\"%s\",\"detail\":\"%s\"}",
	              code, title, status, code, detail);
	hn = snprintf(
	    head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json"
	    "\r\n%s%s%sContent-Length: %d\r\nConnection: close\r\n\r\n",
	    status, title, status == 401 ? "WWW-Authenticate: Bearer\r\n" : "",
	    status == 503 ? "Retry-After: 1\r\n" : "", region_header(), bn);
	(void)!send(c->fd, head, (size_t)hn, MSG_NOSIGNAL);
	(void)!send(c->fd, body, (size_t)bn, MSG_NOSIGNAL);
	conn_close(c);
}

/* The value of header name in head (NUL-terminated lines), or NULL. */
static const char *
header(char *head, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name);

	for (char *p = strstr(head, "\r\n"); p != NULL;
	     p = strstr(p + 2, "\r\n")) {
		char *line = p + 2, *end = strstr(line, "\r\n");
		size_t len;

		if (end == NULL || end == line)
			return NULL;
		if (strncasecmp(line, name, n) != 0 || line[n] != ':')
			continue;
		line += n + 1;
		line += strspn(line, " \t");
		len = (size_t)(end - line);
		if (len >= outsz)
			return NULL;
		memcpy(out, line, len);
		out[len] = '\0';
		return out;
	}
	return NULL;
}

/* "GET /v1/events/stream[?collection=name] HTTP/1.x": 0 with the
 * collection, 404/405/400 otherwise. */
static int
request_line(const char *head, char collection[64])
{
	static const char path[] = "/v1/events/stream";
	const char *p, *sp;
	size_t n;

	collection[0] = '\0';
	if (strncmp(head, "GET ", 4) != 0)
		return 405;
	p = head + 4;
	if (strncmp(p, path, sizeof(path) - 1) != 0)
		return 404;
	p += sizeof(path) - 1;
	if (*p == ' ')
		return 0;
	if (strncmp(p, "?collection=", 12) != 0)
		return 400;
	p += 12;
	sp = strchr(p, ' ');
	n = sp ? (size_t)(sp - p) : 0;
	if (n == 0 || n >= 64 ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") < n)
		return 400;
	memcpy(collection, p, n);
	collection[n] = '\0';
	return 0;
}

static const char *
origin(char *out, size_t n, const char *slug)
{
	if (cfg.public_port == 443)
		snprintf(out, n, "%s://%s.%s", cfg.public_scheme, slug,
		         cfg.base_domain);
	else
		snprintf(out, n, "%s://%s.%s:%d", cfg.public_scheme, slug,
		         cfg.base_domain, cfg.public_port);
	return out;
}

/* The token's claims, verified as the workers verify it (sec/token.c,
 * the tenant's signing keys).  0, -1 (invalid) or -2 (unavailable). */
static int
verify(const struct tenant *t, const char *tok, struct token_claims *cl)
{
	char org[HOST_MAX + 64];
	const struct keyring *k;
	const struct keyring_key *key;
	struct uuid kid;

	if (token_peek_kid(tok, &kid) < 0)
		return -1;
	if ((k = keyring_for(&s.db, t, false)) == NULL)
		return -2;
	if ((key = keyring_find(k, KEY_SIGNING, &kid)) == NULL &&
	    (k = keyring_reload_for(&s.db, t, false)) != NULL)
		key = keyring_find(k, KEY_SIGNING, &kid);
	if (key == NULL)
		return -1;
	return token_verify(tok, key->key, origin(org, sizeof(org), t->slug),
	                    t->id_str, clock_real_s(), cl);
}

/* The principal as the workers read it.  0 (found), -1, -2 (down). */
static int
principal(const struct uuid *t, const char *uid, const char *sid,
          struct user_principal_row *row)
{
	char tid[UUID_STR_LEN + 1];
	int rc = -2;

	memset(row, 0, sizeof(*row));
	uuid_format(t, tid);
	if (db_ready(&s.db, s.a) == 0) {
		db_begin(&s.db, t);
		users_queue_principal_row(&s.db, tid, uid, sid, row);
		db_commit(&s.db);
		rc = db_sync(&s.db) == DB_OK ? 0 : -2;
	}
	db_finish(&s.db);
	return rc;
}

static bool
may_stream(const struct user_principal_row *r)
{
	return r->found && r->active && !r->session_revoked &&
	       rbac_allows(rbac_parse_pg_array(r->permissions), P_RECORDS_READ);
}

/* A slug that is not one of this region's tenants: another region's, whose
 * edge nginx passes the stream on to (X-Accel-Redirect to the named
 * location @strata_region_stream_<home>, unbuffered: docs/regions.md,
 * "Routing"), 503 while the tenant has no home (a move) or when the
 * request came from another edge already, else 404.  Answers and
 * closes. */
static void
elsewhere(struct conn *c, const char *slug)
{
	struct directory_home home = {0};
	const struct region *r;
	char fwd[8], head[256];
	int hn;

	if (*cfg.region == '\0' || slug[0] == '\0') {
		refuse(c, 404, "Not Found", "not_found", "no such tenant");
		return;
	}
	if (db_ready(&s.db, s.a) != DB_OK ||
	    directory_lookup(&s.db, slug, NULL, &home) < 0 ||
	    db_sync(&s.db) != DB_OK) {
		db_finish(&s.db);
		refuse(c, 503, "Service Unavailable", "service_unavailable",
		       "the database is unavailable");
		return;
	}
	db_finish(&s.db);
	if (!home.known || (r = regions_find(home.home)) == NULL) {
		refuse(c, 404, "Not Found", "not_found", "no such tenant");
		return;
	}
	/* nginx sets X-Strata-Forwarded, and only from the edges' secret. */
	if (strcmp(r->name, cfg.region) == 0 ||
	    (header(c->head, "X-Strata-Forwarded", fwd, sizeof(fwd)) != NULL &&
	     strcmp(fwd, "1") == 0)) {
		refuse(c, 503, "Service Unavailable", "service_unavailable",
		       "this tenant is moving between regions; retry shortly");
		return;
	}
	hn = snprintf(head, sizeof(head),
	              "HTTP/1.1 200 OK\r\nX-Accel-Redirect: "
	              "@strata_region_stream_%s\r\nContent-Length: 0\r\n"
	              "Connection: close\r\n\r\n",
	              r->name);
	(void)!send(c->fd, head, (size_t)hn, MSG_NOSIGNAL);
	conn_close(c);
}

/* Authenticates a complete head; answers and closes on refusal. */
static void
start(struct conn *c)
{
	char raw[HOST_MAX + 8], host[HOST_MAX + 1], auth[TOKEN_MAX + 16];
	char lei[32], slug[SLUG_MAX + 1], ok[256];
	struct tenant *t = NULL;
	struct token_claims cl;
	struct user_principal_row row;
	const char *tok;
	int st, rc, hn;

	if ((st = request_line(c->head, c->collection)) != 0) {
		refuse(c, st, st == 405 ? "Method Not Allowed" : "Bad Request",
		       st == 405 ? "method_not_allowed" : "bad_request",
		       "GET /v1/events/stream[?collection=name]");
		return;
	}
	if (header(c->head, "Host", raw, sizeof(raw)) == NULL ||
	    host_normalize(raw, host, sizeof(host)) < 0 ||
	    host_classify(host, cfg.base_domain, slug) != HOST_TENANT) {
		refuse(c, 404, "Not Found", "not_found", "no such tenant");
		return;
	}
	if ((rc = tenants_resolve(&s.db, s.a, slug, &t)) == TENANT_NOT_FOUND) {
		elsewhere(c, slug);
		return;
	}
	if (rc != TENANT_FOUND || t == NULL) {
		refuse(c, 404, "Not Found", "not_found", "no such tenant");
		return;
	}
	tok = header(c->head, "Authorization", auth, sizeof(auth));
	if (tok == NULL || strncasecmp(tok, "Bearer ", 7) != 0 ||
	    (rc = verify(t, tok + 7, &cl)) == -1) {
		refuse(c, 401, "Unauthorized", "unauthorized",
		       "an access token of this tenant is required");
		return;
	}
	if (rc < 0 || principal(&t->id, cl.sub, cl.sid, &row) < 0) {
		refuse(c, 503, "Service Unavailable", "service_unavailable",
		       "the stream cannot start now");
		return;
	}
	if (!row.found || !row.active || row.session_revoked) {
		refuse(c, 401, "Unauthorized", "unauthorized",
		       "the session has ended");
		return;
	}
	if (!may_stream(&row)) {
		refuse(c, 403, "Forbidden", "forbidden",
		       "records:read is required");
		return;
	}
	c->tenant = t->id;
	memcpy(c->uid, cl.sub, sizeof(c->uid));
	memcpy(c->sid, cl.sid, sizeof(c->sid));
	c->exp = cl.exp;
	if (header(c->head, "Last-Event-ID", lei, sizeof(lei)) != NULL &&
	    strspn(lei, "0123456789") == strlen(lei) && lei[0] != '\0' &&
	    strlen(lei) < 19) {
		c->last = strtoll(lei, NULL, 10);
	} else {
		c->last =
		    db_ready(&s.db, s.a) == 0 ? events_head(&s.db, &t->id) : -1;
		db_finish(&s.db);
	}
	free(c->head);
	c->head = NULL;
	if (c->last < 0) {
		refuse(c, 503, "Service Unavailable", "service_unavailable",
		       "the stream cannot start now");
		return;
	}
	c->streaming = true;
	hn = snprintf(ok, sizeof(ok),
	              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	              "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n%s"
	              "Connection: close\r\n\r\nretry: 2000\n\n",
	              region_header());
	if (!put(c, ok, (size_t)hn) || !flush_out(c))
		conn_close(c);
}

static void
on_readable(struct conn *c)
{
	char buf[4096];
	ssize_t k;

	if (c->streaming) {
		/* Anything from a streaming client is the end of it. */
		k = recv(c->fd, buf, sizeof(buf), 0);
		if (k == 0 || (k < 0 && errno != EAGAIN))
			conn_close(c);
		return;
	}
	if (c->head_len == c->head_cap - 1 && c->head_cap < STREAM_HEAD_MAX) {
		c->head_cap *= 2;
		if ((c->head = realloc(c->head, c->head_cap)) == NULL)
			abort();
	}
	k = recv(c->fd, c->head + c->head_len, c->head_cap - 1 - c->head_len,
	         0);
	if (k < 0 && errno == EAGAIN)
		return;
	if (k <= 0) {
		conn_close(c);
		return;
	}
	c->head_len += (size_t)k;
	c->head[c->head_len] = '\0';
	if (strstr(c->head, "\r\n\r\n") != NULL) {
		if (db_ready(&s.db, s.a) == 0)
			start(c);
		else
			refuse(c, 503, "Service Unavailable",
			       "service_unavailable",
			       "the stream cannot start now");
		db_finish(&s.db);
	} else if (c->head_len >= STREAM_HEAD_MAX - 1)
		refuse(c, 431, "Request Header Fields Too Large", "bad_request",
		       "the request head is too large");
}

static void
on_accept(void)
{
	for (;;) {
		int fd = accept(s.lfd, NULL, NULL);
		struct conn *c;

		if (fd < 0)
			return;
		if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			close(fd);
			continue;
		}
		if (s.n == STREAM_MAX) {
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL ||
		    (c->head = malloc(STREAM_HEAD_FIRST)) == NULL)
			abort();
		c->head_cap = STREAM_HEAD_FIRST;
		c->fd = fd;
		c->index = s.n;
		s.conns[s.n++] = c;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
		                         .data.ptr = c};
		epoll_ctl(s.ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

/* Principals checked in this batch: one read per (user, session), however
 * many streams it holds. */
#define CHECKED_MAX 64
struct checked {
	int n;
	char key[CHECKED_MAX][2 * UUID_STR_LEN + 2];
	bool may[CHECKED_MAX];
};

/* May c's principal still receive events?  Read as the workers read it,
 * once per batch and principal. */
static bool
still_may(struct checked *k, const struct uuid *t, const struct conn *c)
{
	struct user_principal_row row;
	char key[2 * UUID_STR_LEN + 2];
	bool may;

	snprintf(key, sizeof(key), "%s/%s", c->uid, c->sid);
	for (int i = 0; i < k->n; i++)
		if (strcmp(k->key[i], key) == 0)
			return k->may[i];
	may = principal(t, c->uid, c->sid, &row) == 0 && may_stream(&row);
	if (k->n < CHECKED_MAX) {
		memcpy(k->key[k->n], key, sizeof(key));
		k->may[k->n++] = may;
	}
	return may;
}

/* Writes c the record events of evs after its position; false when its
 * output is over the cap. */
static bool
send_events(struct conn *c, const struct event_list *evs)
{
	char line[256];
	bool ok = true;

	for (int e = 0; e < evs->n && ok; e++) {
		const struct event_out *ev = &evs->items[e];
		int n;

		if (ev->seq <= c->last)
			continue;
		c->last = ev->seq;
		if (strcmp(ev->object_type, "record") != 0 ||
		    (c->collection[0] != '\0' &&
		     strcmp(c->collection, ev->collection) != 0))
			continue;
		n = snprintf(line, sizeof(line),
		             "id: %lld\nevent: %s\ndata: ", ev->seq, ev->type);
		ok = put(c, line, (size_t)n) &&
		     put(c, ev->body, strlen(ev->body)) && put(c, "\n\n", 2);
	}
	return ok;
}

/* Sends tenant t's events to its streams. */
static void
serve_tenant(const struct uuid *t, long long from)
{
	struct event_list evs;
	struct checked k = {0};
	long now = clock_real_s();

	if (db_ready(&s.db, s.a) < 0 ||
	    events_after(&s.db, t, from, STREAM_BATCH, &evs) <= 0) {
		db_finish(&s.db);
		return;
	}
	db_finish(&s.db);
	for (int i = s.n - 1; i >= 0; i--) {
		struct conn *c = s.conns[i];

		if (!c->streaming || !uuid_equal(&c->tenant, t) ||
		    evs.items[evs.n - 1].seq <= c->last)
			continue;
		/* Re-checked before each batch is sent. */
		if (now > c->exp || !still_may(&k, t, c) ||
		    !send_events(c, &evs) || !flush_out(c))
			conn_close(c);
	}
	arena_reset(s.a);
}

/* One tick: each streamed tenant once, from its streams' lowest
 * position; pings for quiet streams. */
static void
tick(void)
{
	struct uuid done[64];
	long long now = clock_mono_ms();

	int nd = 0;

	for (;;) {
		struct uuid t = {{0}};
		long long from = -1;
		bool found = false;

		/* The next tenant not served in this tick (64 per tick at
		 * most; the rest next time). */
		for (int i = 0; i < s.n && !found; i++) {
			bool seen = false;

			if (!s.conns[i]->streaming)
				continue;
			for (int j = 0; j < nd; j++)
				seen |=
				    uuid_equal(&done[j], &s.conns[i]->tenant);
			if (!seen) {
				t = s.conns[i]->tenant;
				found = true;
			}
		}
		if (!found)
			break;
		for (int i = 0; i < s.n; i++)
			if (s.conns[i]->streaming &&
			    uuid_equal(&s.conns[i]->tenant, &t) &&
			    (from < 0 || s.conns[i]->last < from))
				from = s.conns[i]->last;
		serve_tenant(&t, from);
		done[nd++] = t;
		if (nd == 64)
			break;
	}
	for (int i = s.n - 1; i >= 0; i--) {
		struct conn *c = s.conns[i];

		if (c->streaming && now - c->wrote_ms > STREAM_PING_MS &&
		    (!put(c, ": ping\n\n", 8) || !flush_out(c)))
			conn_close(c);
	}
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sa;
	struct rlimit rl;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Room for STREAM_MAX streams. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	unlink(path);
	s.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s.lfd < 0 || bind(s.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0660) < 0 || listen(s.lfd, 1024) < 0)
		return -1;
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	return s.ep < 0 || epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &ev) < 0 ? -1
	                                                                  : 0;
}

int
stream_main(void)
{
	struct epoll_event evs[256];
	long long next_tick = 0;

	server_child_signals();
	memset(&s, 0, sizeof(s));
	if (listen_on(cfg.stream_socket) < 0) {
		log_error("event stream cannot listen on %s: %s",
		          cfg.stream_socket, strerror(errno));
		return 1;
	}
	s.a = arena_new(ARENA_CHUNK, ARENA_CAP);
	/* JSON (a token's header) in the arena too, reset after each event:
	 * with cJSON's own malloc, and no cJSON_Delete in the token code,
	 * every stream opened leaked its header's parse. */
	json_use_arena(s.a);
	db_init(&s.db, cfg.database_url);
	s.db.statement_timeout_ms = cfg.statement_timeout_ms;
	/* The workers' allow-list covers all it does once listening (accept,
	 * epoll, socket reads and writes, libpq, clocks). */
	if (sandbox_enter((enum sandbox_mode)sandbox_mode(cfg.seccomp)) < 0) {
		arena_free(s.a);
		return 1;
	}
	log_info("event stream started on %s", cfg.stream_socket);
	while (!server_stopping) {
		long long now = clock_mono_ms();
		int n, wait = (int)(next_tick - now);

		n = epoll_wait(s.ep, evs, 256, wait > 0 ? wait : 0);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				on_accept();
			} else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
				conn_close(c);
			} else {
				if (evs[i].events & EPOLLOUT && !flush_out(c)) {
					conn_close(c);
					continue;
				}
				if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
					on_readable(c);
			}
			arena_reset(s.a);
		}
		if (clock_mono_ms() >= next_tick) {
			tick();
			next_tick = clock_mono_ms() + STREAM_TICK_MS;
		}
	}
	while (s.n > 0)
		conn_close(s.conns[0]);
	close(s.lfd);
	/* The socket file stays (unlink is not on the allow-list); the next
	 * start removes it before it binds. */
	db_close(&s.db);
	arena_free(s.a);
	log_info("event stream stopped");
	return 0;
}

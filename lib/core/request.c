/*
 * request.c - FastCGI parameters, query string and headers.
 */
#include "core/request.h"

#include <string.h>

#include "core/arena.h"
#include "core/hex.h"
#include "core/json.h"

const char *
request_env(const struct request *req, const char *name)
{
	size_t n = strlen(name);

	for (char **e = req->env; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* A copy in the arena: libfcgi frees its parameters when the response is
 * finished, before the access log line is written. */
static const char *
env_or_empty(const struct request *req, const char *name)
{
	const char *v = request_env(req, name);

	return v ? arena_strdup(req->arena, v) : "";
}

char *
request_unescape(struct arena *a, const char *s, size_t n, bool plus_space)
{
	char *out = arena_alloc(a, n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return NULL;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == '\0')
			return NULL;
		out[j++] = c;
	}
	out[j] = '\0';
	if (!json_utf8_valid(out, j))
		return NULL;
	return out;
}

int
request_parse_query(struct request *req)
{
	const char *q = req->query;

	req->nparams = 0;
	while (*q != '\0') {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);
		size_t klen = eq ? (size_t)(eq - q) : len;
		struct query_param *p;

		if (len > 0) {
			if (req->nparams == QUERY_MAX_PARAMS)
				return 400;
			p = &req->params[req->nparams];
			p->key = request_unescape(req->arena, q, klen, true);
			p->value = eq ? request_unescape(req->arena, eq + 1,
			                                 len - klen - 1, true)
			              : "";
			if (p->key == NULL || p->value == NULL)
				return 400;
			req->nparams++;
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return 0;
}

const char *
request_query(const struct request *req, const char *key)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].value;
	return NULL;
}

/* The path part of REQUEST_URI (nginx passes the raw, undecoded URI). */
static const char *
uri_path(struct arena *a, const char *uri)
{
	const char *qm = strchr(uri, '?');

	return qm ? arena_strndup(a, uri, (size_t)(qm - uri)) : uri;
}

int
request_parse(struct request *req, struct arena *a, char **env)
{
	const char *uri;

	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->env = env;
	req->route_index = -1;
	req->body = "";
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	response_init(&req->res, a);
	req->method = env_or_empty(req, "REQUEST_METHOD");
	req->query = env_or_empty(req, "QUERY_STRING");
	req->request_id = env_or_empty(req, "REQUEST_ID");
	req->client_addr = env_or_empty(req, "REMOTE_ADDR");
	req->content_type = env_or_empty(req, "CONTENT_TYPE");
	uri = env_or_empty(req, "REQUEST_URI");
	req->path = uri_path(a, uri);
	if (req->path[0] != '/' || strlen(req->path) > 2048)
		return 400;
	return request_parse_query(req);
}

double
request_elapsed_ms(const struct request *req)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - req->start.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - req->start.tv_nsec) / 1e6;
}

/*
 * response.c - response building and CGI serialisation.
 */
#include "core/response.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/request.h"

void
response_init(struct response *res, struct arena *a)
{
	memset(res, 0, sizeof(*res));
	res->status = 500;
	buf_init(&res->body, a, 256, 64 * 1024 * 1024);
}

void
response_header(struct request *req, const char *name, const char *value)
{
	struct response *res = &req->res;

	for (int i = 0; i < res->nheaders; i++) {
		if (strcasecmp(res->headers[i].name, name) == 0) {
			res->headers[i].value = value;
			return;
		}
	}
	if (res->nheaders == RESPONSE_MAX_HEADERS)
		return; /* a programming error; the table is sized generously */
	res->headers[res->nheaders].name = name;
	res->headers[res->nheaders].value = value;
	res->nheaders++;
}

void
response_header_remove(struct request *req, const char *name)
{
	struct response *res = &req->res;

	for (int i = 0; i < res->nheaders; i++) {
		if (strcasecmp(res->headers[i].name, name) == 0) {
			res->headers[i] = res->headers[--res->nheaders];
			return;
		}
	}
}

void
response_json_text(struct request *req, int status, const char *json)
{
	struct response *res = &req->res;

	res->status = status;
	res->streaming = false;
	res->body.len = 0;
	res->body.data[0] = '\0';
	if (json != NULL) {
		res->content_type = "application/json";
		buf_puts(&res->body, json);
	}
}

void
response_json(struct request *req, int status, const cJSON *o)
{
	response_json_text(req, status, o ? json_print(o) : NULL);
}

void
response_status(struct request *req, int status)
{
	response_json_text(req, status, NULL);
	req->res.content_type = NULL;
}

const char *
response_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 507:
		return "Insufficient Storage";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

void
response_stream(struct request *req, int status, const char *ctype)
{
	struct response *res = &req->res;

	res->status = status;
	res->content_type = ctype;
	res->body.len = 0;
	res->body.data[0] = '\0';
	/* A HEAD answer has no body to stream. */
	res->streaming = res->sink != NULL && strcmp(req->method, "HEAD") != 0;
}

/* Sends the head (once) and the body held so far. */
static int
flush(struct request *req)
{
	struct response *res = &req->res;
	struct buf head;

	if (!res->head_sent) {
		buf_init(&head, res->body.arena, 1024, 64 * 1024);
		if (response_head(req, &head) < 0 ||
		    res->sink(res->sink_ctx, head.data, head.len) < 0)
			return -1;
		res->head_sent = true;
	}
	if (res->body.len > 0 &&
	    res->sink(res->sink_ctx, res->body.data, res->body.len) < 0)
		return -1;
	res->body.len = 0;
	res->body.data[0] = '\0';
	return 0;
}

int
response_write(struct request *req, const char *data, size_t n)
{
	struct response *res = &req->res;

	if (buf_append(&res->body, data, n) < 0)
		return -1;
	if (res->streaming && res->body.len >= RESPONSE_FLUSH_AT)
		return flush(req);
	return 0;
}

/* "Name: value\r\n" */
static int
put_header(struct buf *out, const char *name, const char *value)
{
	int rc = buf_puts(out, name);

	rc |= buf_append(out, ": ", 2);
	rc |= buf_puts(out, value);
	rc |= buf_append(out, "\r\n", 2);
	return rc;
}

int
response_head(struct request *req, struct buf *out)
{
	struct response *res = &req->res;
	int rc = 0;

	rc |= buf_puts(out, "Status: ");
	rc |= buf_put_uint(out, (unsigned)res->status);
	rc |= buf_putc(out, ' ');
	rc |= buf_puts(out, response_reason(res->status));
	rc |= buf_append(out, "\r\n", 2);
	if (res->content_type != NULL)
		rc |= put_header(out, "Content-Type", res->content_type);
	/* nginx reads caching headers in order and lets a Cache-Control
	 * seen first veto X-Accel-Expires: it goes first. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < res->nheaders; i++) {
			bool accel = strcasecmp(res->headers[i].name,
			                        "X-Accel-Expires") == 0;

			if (accel != (pass == 0))
				continue;
			rc |= put_header(out, res->headers[i].name,
			                 res->headers[i].value);
		}
	}
	if (res->status != 204 && res->status != 304 && !res->streaming) {
		rc |= buf_puts(out, "Content-Length: ");
		rc |= buf_put_uint(out, res->body.len);
		rc |= buf_append(out, "\r\n", 2);
	}
	rc |= buf_puts(out, "\r\n");
	return rc < 0 ? -1 : 0;
}

int
response_serialize(struct request *req, struct buf *out, bool head_only)
{
	struct response *res = &req->res;
	int rc = 0;

	if (!res->head_sent)
		rc |= response_head(req, out);
	if (!head_only)
		rc |= buf_append(out, res->body.data, res->body.len);
	return rc < 0 ? -1 : 0;
}

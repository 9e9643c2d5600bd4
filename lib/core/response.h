/*
 * response.h - the response under construction: status, headers, body.
 */
#ifndef STRATA_CORE_RESPONSE_H
#define STRATA_CORE_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "core/buf.h"

#define RESPONSE_MAX_HEADERS 24

struct request;

struct header {
	const char *name;
	const char *value;
};

struct response {
	int status;
	const char *content_type;
	struct header headers[RESPONSE_MAX_HEADERS];
	int nheaders;
	struct buf body;
	bool cacheable; /* lets nginx's microcache keep it (X-Accel-Expires) */
	/* Streaming: the head and body so far go to sink once the body
	 * passes RESPONSE_FLUSH_AT, so memory is bounded by that, not by the
	 * answer.  Set by the worker; NULL where nothing streams (tests). */
	bool streaming;
	bool head_sent;
	int (*sink)(void *ctx, const char *data, size_t len);
	void *sink_ctx;
};

#define RESPONSE_FLUSH_AT (64 * 1024)

void response_init(struct response *res, struct arena *a);

/* Sets (replacing) a header; names are compared case-insensitively.
 * name and value must outlive the request (literals or arena strings). */
void response_header(struct request *req, const char *name, const char *value);

/* Drops header name from the response, if it is there. */
void response_header_remove(struct request *req, const char *name);

/* Sets status and a JSON body printed from o (NULL: no body). */
void response_json(struct request *req, int status, const cJSON *o);

/* Sets status and a body that is already JSON text. */
void response_json_text(struct request *req, int status, const char *json);

/* Starts a streamed answer of status and content type: the body is then
 * written with response_write() and sent as it grows (no Content-Length).
 * Nothing can change the status once the first chunk has left. */
void response_stream(struct request *req, int status, const char *ctype);

/* Appends n bytes to the body; a streamed answer sends what it holds once
 * it passes RESPONSE_FLUSH_AT.  Returns 0, or -1 when the client is gone
 * (the rest is dropped) or the body cap is reached. */
int response_write(struct request *req, const char *data, size_t n);

/* Serialises the head (status line and headers, and Content-Length unless
 * streaming) into out.  Returns 0 or -1. */
int response_head(struct request *req, struct buf *out);

/* Status only, no body (204, 202, ...). */
void response_status(struct request *req, int status);

/* The standard reason phrase for status ("Not Found"). */
const char *response_reason(int status);

/* Serialises the CGI response (Status line, headers, blank line, body) into
 * out; head_only drops the body (HEAD).  Returns 0 or -1 when out's cap is
 * reached. */
int response_serialize(struct request *req, struct buf *out, bool head_only);

#endif

/*
 * request.h - one HTTP request as the worker sees it, and everything that
 * lives for its duration.  `struct request *req` is passed to everything on
 * the request path; it owns the arena, the tenant, the principal and the
 * response.
 */
#ifndef STRATA_CORE_REQUEST_H
#define STRATA_CORE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cJSON.h>

#include "core/host.h"
#include "core/response.h"
#include "core/uuid.h"

#define BODY_MAX (1024 * 1024) /* API.md: body over 1 MiB -> 413 */
#define ROUTE_MAX_ARGS 4
#define QUERY_MAX_PARAMS 64

struct arena;
struct route;
struct db;
struct plan;

struct query_param {
	const char *key; /* percent-decoded */
	const char *value;
};

/* The resolved tenant of a tenant host (copied from the worker's cache). */
struct tenant {
	struct uuid id;
	char id_str[UUID_STR_LEN + 1];
	char slug[SLUG_MAX + 1];
	char name[201];
	char status[16]; /* active, suspended, deleted */
	long long config_version;
	char created_at[40];
	char plan[64];          /* the platform plan's name */
	long long plan_version; /* of that plan; 0 until a version row */
	char region[64];        /* recorded at signup (one region today) */
};

enum principal_kind {
	PRINCIPAL_NONE,
	PRINCIPAL_USER,     /* access token of a tenant user */
	PRINCIPAL_API_KEY,  /* stk_ key of a tenant */
	PRINCIPAL_OPERATOR, /* platform token on the apex */
};

struct principal {
	enum principal_kind kind;
	struct uuid id; /* user, key or operator id */
	char id_str[UUID_STR_LEN + 1];
	uint32_t perms;    /* permission bits (sec/rbac.h) */
	bool owner;        /* holds the built-in owner role */
	const char *roles; /* JSON array text of role names, users only */
	const char *email;
	const char *name;
	const char *token_jti;
	const char *sid;        /* session (refresh family) of a token */
	const char *act;        /* operator impersonating (RFC 8693 act) */
	const char *act_reason; /* that support session's reason, once read */
	unsigned char key_hash[32]; /* hash of a presented API key secret */
	/* An MFA enrolment token (api/mfa.h): no permission, and only the
	 * routes marked ROUTE_MFA_SETUP. */
	bool mfa_enrolment;
};

struct request {
	struct arena *arena;
	struct db *db;

	/* From the FastCGI parameters; never NULL once parsed ("" instead). */
	char **env;
	const char *method;
	const char *path; /* raw path, query removed */
	const char *query;
	const char *request_id;
	const char *client_addr;
	const char *content_type;
	const char *body; /* WORKER_BODY_TOO_LARGE when over BODY_MAX */
	size_t body_len;
	int early_status; /* 400 when the request could not be parsed */
	cJSON *json;      /* the parsed body, when there is one */
	struct query_param params[QUERY_MAX_PARAMS];
	int nparams;

	/* Routing. */
	const struct route *route;
	int route_index;
	const char *args[ROUTE_MAX_ARGS];
	int nargs;

	/* Tenancy. */
	enum host_kind host_kind;
	char host[HOST_MAX + 1];
	struct tenant *tenant; /* NULL on the apex */
	/* Multi-region: the home region this edge passes the request on to
	 * (api/forward.h), or NULL. */
	const char *forwarded_to;

	/* Authentication. */
	struct principal principal;
	bool tx_open; /* the tenant transaction is open on req->db */

	struct response res;

	/* The one error answer, written by the pipeline when a stage or the
	 * handler returns its status (api_fail). */
	struct {
		int status;
		const char *code;
		const char *detail;
		cJSON *errors;
		cJSON *members; /* more members of the problem object */
	} err;

	struct timespec start;
	double db_ms;
	int db_trips;
};

/* Prepares req for one request with the FastCGI parameters env (NULL-ended
 * "NAME=value" strings).  Returns 0, or an HTTP status (400) when the
 * request line cannot be served; req->res then holds nothing yet. */
int request_parse(struct request *req, struct arena *a, char **env);

/* The value of FastCGI parameter name ("HTTP_IF_MATCH", ...) or NULL. */
const char *request_env(const struct request *req, const char *name);

/* The first percent-decoded query value for key, or NULL. */
const char *request_query(const struct request *req, const char *key);

/* Decodes %XX and '+' (as space when plus_space) of s[0..n) into the arena.
 * Returns NULL on a malformed escape, a NUL byte or invalid UTF-8. */
char *request_unescape(struct arena *a, const char *s, size_t n,
                       bool plus_space);

/* Parses the query string into req->params.  Returns 0 or 400. */
int request_parse_query(struct request *req);

/* Milliseconds since the request started. */
double request_elapsed_ms(const struct request *req);

#endif

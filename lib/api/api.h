/*
 * api.h - what every handler shares: database round trips that answer
 * 503/500 by themselves, body checks, pagination, versions, origins.
 */
#ifndef STRATA_API_API_H
#define STRATA_API_API_H

#include <stdbool.h>

#include <cJSON.h>

#include "core/request.h"
#include "data/audit.h"
#include "data/tenants.h"

struct arena;
struct keyring;
struct tenant_settings;

#define API_LIMIT_DEFAULT 50
#define API_LIMIT_MAX 200

/* Queues an audit event of req's tenant, actor and request in the open
 * transaction (data/audit.h); the handle or -1. */
int api_audit(struct request *req, const char *action, const char *target_type,
              const char *target_id, enum audit_outcome outcome,
              const char *details);

/* Queues the outbox event of a write (data/events.h) into the write's
 * transaction, beside its audit event: both commit or neither.  object_id
 * and payload (a JSON object's text, no personal data in clear; NULL:
 * {"id": object_id}) as the event carries them; collection and version may be
 * NULL. */
int api_event(struct request *req, const char *type, const char *object_type,
              const char *object_id, const char *collection,
              const char *version, const char *payload);

/* The tenant's compiled settings and keyring, from this worker's caches
 * or loaded (in the request's open transaction, if any).  NULL when they
 * cannot be loaded (answer 503). */
const struct tenant_settings *api_settings(struct request *req);
const struct keyring *api_keyring(struct request *req);
/* The keyring again after a token named an unknown key id (at most once a
 * second per tenant). */
const struct keyring *api_keyring_reload(struct request *req);

/* Records the request's one error answer (the first one wins; the
 * pipeline writes it) and returns status, so a handler ends with
 * `return api_fail(req, 404, "not_found", "no such record");`.  detail is
 * a short factual sentence for the client (NULL: the title). */
int api_fail(struct request *req, int status, const char *code,
             const char *detail);

/* api_fail() with an "errors" array of {field, message} (arena-owned). */
int api_fail_errors(struct request *req, int status, const char *code,
                    const char *detail, cJSON *errors);

/* api_fail_errors() with more members of the problem object (a cJSON
 * object the request then owns), e.g. a login's {"challenge": ...}. */
int api_fail_members(struct request *req, int status, const char *code,
                     const char *detail, cJSON *members);

/* Opens the tenant transaction unless the auth stage left one open. */
void api_begin(struct request *req);

/* The body must be a JSON object whose keys are all in allowed (a NULL-
 * ended list).  Otherwise writes 400/422 and returns NULL. */
cJSON *api_object(struct request *req, const char *const *allowed);

/* A login body {"email", "password"} (both strings, nothing else).
 * Writes 400/422 and returns -1 otherwise. */
int api_credentials(struct request *req, const char **email,
                    const char **password);

/* ?limit= (1-200, default 50) into *limit.  Writes 400 and returns -1 when
 * it is not an integer in range. */
int api_limit(struct request *req, int *limit);

/* Opaque keyset cursors, bound to the tenant and a scope ("users", ...):
 * HMAC-signed so a tampered or foreign cursor is refused.  decode returns
 * the payload, NULL when absent (*bad = false) or invalid (*bad = true). */
const char *api_cursor_encode(struct request *req, const char *scope,
                              const char *payload);
const char *api_cursor_decode(struct request *req, const char *scope,
                              bool *bad);

/* The two halves without a request (aad is "<tenant id>|<scope>"): seal
 * returns the cursor text of payload, NULL when payload is too long or no
 * key is loaded; unseal returns the payload of cursor text c, NULL when c
 * is malformed, tampered with, sealed for another aad or holds a NUL.
 * Both results live in a. */
const char *api_cursor_seal(struct arena *a, const char *aad,
                            const char *payload);
const char *api_cursor_unseal(struct arena *a, const char *aad, const char *c);

/* A keyset page's arguments: the cursor's payload (NULL on the first
 * page), ?limit=, and limit + 1 as text (one more row tells whether a next
 * page exists). */
struct api_page {
	const char *after;
	int limit;
	char fetch[16];
};

/* Reads ?cursor= (of scope) and ?limit= into p.  Writes 400 and returns -1
 * when either is not valid. */
int api_page(struct request *req, const char *scope, struct api_page *p);

/* {"items":[...],"next_cursor":...|null} of n JSON texts json[i], at
 * most limit of them; more rows mean a next page whose cursor payload is
 * keys[limit - 1] (of scope).  For the typed lists of lib/data. */
void api_list_texts(struct request *req, int n, const char *const *json,
                    const char *const *keys, int limit, const char *scope);

/* A refusal about the input recorded ahead of authorization, held back
 * so that a caller who lacks the permission is told 403 first. */
struct api_deferred {
	int status;
	const char *code;
	const char *detail;
	cJSON *errors;
};

/* Moves the refusal recorded in req (api_fail, by a helper such as
 * api_object or api_page) into d and clears it from req.  Returns
 * d->status: 0 when there was none. */
int api_defer(struct request *req, struct api_deferred *d);

/* Records d's refusal (api_fail_errors) and returns its status, or 0 when
 * d holds none. */
int api_deferred(struct request *req, const struct api_deferred *d);

/* The tenant's origin: https://{slug}.{base}[:port] (token iss and aud). */
const char *api_origin(struct request *req);

/* The apex origin (platform tokens). */
const char *api_apex_origin(struct request *req);

/* Sets ETag to "version" (quoted). */
void api_etag(struct request *req, const char *version);

/* Checks If-Match against version.  Returns 0 when absent or equal;
 * writes 412 and returns -1 otherwise ("*" matches anything). */
int api_if_match(struct request *req, const char *version);

/* The If-Match version as text when present and well-formed ("\"12\"" or
 * "12"), "" when absent; NULL (and 412 written) when malformed. */
const char *api_if_match_version(struct request *req);

/* 201 with Location: path and the JSON body text. */
void api_created(struct request *req, const char *location, const char *json);

/* A uuid path argument, or NULL after writing 404 (malformed ids are
 * simply not found: the same answer as another tenant's id). */
const char *api_uuid_arg(struct request *req, int i);

#endif

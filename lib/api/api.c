/*
 * api.c - handler helpers.
 */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/problem.h"
#include "api/errors.h"
#include "data/db.h"
#include "data/settings.h"
#include "data/keyring.h"
#include "data/audit.h"
#include "data/events.h"
#include "data/tenants.h"
#include "sec/crypto.h"
#include "sec/masterkey.h"
#include "sec/secmem.h"

#define CURSOR_MAX 512

void
api_begin(struct request *req)
{
	if (!req->tx_open) {
		db_begin(req->db, &req->tenant->id);
		req->tx_open = true;
	}
}

static const char *
actor_type(const struct principal *p)
{
	switch (p->kind) {
	case PRINCIPAL_USER:
		return "user";
	case PRINCIPAL_API_KEY:
		return "api_key";
	case PRINCIPAL_OPERATOR:
		return "operator";
	default:
		return "anonymous";
	}
}

int
api_audit(struct request *req, const char *action, const char *target_type,
          const char *target_id, enum audit_outcome outcome,
          const char *details)
{
	struct audit_event e = {
	    .tenant_id = req->tenant->id_str,
	    .actor_type = actor_type(&req->principal),
	    .actor_id = req->principal.id_str,
	    .action = action,
	    .target_type = target_type,
	    .target_id = target_id,
	    .outcome = outcome,
	    .request_id = req->request_id,
	    .client_addr = req->client_addr,
	    .details = details,
	};

	return audit_queue_event(req->db, &e);
}

int
api_event(struct request *req, const char *type, const char *object_type,
          const char *object_id, const char *collection, const char *version,
          const char *payload)
{
	struct event_row e = {type,       object_type, object_id,
	                      collection, version,     payload};

	if (payload == NULL) {
		cJSON *o = cJSON_CreateObject();

		json_add_str(o, "id", object_id);
		e.payload = json_print(o);
	}
	return events_queue(req->db, req->tenant->id_str, &e);
}

const struct tenant_settings *
api_settings(struct request *req)
{
	return settings_for(req->db, req->tenant, req->tx_open);
}

const struct keyring *
api_keyring(struct request *req)
{
	return keyring_for(req->db, req->tenant, req->tx_open);
}

const struct keyring *
api_keyring_reload(struct request *req)
{
	return keyring_reload_for(req->db, req->tenant, req->tx_open);
}

int
api_fail(struct request *req, int status, const char *code, const char *detail)
{
	return api_fail_errors(req, status, code, detail, NULL);
}

int
api_fail_members(struct request *req, int status, const char *code,
                 const char *detail, cJSON *members)
{
	if (req->err.status == 0) {
		(void)api_fail_errors(req, status, code, detail, NULL);
		req->err.members = members;
	} else {
		cJSON_Delete(members);
	}
	return req->err.status;
}

int
api_fail_errors(struct request *req, int status, const char *code,
                const char *detail, cJSON *errors)
{
	/* The first failure is the one answered. */
	if (req->err.status == 0) {
		req->err.status = status;
		req->err.code = code;
		req->err.detail = detail;
		req->err.errors = errors;
	}
	return req->err.status;
}

cJSON *
api_object(struct request *req, const char *const *allowed)
{
	cJSON *errors = NULL, *item;

	if (req->json == NULL) {
		(void)api_fail(req, 400, "invalid_json",
		               "a JSON object is required");
		return NULL;
	}
	if (!cJSON_IsObject(req->json)) {
		(void)api_fail(req, 422, "validation_failed",
		               "the body must be a JSON object");
		return NULL;
	}
	cJSON_ArrayForEach(item, req->json)
	{
		bool known = false;

		for (const char *const *a = allowed; *a != NULL && !known; a++)
			known = strcmp(*a, item->string) == 0;
		if (!known)
			errors = json_add_field_error(errors, item->string,
			                              "is not a known field");
	}
	if (errors != NULL) {
		(void)api_fail_errors(
		    req, 422, "validation_failed",
		    "the body has fields that are not accepted", errors);
		return NULL;
	}
	return req->json;
}

int
api_credentials(struct request *req, const char **email, const char **password)
{
	static const char *const fields[] = {"email", "password", NULL};
	const cJSON *b = api_object(req, fields);

	if (b == NULL)
		return -1;
	*email = json_str(b, "email");
	*password = json_str(b, "password");
	if (*email == NULL || *password == NULL) {
		(void)api_fail_errors(
		    req, 422, "validation_failed",
		    "email and password are required",
		    json_add_field_error(NULL, *email ? "password" : "email",
		                         "is required"));
		return -1;
	}
	return 0;
}

int
api_limit(struct request *req, int *limit)
{
	const char *v = request_query(req, "limit");
	char *end;
	long n;

	*limit = API_LIMIT_DEFAULT;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 1 ||
	    n > API_LIMIT_MAX) {
		(void)api_fail(req, 400, "bad_request",
		               "limit must be an integer from 1 to 200");
		return -1;
	}
	*limit = (int)n;
	return 0;
}

int
api_page(struct request *req, const char *scope, struct api_page *p)
{
	bool bad;

	p->after = api_cursor_decode(req, scope, &bad);
	if (bad) {
		(void)api_fail(req, 400, "bad_request",
		               "the cursor is not valid");
		return -1;
	}
	if (api_limit(req, &p->limit) < 0)
		return -1;
	snprintf(p->fetch, sizeof(p->fetch), "%d", p->limit + 1);
	return 0;
}

/* Cursors are sealed (AES-256-GCM) with a key derived from the master
 * key, the tenant and scope as associated data: opaque to clients (a sort
 * value may be personal data), and any change, or use at another tenant or
 * in another query, fails to open. */
static const unsigned char *
cursor_key(void)
{
	static unsigned char *key; /* secmem: dontdump, process lifetime */
	static bool have_key;

	if (key == NULL)
		key = secmem_alloc(CRYPTO_KEY_LEN);
	if (key != NULL && !have_key &&
	    masterkey_derive("strata-cursor:v1", key) == 0)
		have_key = true;
	return have_key ? key : NULL;
}

static const char *
cursor_aad(struct request *req, const char *scope)
{
	return arena_printf(req->arena, "%s|%s",
	                    req->tenant ? req->tenant->id_str : "platform",
	                    scope);
}

const char *
api_cursor_seal(struct arena *a, const char *aad, const char *payload)
{
	const unsigned char *key = cursor_key();
	size_t n = strlen(payload), sealed = n + CRYPTO_SEAL_OVERHEAD;
	unsigned char *box = arena_alloc(a, sealed);
	char *out = arena_alloc(a, sealed / 3 * 4 + 8);

	if (key == NULL || n > CURSOR_MAX ||
	    crypto_seal(key, aad, strlen(aad), payload, n, box) < 0 ||
	    crypto_b64url_enc(box, sealed, out, sealed / 3 * 4 + 8) < 0)
		return NULL;
	return out;
}

const char *
api_cursor_unseal(struct arena *a, const char *aad, const char *c)
{
	const unsigned char *key = cursor_key();
	unsigned char *box;
	char *payload;
	size_t len = strlen(c);
	int n;

	if (key == NULL || len > CURSOR_MAX * 2)
		return NULL;
	box = arena_alloc(a, len);
	n = crypto_b64url_dec(c, len, box, len);
	if (n < CRYPTO_SEAL_OVERHEAD)
		return NULL;
	payload = arena_alloc(a, (size_t)n - CRYPTO_SEAL_OVERHEAD + 1);
	if (crypto_open(key, aad, strlen(aad), box, (size_t)n,
	                (unsigned char *)payload) < 0)
		return NULL;
	payload[n - CRYPTO_SEAL_OVERHEAD] = '\0';
	if (memchr(payload, '\0', (size_t)n - CRYPTO_SEAL_OVERHEAD) != NULL)
		return NULL;
	return payload;
}

const char *
api_cursor_encode(struct request *req, const char *scope, const char *payload)
{
	return api_cursor_seal(req->arena, cursor_aad(req, scope), payload);
}

const char *
api_cursor_decode(struct request *req, const char *scope, bool *bad)
{
	const char *c = request_query(req, "cursor");
	const char *payload;

	*bad = false;
	if (c == NULL || *c == '\0')
		return NULL;
	payload = api_cursor_unseal(req->arena, cursor_aad(req, scope), c);
	*bad = payload == NULL;
	return payload;
}

void
api_list_texts(struct request *req, int n, const char *const *json,
               const char *const *keys, int limit, const char *scope)
{
	int shown = n > limit ? limit : n;
	cJSON *o = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(o, "items");

	for (int i = 0; i < shown; i++)
		cJSON_AddItemToArray(items, cJSON_CreateRaw(json[i]));
	if (n > limit)
		json_add_str(o, "next_cursor",
		             api_cursor_encode(req, scope, keys[shown - 1]));
	else
		cJSON_AddNullToObject(o, "next_cursor");
	response_json(req, 200, o);
}

int
api_defer(struct request *req, struct api_deferred *d)
{
	d->status = req->err.status;
	d->code = req->err.code;
	d->detail = req->err.detail;
	d->errors = req->err.errors;
	memset(&req->err, 0, sizeof(req->err));
	return d->status;
}

int
api_deferred(struct request *req, const struct api_deferred *d)
{
	if (d->status == 0)
		return 0;
	return api_fail_errors(req, d->status, d->code, d->detail, d->errors);
}

static const char *
origin_of(struct request *req, const char *host)
{
	if (cfg.public_port == 443)
		return arena_printf(req->arena, "%s://%s", cfg.public_scheme,
		                    host);
	return arena_printf(req->arena, "%s://%s:%d", cfg.public_scheme, host,
	                    cfg.public_port);
}

const char *
api_origin(struct request *req)
{
	return origin_of(req, arena_printf(req->arena, "%s.%s",
	                                   req->tenant->slug, cfg.base_domain));
}

const char *
api_apex_origin(struct request *req)
{
	return origin_of(req, cfg.base_domain);
}

void
api_etag(struct request *req, const char *version)
{
	response_header(req, "ETag",
	                arena_printf(req->arena, "\"%s\"", version));
}

const char *
api_if_match_version(struct request *req)
{
	const char *v = request_env(req, "HTTP_IF_MATCH");
	size_t n;
	char *out;

	if (v == NULL)
		return "";
	if (strcmp(v, "*") == 0)
		return "*";
	if (strncmp(v, "W/", 2) == 0)
		v += 2;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n == 0 || n > 18 || strspn(v, "0123456789") < n) {
		(void)api_fail(req, 412, "precondition_failed",
		               "If-Match must name a version");
		return NULL;
	}
	out = arena_strndup(req->arena, v, n);
	return out;
}

int
api_if_match(struct request *req, const char *version)
{
	const char *want = api_if_match_version(req);

	if (want == NULL)
		return -1;
	if (*want == '\0' || strcmp(want, "*") == 0 ||
	    strcmp(want, version) == 0)
		return 0;
	(void)api_fail(req, 412, "precondition_failed",
	               "the resource has changed since that version");
	return -1;
}

void
api_created(struct request *req, const char *location, const char *json)
{
	response_json_text(req, 201, json);
	response_header(req, "Location", location);
}

const char *
api_uuid_arg(struct request *req, int i)
{
	if (i >= req->nargs || !uuid_valid(req->args[i])) {
		(void)api_fail(req, 404, "not_found", "no such resource");
		return NULL;
	}
	return req->args[i];
}

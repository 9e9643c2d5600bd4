/*
 * webhooks.c - webhook subscriptions, in the plan shape (api/plan.h).
 *
 * A refusal about the body is held until the plan has authorized the
 * route; writes are queued only after plan_run() said yes.  The secret is
 * sealed with the tenant's data key (sec/fieldcrypt.h, bound to the
 * webhook's id) before it is stored, shown once in the creating answer
 * and never again, and never written to a log or the audit trail.
 */
#include "api/webhooks.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/webhooks.h"
#include "sec/crypto.h"
#include "sec/fieldcrypt.h"
#include "sec/rbac.h"
#include "sec/webhook_addr.h"
#include "sec/webhook_sign.h"

#define EVENTS_MAX 32
#define EVENTS_LIT_MAX 1024

/* The event kinds and types a webhook may name ("<kind>.*" and "*" too). */
static const char *const event_types[] = {"record.created",  "record.updated",
                                          "record.deleted",  "user.created",
                                          "user.updated",    "user.deleted",
                                          "role.created",    "role.updated",
                                          "role.deleted",    "api_key.created",
                                          "api_key.revoked", "config.updated",
                                          "subject.erased",  NULL};

static bool
event_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (strcmp(s, "*") == 0)
		return true;
	for (int i = 0; event_types[i] != NULL; i++) {
		const char *dot = strchr(event_types[i], '.');

		if (strcmp(s, event_types[i]) == 0)
			return true;
		if (n >= 3 && strcmp(s + n - 2, ".*") == 0 &&
		    (size_t)(dot - event_types[i]) == n - 2 &&
		    strncmp(s, event_types[i], n - 2) == 0)
			return true;
	}
	return false;
}

/* events: 1 to EVENTS_MAX known names into the text[] literal *lit.
 * Returns 0 or 422. */
static int
read_events(struct request *req, const cJSON *v, const char **lit)
{
	char *out = arena_alloc(req->arena, EVENTS_LIT_MAX);
	size_t len = 1;
	const cJSON *e;
	int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;

	out[0] = '{';
	if (n < 1 || n > EVENTS_MAX)
		goto bad;
	cJSON_ArrayForEach(e, v)
	{
		size_t k;

		if (!cJSON_IsString(e) || !event_name_ok(e->valuestring))
			goto bad;
		k = strlen(e->valuestring);
		if (len + k + 2 >= EVENTS_LIT_MAX)
			goto bad;
		if (len > 1)
			out[len++] = ',';
		memcpy(out + len, e->valuestring, k);
		len += k;
	}
	out[len++] = '}';
	out[len] = '\0';
	*lit = out;
	return 0;
bad:
	return api_fail_errors(
	    req, 422, "validation_failed", "the webhook is not valid",
	    json_add_field_error(NULL, "events",
	                         "must list 1 to 32 event types (docs/api.md, "
	                         "\"Events\"), \"<kind>.*\" or \"*\""));
}

static int
read_url(struct request *req, const cJSON *v, const char **url)
{
	unsigned allow = 0;
	const char *why = "must be an http or https URL";

	(void)webhook_addr_parse_allow(cfg.webhook_allow, &allow);
	if (!cJSON_IsString(v) ||
	    webhook_addr_check_url(v->valuestring, allow, &why) < 0)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the webhook is not valid",
		                       json_add_field_error(NULL, "url", why));
	*url = v->valuestring;
	return 0;
}

/* The secret given (checked) or a new one, into out. */
static int
read_secret(struct request *req, const cJSON *v,
            char out[WEBHOOK_SIGN_SECRET_MAX])
{
	unsigned char key[WEBHOOK_SIGN_KEY_MAX];
	size_t n;

	if (v == NULL)
		return webhook_sign_secret_new(out) == 0
		           ? 0
		           : api_fail(req, 500, "internal_error",
		                      "an internal error occurred");
	if (!cJSON_IsString(v) || strncmp(v->valuestring, "whsec_", 6) != 0 ||
	    strlen(v->valuestring) >= WEBHOOK_SIGN_SECRET_MAX ||
	    webhook_sign_key(v->valuestring, key, &n) < 0)
		return api_fail_errors(
		    req, 422, "validation_failed", "the webhook is not valid",
		    json_add_field_error(NULL, "secret",
		                         "must be \"whsec_\" and the base64 of "
		                         "24 to 64 bytes"));
	crypto_wipe(key, sizeof(key));
	memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

/* secret sealed for webhook id under the tenant's current data key. */
static const char *
seal_secret(struct request *req, const char *id, const char *secret)
{
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *key =
	    k ? keyring_find(k, KEY_DATA, NULL) : NULL;
	struct uuid wid;
	struct field_aad ad = {&req->tenant->id, "webhooks", &wid, "secret"};
	const char *sealed;

	uuid_parse(id, &wid);
	sealed =
	    key ? fieldcrypt_seal(req->arena, key->key, &key->id, &ad, secret)
	        : NULL;
	if (sealed == NULL)
		(void)api_fail(req, 503, "service_unavailable",
		               "the tenant's keys cannot be read now");
	return sealed;
}

int
webhooks_index(struct request *req, struct plan *plan)
{
	struct webhook_list l = {0};
	int st;

	webhooks_list_all(req->db, req->tenant->id_str, &l);
	if ((st = plan_read(plan)) != 0)
		return st;
	api_list_texts(req, l.n, l.json, l.json, 100, "webhooks");
	return 0;
}

int
webhooks_show(struct request *req, struct plan *plan)
{
	struct webhook w = {0};
	int st;

	if (uuid_valid(req->args[0]))
		webhooks_get(req->db, req->tenant->id_str, req->args[0], &w);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (!w.found)
		return api_fail(req, 404, "not_found", "no such webhook");
	api_etag(req, arena_printf(req->arena, "%lld", w.version));
	response_json_text(req, 200, w.json);
	return 0;
}

/* The body of a create, checked after authorization into c. */
static int
read_create(struct request *req, const cJSON *b, struct webhook_change *c,
            char secret[WEBHOOK_SIGN_SECRET_MAX])
{
	int st;

	if ((st = read_url(req, cJSON_GetObjectItemCaseSensitive(b, "url"),
	                   &c->url)) != 0 ||
	    (st =
	         read_events(req, cJSON_GetObjectItemCaseSensitive(b, "events"),
	                     &c->events)) != 0)
		return st;
	return read_secret(req, cJSON_GetObjectItemCaseSensitive(b, "secret"),
	                   secret);
}

int
webhooks_create(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"url", "events", "secret", NULL};
	const cJSON *b = api_object(req, fields);
	char secret[WEBHOOK_SIGN_SECRET_MAX], id[UUID_STR_LEN + 1];
	struct webhook_change c = {0};
	struct api_deferred bad;
	struct webhook w;
	struct uuid u;
	long long count = 0;
	bool pii;
	int st;

	(void)api_defer(req, &bad);
	webhooks_count(req->db, req->tenant->id_str, &count);
	if ((st = plan_run(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	if ((st = read_create(req, b, &c, secret)) != 0)
		return st;
	if (count >= WEBHOOKS_MAX)
		return api_fail(req, 409, "conflict",
		                "a tenant has at most 20 webhooks");
	uuid_v7(&u);
	uuid_format(&u, id);
	c.secret = seal_secret(req, id, secret);
	if (c.secret == NULL) {
		crypto_wipe(secret, sizeof(secret));
		return req->err.status;
	}
	pii = rbac_allows(req->principal.perms, P_PII_READ);
	webhooks_insert(req->db, req->tenant->id_str, id, &c,
	                req->principal.kind == PRINCIPAL_USER ? "user"
	                                                      : "api_key",
	                req->principal.id_str, pii ? "true" : "false", &w);
	api_audit(req, "webhook.create", "webhook", id, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"events\":%s}",
	                       json_print(cJSON_GetObjectItem(b, "events"))));
	if ((st = plan_commit(plan)) != 0 || !w.found) {
		crypto_wipe(secret, sizeof(secret));
		return st ? st
		          : api_fail(req, 500, "internal_error",
		                     "the webhook was not read back");
	}
	/* The secret is shown this once. */
	api_created(req, arena_printf(req->arena, "/v1/webhooks/%s", id),
	            arena_printf(req->arena, "%.*s,\"secret\":\"%s\"}",
	                         (int)strlen(w.json) - 1, w.json, secret));
	crypto_wipe(secret, sizeof(secret));
	return 0;
}

/* The members of a PATCH body into c.  Returns 0 or 422. */
static int
read_patch(struct request *req, const cJSON *b, struct webhook_change *c,
           char secret[WEBHOOK_SIGN_SECRET_MAX])
{
	const cJSON *v;
	int st;

	if ((v = cJSON_GetObjectItemCaseSensitive(b, "url")) != NULL &&
	    (st = read_url(req, v, &c->url)) != 0)
		return st;
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "events")) != NULL &&
	    (st = read_events(req, v, &c->events)) != 0)
		return st;
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "enabled")) != NULL) {
		if (!cJSON_IsBool(v))
			return api_fail_errors(
			    req, 422, "validation_failed",
			    "the webhook is not valid",
			    json_add_field_error(NULL, "enabled",
			                         "must be true or false"));
		c->enabled = cJSON_IsTrue(v) ? "true" : "false";
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "secret")) != NULL) {
		if ((st = read_secret(req, v, secret)) != 0)
			return st;
		c->secret = secret; /* sealed by the caller */
	}
	return 0;
}

int
webhooks_patch(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"url", "events", "secret",
	                                     "enabled", NULL};
	const cJSON *b = api_object(req, fields);
	char secret[WEBHOOK_SIGN_SECRET_MAX] = "";
	struct webhook_change c = {0};
	struct api_deferred bad;
	struct webhook cur = {0}, after;
	int st;

	(void)api_defer(req, &bad);
	if (uuid_valid(req->args[0]))
		webhooks_get(req->db, req->tenant->id_str, req->args[0], &cur);
	if ((st = plan_run(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	if (!cur.found)
		return api_fail(req, 404, "not_found", "no such webhook");
	if (api_if_match(req, arena_printf(req->arena, "%lld", cur.version)) <
	    0)
		return req->err.status;
	if ((st = read_patch(req, b, &c, secret)) != 0)
		return st;
	if (c.secret != NULL &&
	    (c.secret = seal_secret(req, req->args[0], secret)) == NULL) {
		crypto_wipe(secret, sizeof(secret));
		return req->err.status;
	}
	crypto_wipe(secret, sizeof(secret));
	webhooks_update(req->db, req->tenant->id_str, req->args[0], &c, &after);
	api_audit(req, "webhook.update", "webhook", req->args[0], AUDIT_SUCCESS,
	          NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!after.found)
		return api_fail(req, 404, "not_found", "no such webhook");
	api_etag(req, arena_printf(req->arena, "%lld", after.version));
	response_json_text(req, 200, after.json);
	return 0;
}

int
webhooks_delete(struct request *req, struct plan *plan)
{
	struct webhook cur = {0};
	bool gone = false;
	int st;

	if (uuid_valid(req->args[0]))
		webhooks_get(req->db, req->tenant->id_str, req->args[0], &cur);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!cur.found)
		return api_fail(req, 404, "not_found", "no such webhook");
	webhooks_remove(req->db, req->tenant->id_str, req->args[0], &gone);
	api_audit(req, "webhook.delete", "webhook", req->args[0], AUDIT_SUCCESS,
	          NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

int
webhooks_delivery_list(struct request *req, struct plan *plan)
{
	struct delivery_list l = {0};
	struct webhook w = {0};
	struct api_page p = {0};
	struct api_deferred bad;
	const char **keys;
	int st;

	if (api_page(req, "deliveries", &p) == 0 && uuid_valid(req->args[0])) {
		webhooks_get(req->db, req->tenant->id_str, req->args[0], &w);
		webhooks_deliveries(req->db, req->tenant->id_str, req->args[0],
		                    p.after ? p.after : "", p.fetch, &l);
	}
	(void)api_defer(req, &bad);
	if ((st = plan_read(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	if (!w.found)
		return api_fail(req, 404, "not_found", "no such webhook");
	keys = arena_calloc(req->arena, (size_t)l.n + 1, sizeof(*keys));
	for (int i = 0; i < l.n; i++)
		keys[i] = arena_printf(req->arena, "%lld", l.seq[i]);
	api_list_texts(req, l.n, l.json, keys, p.limit, "deliveries");
	return 0;
}

int
webhooks_delivery_resend(struct request *req, struct plan *plan)
{
	struct webhook cur = {0}, d;
	int st;

	if (uuid_valid(req->args[0]))
		webhooks_get(req->db, req->tenant->id_str, req->args[0], &cur);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!cur.found || !uuid_valid(req->args[1]))
		return api_fail(req, 404, "not_found", "no such delivery");
	webhooks_redeliver(req->db, req->tenant->id_str, req->args[0],
	                   req->args[1], &d);
	api_audit(
	    req, "webhook.redeliver", "webhook", req->args[0], AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"delivery\":\"%s\"}", req->args[1]));
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!d.found)
		return api_fail(req, 404, "not_found", "no such delivery");
	response_json_text(req, 202, d.json);
	return 0;
}

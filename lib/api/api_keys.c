/*
 * api_keys.c - service-account keys.
 *
 * In the plan shape (api/plan.h).  A refusal about the body or the path is
 * held until the plan has authorized the route; writes are queued only
 * after plan_run() said yes.  A key never holds a permission its creator
 * lacks.
 */
#include "api/api_keys.h"

#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/response.h"
#include "core/timefmt.h"
#include "core/uuid.h"
#include "data/api_keys.h"
#include "data/audit.h"
#include "sec/crypto.h"
#include "sec/opaque.h"
#include "sec/rbac.h"

int
api_keys_list(struct request *req, struct plan *plan)
{
	struct api_key_list l = {0};
	int st;

	api_keys_list_all(req->db, req->tenant->id_str, &l);
	if ((st = plan_read(plan)) != 0)
		return st;
	api_list_texts(req, l.n, l.json, l.ids, 100000, "api_keys");
	return 0;
}

/* expires_at: an RFC 3339 time in the future. */
static bool
expiry_ok(const char *s)
{
	int64_t ms;

	return timefmt_parse(s, &ms) == 0 && ms > clock_real_ms();
}

/* The body's name, permissions (into *bits) and expiry; 0 or 422. */
static int
read_key(struct request *req, const cJSON *b, const char **name,
         const char **expires, uint32_t *bits)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(b, "expires_at");
	const char *bad = NULL;
	cJSON *errors = NULL;

	*name = json_str(b, "name");
	*expires = json_str(b, "expires_at");
	*bits = 0;
	if (*name == NULL || **name == '\0' || strlen(*name) > 200)
		errors = json_add_field_error(errors, "name",
		                              "must be 1-200 characters");
	if (rbac_parse(cJSON_GetObjectItemCaseSensitive(b, "permissions"), bits,
	               &bad) < 0)
		errors = json_add_field_error(errors, "permissions",
		                              "must be a list of known names");
	if ((*expires != NULL && !expiry_ok(*expires)) ||
	    (*expires == NULL && e != NULL && !cJSON_IsNull(e)))
		errors = json_add_field_error(
		    errors, "expires_at", "must be a future RFC 3339 UTC time");
	if (errors != NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the API key is not valid", errors);
	return 0;
}

/* The created key's object with its secret, shown this once. */
static const char *
key_answer(const struct api_key_row *k, const char *key)
{
	cJSON *o = cJSON_Parse(k->json);

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "key", key);
	return json_print(o);
}

int
api_keys_create(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"name", "permissions",
	                                     "expires_at", NULL};
	const cJSON *b = api_object(req, fields);
	const char *name, *expires, *json;
	char key[APIKEY_LEN + 1], id[UUID_STR_LEN + 1], hash[67], lit[512];
	unsigned char h32[32];
	struct api_deferred bad;
	struct api_key_row row;
	uint32_t bits;
	struct uuid u;
	int st;

	(void)api_defer(req, &bad);
	if ((st = plan_run(plan)) != 0 || (st = api_deferred(req, &bad)) != 0 ||
	    (st = read_key(req, b, &name, &expires, &bits)) != 0)
		return st;
	if (!rbac_may_grant(req->principal.perms, req->principal.owner, bits,
	                    false))
		return api_fail(
		    req, 403, "forbidden",
		    "a key cannot hold permissions you do not hold");
	uuid_v7(&u);
	uuid_format(&u, id);
	if (opaque_apikey_new(&u, key, h32) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot make a key");
	opaque_bytea(h32, hash);
	api_keys_insert(req->db, req->tenant->id_str, id, name, hash,
	                rbac_pg_array(bits, lit, sizeof(lit)),
	                req->principal.kind == PRINCIPAL_USER
	                    ? req->principal.id_str
	                    : NULL,
	                expires, &row);
	api_audit(req, "api_key.create", "api_key", id, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"permissions\":%s}",
	                       json_print(rbac_json(bits))));
	api_event(req, "api_key.created", "api_key", id, NULL, NULL, NULL);
	st = plan_commit(plan);
	json = st == 0 && row.found ? key_answer(&row, key) : NULL;
	crypto_wipe(key, sizeof(key));
	if (st != 0)
		return st;
	if (json == NULL)
		return api_fail(req, 500, "internal_error",
		                "the key was not read back");
	/* No Location: a key is listed, never read alone. */
	response_json_text(req, 201, json);
	return 0;
}

int
api_keys_delete(struct request *req, struct plan *plan)
{
	const char *id = req->args[0];
	bool id_ok = uuid_valid(id), live = false;
	int st;

	/* The key is locked while live, so the revocation below and its
	 * audit event happen once, or the answer is 404. */
	if (id_ok)
		api_keys_lock_live(req->db, req->tenant->id_str, id, &live);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!id_ok)
		return api_fail(req, 404, "not_found", "no such resource");
	if (!live)
		return api_fail(req, 404, "not_found", "no such API key");
	api_keys_queue_revoke(req->db, req->tenant->id_str, id);
	api_audit(req, "api_key.revoke", "api_key", id, AUDIT_SUCCESS, NULL);
	api_event(req, "api_key.revoked", "api_key", id, NULL, NULL, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

/*
 * api_keys.c - service-account keys.
 */
#include "api/api_keys.h"

#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/timefmt.h"
#include "data/api_keys.h"
#include "data/audit.h"
#include "data/db.h"
#include "sec/crypto.h"
#include "sec/opaque.h"
#include "sec/rbac.h"

void
api_keys_list(struct request *req)
{
	int h = api_keys_queue_list(req->db, req->tenant->id_str);

	if (api_commit(req) < 0)
		return;
	api_list(req, db_result(req->db, h), 1, 0, 100000, "api_keys");
}

/* expires_at: an RFC 3339 time in the future. */
static bool
expiry_ok(const char *s)
{
	int64_t ms;

	return timefmt_parse(s, &ms) == 0 && ms > clock_real_ms();
}

void
api_keys_create(struct request *req)
{
	static const char *const fields[] = {"name", "permissions",
	                                     "expires_at", NULL};
	const cJSON *b = api_object(req, fields);
	const char *name, *expires, *bad = NULL;
	char key[APIKEY_LEN + 1], id[UUID_STR_LEN + 1], hash[67], lit[512];
	unsigned char h32[32];
	cJSON *errors = NULL, *o;
	const char *json;
	uint32_t bits = 0;
	struct uuid u;
	int h;

	if (b == NULL)
		return;
	name = json_str(b, "name");
	expires = json_str(b, "expires_at");
	if (name == NULL || *name == '\0' || strlen(name) > 200)
		errors = problem_add_error(errors, "name",
		                           "must be 1-200 characters");
	if (rbac_parse(cJSON_GetObjectItemCaseSensitive(b, "permissions"),
	               &bits, &bad) < 0)
		errors = problem_add_error(errors, "permissions",
		                           "must be a list of known names");
	if ((expires != NULL && !expiry_ok(expires)) ||
	    (expires == NULL &&
	     cJSON_GetObjectItemCaseSensitive(b, "expires_at") != NULL &&
	     !cJSON_IsNull(cJSON_GetObjectItem(b, "expires_at"))))
		errors = problem_add_error(
		    errors, "expires_at", "must be a future RFC 3339 UTC time");
	if (errors != NULL) {
		problem_errors(req, 422, "validation_failed",
		               "the API key is not valid", errors);
		return;
	}
	if (!rbac_allows(req->principal.perms, bits)) {
		problem(req, 403, "forbidden",
		        "a key cannot hold permissions you do not hold");
		return;
	}
	uuid_v7(&u);
	uuid_format(&u, id);
	if (opaque_apikey_new(&u, key, h32) < 0) {
		problem(req, 500, "internal_error", "cannot make a key");
		return;
	}
	opaque_bytea(h32, hash);
	h = api_keys_queue_insert(req->db, req->tenant->id_str, id, name, hash,
	                          rbac_pg_array(bits, lit, sizeof(lit)),
	                          req->principal.kind == PRINCIPAL_USER
	                              ? req->principal.id_str
	                              : NULL,
	                          expires);
	audit_queue(req, "api_key.create", "api_key", id, AUDIT_SUCCESS,
	            arena_printf(req->arena, "{\"permissions\":%s}",
	                         json_print(rbac_json(bits))));
	if (api_commit(req) < 0) {
		crypto_wipe(key, sizeof(key));
		return;
	}
	o = cJSON_Parse(db_value(db_result(req->db, h), 0, 0));
	cJSON_AddStringToObject(o, "key", key);
	crypto_wipe(key, sizeof(key));
	json = json_print(o);
	/* No Location: a key is listed, never read alone. */
	response_json_text(req, 201, json);
}

void
api_keys_delete(struct request *req)
{
	const char *id = api_uuid_arg(req, 0);
	int h;

	if (id == NULL)
		return;
	h = api_keys_queue_revoke(req->db, req->tenant->id_str, id);
	audit_queue(req, "api_key.revoke", "api_key", id, AUDIT_SUCCESS, NULL);
	if (api_sync(req) < 0)
		return;
	if (PQntuples(db_result(req->db, h)) != 1) {
		problem(req, 404, "not_found", "no such API key");
		return;
	}
	if (api_commit(req) < 0)
		return;
	response_status(req, 204);
}

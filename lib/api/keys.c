/*
 * keys.c - key rotation.
 */
#include "api/keys.h"

#include "api/api.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/keyring.h"

void
keys_rotate(struct request *req)
{
	struct uuid ids[3];
	char s[3][UUID_STR_LEN + 1];
	cJSON *o;

	if (keyring_queue_rotate(req->db, &req->tenant->id, ids) < 0) {
		problem(req, 500, "internal_error", "cannot make new keys");
		return;
	}
	for (int i = 0; i < 3; i++)
		uuid_format(&ids[i], s[i]);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "signing_key_id", s[0]);
	cJSON_AddStringToObject(o, "data_key_id", s[1]);
	cJSON_AddStringToObject(o, "index_key_id", s[2]);
	audit_queue(req, "keys.rotate", "tenant", req->tenant->id_str,
	            AUDIT_SUCCESS, json_print(o));
	if (api_commit(req) < 0)
		return;
	keyring_clear();
	response_json(req, 200, o);
}

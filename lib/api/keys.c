/*
 * keys.c - key rotation.
 */
#include "api/keys.h"

#include "api/api.h"
#include "api/plan.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "data/audit.h"
#include "data/keyring.h"

/* Two trips: the principal, then the new keys, the keyring_version bump
 * and the audit event.  Only this tenant's cached keyring goes stale: by
 * the version row of the next request on every worker (and the keys:
 * notification); other tenants' keyrings stay. */
int
keys_rotate(struct request *req, struct plan *plan)
{
	struct uuid ids[3];
	char s[3][UUID_STR_LEN + 1];
	cJSON *o;
	int st;

	if ((st = plan_run(plan)) != 0)
		return st;
	if (keyring_queue_rotate(req->db, &req->tenant->id, ids) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot make new keys");
	for (int i = 0; i < 3; i++)
		uuid_format(&ids[i], s[i]);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "signing_key_id", s[0]);
	cJSON_AddStringToObject(o, "data_key_id", s[1]);
	cJSON_AddStringToObject(o, "index_key_id", s[2]);
	api_audit(req, "keys.rotate", "tenant", req->tenant->id_str,
	          AUDIT_SUCCESS, json_print(o));
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_json(req, 200, o);
	return 0;
}

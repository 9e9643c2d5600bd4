/*
 * recovery.c - password reset and verified-domain joining
 * (api/recovery.h).
 */
#include "api/recovery.h"

#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "api/mail.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/email.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "core/uuid.h"
#include "data/joins.h"
#include "data/resets.h"
#include "data/sessions.h"
#include "data/settings.h"
#include "data/users.h"
#include "sec/crypto.h"

/* The body's "email", normalised, or NULL after recording 400/422. */
static const char *
read_email(struct request *req)
{
	static const char *const fields[] = {"email", NULL};
	const cJSON *b = api_object(req, fields);
	const char *norm;

	if (b == NULL)
		return NULL;
	norm = email_norm(req->arena, json_str(b, "email"));
	if (norm == NULL)
		api_fail_errors(
		    req, 422, "validation_failed", "the address is not valid",
		    json_add_field_error(NULL, "email",
		                         "must be an e-mail address"));
	return norm;
}

/* What forgot and join both need before their writes: the settings and
 * the keys (each may cost a read), a new link and a new row id. */
static int
prepare(struct request *req, const char *prefix, struct mail_link *l,
        char id[UUID_STR_LEN + 1])
{
	struct uuid u;

	if (api_settings(req) == NULL || api_keyring(req) == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's settings are unavailable");
	uuid_v7(&u);
	uuid_format(&u, id);
	return mail_link_new(req, prefix, l);
}

static int
accepted(struct request *req, struct plan *plan, int st)
{
	if (st == 0)
		st = plan_commit(plan);
	if (st != 0)
		return st;
	response_status(req, 202);
	return 0;
}

int
recovery_forgot(struct request *req, struct plan *plan)
{
	const char *norm = read_email(req);
	char id[UUID_STR_LEN + 1];
	struct mail_link l;
	int st;

	if (norm == NULL)
		return plan_refuse(plan, req->err.status);
	if ((st = plan_run(plan)) != 0 ||
	    (st = prepare(req, "spr_", &l, id)) != 0)
		return st;
	resets_queue_request(req->db, req->tenant->id_str, id, norm, l.hash);
	st = mail_queue(req, "password_reset", norm,
	                "/console/#/password/reset?token=", &l,
	                arena_strdup(req->arena, id), "{\"valid_hours\":1}");
	crypto_wipe(l.token, sizeof(l.token));
	return accepted(req, plan, st);
}

/* A reset's or a join's link from body b: its hash, or the status. */
static const cJSON *
link_body(struct request *req, const char *const *fields, const char *prefix,
          char hash[67], int *st)
{
	const cJSON *b = api_object(req, fields);

	*st =
	    b == NULL ? req->err.status : mail_link_hash(req, b, prefix, hash);
	return *st == 0 ? b : NULL;
}

int
recovery_reset(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"token", "password", NULL};
	const char *tid = req->tenant->id_str;
	char hash[67], pw[PASSWORD_HASH_MAX];
	struct reset_claim c;
	const cJSON *b;
	int st;

	if ((b = link_body(req, fields, "spr_", hash, &st)) == NULL)
		return plan_refuse(plan, st);
	resets_claim(req->db, tid, hash, &c);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!c.found || !c.user_active)
		return mail_link_invalid(req);
	if (c.spent || c.expired)
		return mail_link_gone(req);
	if ((st = mail_new_password(req, b, c.email, false, pw)) != 0)
		return st;
	mail_act_as(req, c.uid);
	users_queue_update(req->db, tid, c.uid, NULL, NULL, pw);
	resets_queue_spend(req->db, tid, c.uid);
	/* Every session ends: refresh tokens revoked and the auth epoch
	 * bumped, so every worker refuses the user's access tokens. */
	sessions_queue_revoke_user(req->db, tid, c.uid);
	sessions_queue_clear_failures(req->db, tid,
	                              email_norm(req->arena, c.email));
	api_audit(req, "auth.password_reset", "user", c.uid, AUDIT_SUCCESS,
	          NULL);
	api_event(req, "user.updated", "user", c.uid, NULL, NULL, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

/* true when the tenant's settings list domain as a join domain. */
static bool
join_listed(const struct tenant_settings *s, const char *domain)
{
	for (int i = 0; s != NULL && i < s->njoin_domains; i++)
		if (strcmp(s->join_domains[i], domain) == 0)
			return true;
	return false;
}

int
recovery_join(struct request *req, struct plan *plan)
{
	const char *norm = read_email(req), *domain;
	char id[UUID_STR_LEN + 1];
	struct mail_link l;
	int st;

	if (norm == NULL)
		return plan_refuse(plan, req->err.status);
	domain = strchr(norm, '@') + 1;
	if ((st = plan_run(plan)) != 0 ||
	    (st = prepare(req, "sjn_", &l, id)) != 0)
		return st;
	joins_queue_request(req->db, req->tenant->id_str, id, norm, norm,
	                    domain, l.hash,
	                    join_listed(api_settings(req), domain) ? "t" : "f");
	st = mail_queue(req, "join", norm, "/console/#/join/accept?token=", &l,
	                arena_strdup(req->arena, id), "{\"valid_hours\":24}");
	crypto_wipe(l.token, sizeof(l.token));
	return accepted(req, plan, st);
}

/* Queues the new user of join claim c with the join role. */
static void
queue_member(struct request *req, const struct join_claim *c, const char *uid,
             const char *pw, const char *name, const char *role)
{
	const char *tid = req->tenant->id_str;
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "domain", c->domain);
	cJSON_AddStringToObject(d, "role", role);
	joins_queue_spend(req->db, tid, c->id, uid);
	users_queue_insert(req->db, tid, uid, c->email, c->email_norm,
	                   name ? name : "", pw);
	users_queue_set_roles(req->db, tid, uid,
	                      arena_printf(req->arena, "{%s}", role));
	api_audit(req, "auth.join", "user", uid, AUDIT_SUCCESS, json_print(d));
	api_event(req, "user.created", "user", uid, NULL, NULL, NULL);
}

int
recovery_join_accept(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"token", "password", "name", NULL};
	const struct tenant_settings *s;
	char hash[67], pw[PASSWORD_HASH_MAX], uid[UUID_STR_LEN + 1];
	struct join_claim c;
	const cJSON *b;
	const char *roles;
	cJSON *o = NULL;
	struct uuid u;
	int st;

	if ((b = link_body(req, fields, "sjn_", hash, &st)) == NULL)
		return plan_refuse(plan, st);
	joins_claim(req->db, req->tenant->id_str, hash, &c);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!c.found)
		return mail_link_invalid(req);
	s = api_settings(req);
	/* The domain must still be listed and verified. */
	if (c.spent || c.expired || !c.verified || !join_listed(s, c.domain))
		return mail_link_gone(req);
	if ((st = mail_new_password(req, b, c.email, true, pw)) != 0)
		return st;
	if (api_keyring(req) == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's keys are unavailable");
	uuid_v7(&u);
	uuid_format(&u, uid);
	mail_act_as(req, uid);
	queue_member(req, &c, uid, pw, json_str(b, "name"), s->join_role);
	roles = arena_printf(req->arena, "{%s}", s->join_role);
	if (mail_must_enrol(req, roles))
		return mail_enrol_first(req, plan, uid, c.email_norm, roles);
	if ((st = mail_sign_in(req, uid, &o)) != 0)
		return st;
	if ((st = plan_commit(plan)) != 0) {
		if (st == 409)
			req->err.detail = "a user with this e-mail exists";
		return st;
	}
	response_json(req, 200, o);
	return 0;
}

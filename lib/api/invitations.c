/*
 * invitations.c - /v1/invitations (api/invitations.h), in the plan shape
 * (api/plan.h): refusals about the body are held until the route is
 * authorized.
 */
#include "api/invitations.h"

#include <stdio.h>
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
#include "data/invitations.h"
#include "data/pgarray.h"
#include "data/settings.h"
#include "data/users.h"
#include "sec/crypto.h"
#include "sec/rbac.h"

#define ROLES_MAX 32

struct invite_input {
	const char *email, *norm;
	const char *roles; /* text[] literal, NULL when not valid */
	int nroles;
	bool wants_owner;
};

static bool
role_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 63 && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The body into in; the errors of every member that is not valid. */
static cJSON *
read_input(struct request *req, const cJSON *b, struct invite_input *in)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "roles"), *r;
	const cJSON *list;
	cJSON *errors = NULL;
	bool ok;

	memset(in, 0, sizeof(*in));
	in->email = json_str(b, "email");
	in->norm = email_norm(req->arena, in->email);
	if (in->norm == NULL)
		errors = json_add_field_error(errors, "email",
		                              "must be an e-mail address");
	ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) >= 1 &&
	     cJSON_GetArraySize(v) <= ROLES_MAX;
	list = ok ? v : NULL;
	cJSON_ArrayForEach(r, list)
	{
		ok = ok && cJSON_IsString(r) && role_name_ok(r->valuestring);
		if (ok && strcmp(r->valuestring, "owner") == 0)
			in->wants_owner = true;
	}
	in->roles = ok ? pgarray_from_json(req->arena, v) : NULL;
	in->nroles = ok ? cJSON_GetArraySize(v) : 0;
	if (in->roles == NULL)
		errors = json_add_field_error(
		    errors, "roles", "must be a list of 1 to 32 role names");
	return errors;
}

/* The roles must exist and grant nothing the inviter lacks; only an owner
 * invites an owner.  The address must be free. */
static int
check_invite(struct request *req, const struct invite_input *in,
             const struct user_role_grant *g, const struct invitation_email *e)
{
	if (g->found != in->nroles)
		return api_fail_errors(req, 422, "validation_failed",
		                       "a role does not exist",
		                       json_add_field_error(NULL, "roles",
		                                            "names a role that "
		                                            "does not exist"));
	if (!rbac_may_grant(req->principal.perms, req->principal.owner,
	                    rbac_parse_pg_array(g->permissions),
	                    in->wants_owner))
		return api_fail(req, 403, "forbidden",
		                "you cannot invite into roles granting "
		                "permissions you do not hold");
	if (e->user_exists)
		return api_fail(req, 409, "conflict",
		                "a user with this e-mail exists");
	if (e->pending)
		return api_fail(req, 409, "conflict",
		                "an invitation to this e-mail is pending");
	return 0;
}

/* Queues the invitation, its mail and its audit event. */
static int
queue_invite(struct request *req, const struct invite_input *in, const char *id,
             struct invitation *inv)
{
	const struct tenant_settings *s = api_settings(req);
	const char *tid = req->tenant->id_str;
	const char *inviter = req->principal.kind == PRINCIPAL_USER
	                          ? req->principal.id_str
	                          : NULL;
	struct mail_link l;
	char ttl[16];
	int st;

	if (s == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's settings are unavailable");
	if ((st = mail_link_new(req, "sin_", &l)) != 0)
		return st;
	snprintf(ttl, sizeof(ttl), "%d", s->invitation_ttl);
	/* The keyring first: it may cost a read no write should ride. */
	if (api_keyring(req) == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's keys are unavailable");
	invitations_queue_insert(req->db, tid, id, in->email, in->norm,
	                         in->roles, l.hash,
	                         arena_strdup(req->arena, ttl), inviter, inv);
	st = mail_queue(req, "invitation", in->norm,
	                "/console/#/invitations/accept?token=", &l, id,
	                arena_printf(req->arena, "{\"valid_hours\":%d}",
	                             (s->invitation_ttl + 3599) / 3600));
	crypto_wipe(l.token, sizeof(l.token));
	if (st != 0)
		return st;
	api_audit(
	    req, "invitation.create", "invitation", id, AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"roles\":%s}",
	                 json_print(cJSON_GetObjectItem(req->json, "roles"))));
	return 0;
}

int
invitations_create(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"email", "roles", NULL};
	const cJSON *b = api_object(req, fields);
	struct user_role_grant grant = {0};
	struct invitation_email email = {0};
	struct invitation inv = {0};
	struct api_deferred bad;
	struct invite_input in = {0};
	char id[UUID_STR_LEN + 1];
	cJSON *errors = NULL;
	struct uuid u;
	int st;

	if (b != NULL && (errors = read_input(req, b, &in)) == NULL) {
		users_roles_grant(req->db, req->tenant->id_str, in.roles,
		                  &grant);
		invitations_email_state(req->db, req->tenant->id_str, in.norm,
		                        &email);
	}
	(void)api_defer(req, &bad);
	if ((st = plan_run(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	if (errors != NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the invitation is not valid", errors);
	if ((st = check_invite(req, &in, &grant, &email)) != 0)
		return st;
	uuid_v7(&u);
	uuid_format(&u, id);
	if ((st = queue_invite(req, &in, id, &inv)) != 0)
		return st;
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!inv.found)
		return api_fail(req, 500, "internal_error",
		                "the invitation was not read back");
	api_created(req, arena_printf(req->arena, "/v1/invitations/%s", id),
	            inv.json);
	return 0;
}

int
invitations_index(struct request *req, struct plan *plan)
{
	struct invitation_page page = {0};
	struct api_page p = {0};
	struct api_deferred bad;
	int st;

	if (api_page(req, "invitations", &p) == 0)
		invitations_list_page(req->db, req->tenant->id_str, p.after,
		                      p.fetch, &page);
	(void)api_defer(req, &bad);
	if ((st = plan_read(plan)) != 0 || (st = api_deferred(req, &bad)) != 0)
		return st;
	api_list_texts(req, page.n, page.json, page.ids, p.limit,
	               "invitations");
	return 0;
}

int
invitations_revoke(struct request *req, struct plan *plan)
{
	const char *id = req->args[0];
	bool id_ok = uuid_valid(id);
	struct invitation inv = {0};
	int st;

	if (id_ok)
		invitations_get_locked(req->db, req->tenant->id_str, id, &inv);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!inv.found)
		return api_fail(req, 404, "not_found", "no such invitation");
	if (!inv.pending)
		return api_fail(req, 409, "conflict",
		                "the invitation is no longer pending");
	invitations_queue_revoke(req->db, req->tenant->id_str, id);
	api_audit(req, "invitation.revoke", "invitation", id, AUDIT_SUCCESS,
	          NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

/* Queues the new user of claim c (password hash pw, name) and the
 * invitation's spending. */
static void
queue_user(struct request *req, const struct invitation_claim *c,
           const char *uid, const char *pw, const char *name)
{
	const char *tid = req->tenant->id_str;

	invitations_queue_accept(req->db, tid, c->id, uid);
	users_queue_insert(req->db, tid, uid, c->email, c->email_norm,
	                   name ? name : "", pw);
	users_queue_set_roles(req->db, tid, uid, c->roles);
	api_audit(req, "invitation.accept", "invitation", c->id, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"user_id\":\"%s\"}", uid));
	api_event(req, "user.created", "user", uid, NULL, NULL, NULL);
}

int
invitations_accept(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"token", "password", "name", NULL};
	const cJSON *b = api_object(req, fields);
	struct invitation_claim c;
	char hash[67], pw[PASSWORD_HASH_MAX], uid[UUID_STR_LEN + 1];
	cJSON *o = NULL;
	struct uuid u;
	int st;

	if (b == NULL)
		return plan_refuse(plan, req->err.status);
	if ((st = mail_link_hash(req, b, "sin_", hash)) != 0)
		return plan_refuse(plan, st);
	invitations_claim(req->db, req->tenant->id_str, hash, &c);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!c.found)
		return mail_link_invalid(req);
	if (c.spent || c.expired)
		return mail_link_gone(req);
	if ((st = mail_new_password(req, b, c.email, true, pw)) != 0)
		return st;
	uuid_v7(&u);
	uuid_format(&u, uid);
	/* The keys first: they may cost a read no write should ride; the
	 * session's row follows its user's. */
	if (api_keyring(req) == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's keys are unavailable");
	mail_act_as(req, uid);
	queue_user(req, &c, uid, pw, json_str(b, "name"));
	if (mail_must_enrol(req, c.roles))
		return mail_enrol_first(req, plan, uid, c.email_norm, c.roles);
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

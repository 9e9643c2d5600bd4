/*
 * mail.c - the mailed links' shared steps (api/mail.h).
 */
#include "api/mail.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/mfa.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "core/request.h"
#include "core/uuid.h"
#include "data/keyring.h"
#include "data/mfa.h"
#include "data/outbox.h"
#include "data/settings.h"
#include "sec/crypto.h"
#include "sec/fieldcrypt.h"
#include "sec/password.h"

int
mail_link_new(struct request *req, const char *prefix, struct mail_link *l)
{
	unsigned char h[32];

	if (opaque_link_new(prefix, l->token, h) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot make a link");
	opaque_bytea(h, l->hash);
	return 0;
}

int
mail_link_hash(struct request *req, const cJSON *b, const char *prefix,
               char hash[67])
{
	unsigned char h[32];

	if (opaque_link_hash(prefix, json_str(b, "token"), h) < 0)
		return mail_link_invalid(req);
	opaque_bytea(h, hash);
	return 0;
}

int
mail_link_gone(struct request *req)
{
	return api_fail(req, 410, "gone",
	                "the link was used or revoked, or has expired");
}

int
mail_link_invalid(struct request *req)
{
	return api_fail(req, 400, "invalid_token", "the link is not valid");
}

int
mail_queue(struct request *req, const char *kind, const char *to,
           const char *path, const struct mail_link *l, const char *cause,
           const char *params)
{
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *key =
	    k ? keyring_find(k, KEY_DATA, NULL) : NULL;
	struct outbox_mail m = {0};
	char id[UUID_STR_LEN + 1];
	struct field_aad ad;
	struct uuid u;
	char *json;

	if (key == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's keys are unavailable");
	uuid_v7(&u);
	uuid_format(&u, id);
	ad = (struct field_aad){&req->tenant->id, "mail_outbox", &u, "link"};
	json = arena_printf(req->arena, "\"%s\"", l->token);
	m.sealed_link =
	    fieldcrypt_seal(req->arena, key->key, &key->id, &ad, json);
	crypto_wipe(json, strlen(json));
	if (m.sealed_link == NULL)
		return api_fail(req, 500, "internal_error",
		                "cannot seal the link");
	m.id = arena_strdup(req->arena, id);
	m.kind = kind;
	m.to = to;
	m.params = params ? params : "{}";
	m.link_base = arena_printf(req->arena, "%s%s", api_origin(req), path);
	m.cause = cause;
	outbox_queue(req->db, req->tenant->id_str, &m);
	return 0;
}

int
mail_new_password(struct request *req, const cJSON *b, const char *email,
                  bool name_required, char hash[PASSWORD_HASH_MAX])
{
	const struct tenant_settings *s = api_settings(req);
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(b, "password");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "name");
	const char *nm = json_str(b, "name");
	cJSON *errors = NULL;
	const char *why;

	if (s == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's settings are unavailable");
	why = cJSON_IsString(pw)
	          ? password_policy(pw->valuestring, email, s->password_min)
	          : "must be a string";
	if (why != NULL)
		errors = json_add_field_error(errors, "password", why);
	if ((name != NULL || name_required) && (nm == NULL || strlen(nm) > 200))
		errors = json_add_field_error(
		    errors, "name",
		    "must be a string of at most 200 characters");
	if (errors != NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the account is not valid", errors);
	if (password_hash(pw->valuestring, cfg.scrypt_log2n, hash) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot hash the password");
	return 0;
}

void
mail_act_as(struct request *req, const char *uid)
{
	req->principal.kind = PRINCIPAL_USER;
	uuid_parse(uid, &req->principal.id);
	snprintf(req->principal.id_str, sizeof(req->principal.id_str), "%s",
	         uid);
}

int
mail_sign_in(struct request *req, const char *uid, cJSON **out)
{
	mail_act_as(req, uid);
	return auth_new_session(req, uid, out);
}

/* Whether the text[] literal roles ({a,b}: role names need no quotes)
 * names owner or admin. */
static bool
names_admin(const char *roles)
{
	const char *p = roles != NULL ? roles : "";

	while (*p != '\0') {
		size_t n;

		p += strspn(p, "{},\"");
		n = strcspn(p, "{},\"");
		if ((n == 5 && strncmp(p, "owner", 5) == 0) ||
		    (n == 5 && strncmp(p, "admin", 5) == 0))
			return true;
		p += n;
	}
	return false;
}

bool
mail_must_enrol(struct request *req, const char *roles)
{
	struct mfa_login m = {
	    .found = true, .enabled = false, .is_admin = names_admin(roles)};

	return mfa_login_pending(req, &m);
}

int
mail_enrol_first(struct request *req, struct plan *plan, const char *uid,
                 const char *email_norm, const char *roles)
{
	struct mfa_login m = {
	    .found = true, .enabled = false, .is_admin = names_admin(roles)};

	return mfa_login_step(req, plan, email_norm, uid, &m);
}

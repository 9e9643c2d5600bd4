/*
 * settings.c - the settings schema, templates, compilation and cache.
 */
#include "data/settings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/cacheset.h"
#include "core/fnv.h"
#include "core/host.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "data/db.h"
#include "data/plans.h"
#include "sec/crypto.h"

#define CACHE_SIZE 512
#define TEMPLATE_MAX (64 * 1024)

static struct db_stmt st_version = DB_STMT(
    "settings_version",
    "SELECT settings::text FROM config_versions WHERE tenant_id = $1 AND "
    "version = $2::bigint",
    2);

/* A validation pass: the errors found so far, and the output document. */
struct v {
	cJSON *errors;
};

static void
bad(struct v *v, const char *path, const char *msg)
{
	v->errors = json_add_field_error(v->errors, path, msg);
}

/* "a.b", or b at the top level. */
static const char *
join(const char *a, const char *b)
{
	return *a ? json_printf("%s.%s", a, b) : b;
}

/* The members of in that are not in allowed become errors. */
static void
only(struct v *v, const char *path, const cJSON *in, const char *const *allowed)
{
	const cJSON *m;

	/* An array's members have no names; a section that is not an
	 * object is refused by the caller. */
	if (!cJSON_IsObject(in))
		return;
	cJSON_ArrayForEach(m, in)
	{
		bool known = false;

		for (const char *const *a = allowed; *a != NULL && !known; a++)
			known = strcmp(*a, m->string) == 0;
		if (!known)
			bad(v, join(path, m->string), "is not a known setting");
	}
}

/* in[key] if present, else defaults[key]; type-checked by the caller. */
static const cJSON *
pick(const cJSON *in, const cJSON *defaults, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(in, key);

	return x != NULL ? x : cJSON_GetObjectItemCaseSensitive(defaults, key);
}

static void
integer(struct v *v, cJSON *out, const cJSON *in, const cJSON *defaults,
        const char *path, const char *key, double lo, double hi)
{
	const cJSON *x = pick(in, defaults, key);

	if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) ||
	    x->valuedouble < lo || x->valuedouble > hi) {
		bad(v, join(path, key),
		    json_printf("must be an integer from %.0f to %.0f", lo,
		                hi));
		return;
	}
	cJSON_AddNumberToObject(out, key, x->valuedouble);
}

static bool
color_ok(const char *s)
{
	return strlen(s) == 7 && s[0] == '#' &&
	       strspn(s + 1, "0123456789abcdefABCDEF") == 6;
}

/* https://host[:port][/path], no user-info, no spaces. */
static bool
https_url_ok(const char *s, bool path_allowed)
{
	char host[HOST_MAX + 8], norm[HOST_MAX + 1];
	const char *h, *end;
	size_t n;

	if (strncmp(s, "https://", 8) != 0 || strlen(s) > 2048)
		return false;
	h = s + 8;
	end = h + strcspn(h, "/?#");
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(host) || (!path_allowed && *end != '\0'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '\\' || *p == '"')
			return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strchr(host, '@') != NULL)
		return false;
	return host_normalize(host, norm, sizeof(norm)) == 0 &&
	       strncmp(host, norm, strlen(norm)) == 0;
}

static void
branding(struct v *v, cJSON *out, const cJSON *in, const cJSON *defaults)
{
	static const char *const keys[] = {"primary_color", "secondary_color",
	                                   "logo_url", NULL};
	cJSON *o = cJSON_AddObjectToObject(out, "branding");

	only(v, "branding", in, keys);
	for (int i = 0; i < 2; i++) {
		const cJSON *x = pick(in, defaults, keys[i]);

		if (!cJSON_IsString(x) || !color_ok(x->valuestring))
			bad(v, join("branding", keys[i]),
			    "must be a colour like #1f6feb");
		else
			cJSON_AddStringToObject(o, keys[i], x->valuestring);
	}
	{
		const cJSON *x = pick(in, defaults, "logo_url");

		if (x == NULL || cJSON_IsNull(x))
			cJSON_AddNullToObject(o, "logo_url");
		else if (!cJSON_IsString(x) ||
		         !https_url_ok(x->valuestring, true))
			bad(v, "branding.logo_url", "must be an https URL");
		else
			cJSON_AddStringToObject(o, "logo_url", x->valuestring);
	}
}

static bool
name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void
features(struct v *v, cJSON *out, const cJSON *x)
{
	cJSON *o = cJSON_AddObjectToObject(out, "features");
	const cJSON *m;

	if (!cJSON_IsObject(x) || cJSON_GetArraySize(x) > 100) {
		bad(v, "features", "must be an object of at most 100 flags");
		return;
	}
	cJSON_ArrayForEach(m, x)
	{
		if (!name_ok(m->string, 63) || !cJSON_IsBool(m))
			bad(v, join("features", m->string),
			    "flags are lower-case names with true or false");
		else
			cJSON_AddBoolToObject(o, m->string, cJSON_IsTrue(m));
	}
}

static void
limits(struct v *v, cJSON *out, const cJSON *in, const cJSON *defaults)
{
	static const char *const keys[] = {"requests_per_second", "burst",
	                                   "max_records", "max_collections",
	                                   NULL};
	cJSON *o = cJSON_AddObjectToObject(out, "limits");

	only(v, "limits", in, keys);
	integer(v, o, in, defaults, "limits", "requests_per_second", 1, 100000);
	integer(v, o, in, defaults, "limits", "burst", 1, 1000000);
	integer(v, o, in, defaults, "limits", "max_records", 0, 1e9);
	integer(v, o, in, defaults, "limits", "max_collections", 1, 10000);
}

static void
oidc_keys(struct v *v, cJSON *o, const cJSON *jwks)
{
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(jwks, "keys");
	const cJSON *k;
	int i = 0;

	if (!cJSON_IsObject(jwks) || !cJSON_IsArray(keys) ||
	    cJSON_GetArraySize(keys) < 1 ||
	    cJSON_GetArraySize(keys) > SETTINGS_MAX_KEYS) {
		bad(v, "auth.oidc.jwks",
		    "must be {\"keys\": [1 to 10 public keys]}");
		return;
	}
	cJSON_ArrayForEach(k, keys)
	{
		char pem[JWK_PEM_MAX];
		enum jwk_alg alg;
		const char *why = NULL;
		const cJSON *kid = cJSON_GetObjectItemCaseSensitive(k, "kid");

		if (!cJSON_IsString(kid) || strlen(kid->valuestring) == 0 ||
		    strlen(kid->valuestring) >= 128)
			bad(v, json_printf("auth.oidc.jwks.keys[%d]", i),
			    "needs a kid");
		else if (jwk_to_pem(k, pem, &alg, &why) < 0)
			bad(v, json_printf("auth.oidc.jwks.keys[%d]", i), why);
		i++;
	}
	cJSON_AddItemToObject(o, "jwks", cJSON_Duplicate(jwks, true));
}

/* The console's "Sign in with SSO" (docs/config.md): where a browser is
 * sent for an ID token.  Optional; absent or null is stored as null. */
static void
oidc_browser(struct v *v, cJSON *o, const cJSON *x)
{
	const cJSON *m =
	    cJSON_GetObjectItemCaseSensitive(x, "authorization_endpoint");

	if (m == NULL || cJSON_IsNull(m)) {
		cJSON_AddNullToObject(o, "authorization_endpoint");
		return;
	}
	if (!cJSON_IsString(m) || strlen(m->valuestring) >= SETTINGS_URL_MAX ||
	    !https_url_ok(m->valuestring, true) ||
	    strchr(m->valuestring, '#') != NULL)
		bad(v, "auth.oidc.authorization_endpoint",
		    "must be an https URL without a fragment");
	else
		cJSON_AddStringToObject(o, "authorization_endpoint",
		                        m->valuestring);
}

static void
oidc(struct v *v, cJSON *auth, const cJSON *x)
{
	static const char *const keys[] = {"issuer",
	                                   "audience",
	                                   "jwks",
	                                   "role_claim",
	                                   "role_mapping",
	                                   "default_role",
	                                   "authorization_endpoint",
	                                   NULL};
	const cJSON *m;
	cJSON *o;

	if (x == NULL || cJSON_IsNull(x)) {
		cJSON_AddNullToObject(auth, "oidc");
		return;
	}
	if (!cJSON_IsObject(x)) {
		bad(v, "auth.oidc", "must be an object or null");
		return;
	}
	o = cJSON_AddObjectToObject(auth, "oidc");
	only(v, "auth.oidc", x, keys);
	m = cJSON_GetObjectItemCaseSensitive(x, "issuer");
	if (!cJSON_IsString(m) || !https_url_ok(m->valuestring, true) ||
	    strlen(m->valuestring) >= 256)
		bad(v, "auth.oidc.issuer", "must be an https URL");
	else
		cJSON_AddStringToObject(o, "issuer", m->valuestring);
	m = cJSON_GetObjectItemCaseSensitive(x, "audience");
	if (!cJSON_IsString(m) || *m->valuestring == '\0' ||
	    strlen(m->valuestring) >= 256)
		bad(v, "auth.oidc.audience",
		    "must be the client id tokens "
		    "are issued for");
	else
		cJSON_AddStringToObject(o, "audience", m->valuestring);
	oidc_keys(v, o, cJSON_GetObjectItemCaseSensitive(x, "jwks"));
	oidc_browser(v, o, x);
	m = cJSON_GetObjectItemCaseSensitive(x, "role_claim");
	if (m != NULL && (!cJSON_IsString(m) || strlen(m->valuestring) >= 64))
		bad(v, "auth.oidc.role_claim", "must be a claim name");
	cJSON_AddStringToObject(
	    o, "role_claim",
	    cJSON_GetStringValue(m) ? cJSON_GetStringValue(m) : "roles");
	m = cJSON_GetObjectItemCaseSensitive(x, "default_role");
	if (m != NULL && !cJSON_IsNull(m) &&
	    (!cJSON_IsString(m) || !name_ok(m->valuestring, 63)))
		bad(v, "auth.oidc.default_role", "must be a role name");
	if (cJSON_GetStringValue(m) != NULL)
		cJSON_AddStringToObject(o, "default_role",
		                        cJSON_GetStringValue(m));
	else
		cJSON_AddNullToObject(o, "default_role");
	m = cJSON_GetObjectItemCaseSensitive(x, "role_mapping");
	if (m != NULL && (!cJSON_IsObject(m) ||
	                  cJSON_GetArraySize(m) > SETTINGS_MAX_ROLE_MAP))
		bad(v, "auth.oidc.role_mapping",
		    "must map up to 32 claim values to role names");
	else {
		const cJSON *e;
		cJSON *map = cJSON_AddObjectToObject(o, "role_mapping");

		cJSON_ArrayForEach(e, m)
		{
			if (strlen(e->string) >= 128 || !cJSON_IsString(e) ||
			    !name_ok(e->valuestring, 63))
				bad(v,
				    join("auth.oidc.role_mapping", e->string),
				    "must name a role");
			else
				cJSON_AddStringToObject(map, e->string,
				                        e->valuestring);
		}
	}
}

/* auth.mfa: who must have a second factor (absent: optional). */
static const char *const mfa_policies[] = {"optional", "required_for_admins",
                                           "required", NULL};

static void
auth_mfa(struct v *v, cJSON *auth_out, const cJSON *x)
{
	if (x == NULL) {
		cJSON_AddStringToObject(auth_out, "mfa", "optional");
		return;
	}
	for (int i = 0; cJSON_IsString(x) && mfa_policies[i] != NULL; i++)
		if (strcmp(x->valuestring, mfa_policies[i]) == 0) {
			cJSON_AddStringToObject(auth_out, "mfa",
			                        x->valuestring);
			return;
		}
	bad(v, "auth.mfa",
	    "must be \"optional\", \"required_for_admins\" or \"required\"");
}

/* The compiled auth.mfa (enum settings_mfa). */
static int
compile_mfa(const cJSON *doc)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "auth"), "mfa");

	for (int i = 0; cJSON_IsString(x) && mfa_policies[i] != NULL; i++)
		if (strcmp(x->valuestring, mfa_policies[i]) == 0)
			return i;
	return SETTINGS_MFA_OPTIONAL;
}

/* auth.invitation_ttl, auth.join_domains and auth.join_role (issue 18):
 * optional, their defaults filled in when neither the document nor the
 * template has them.  Whether the caller may name join_role is checked on
 * the write (api/config_join.h). */
static void
auth_joining(struct v *v, cJSON *o, const cJSON *in, const cJSON *defaults)
{
	const cJSON *x = pick(in, defaults, "join_domains"), *e;
	cJSON *a;

	if (pick(in, defaults, "invitation_ttl") != NULL)
		integer(v, o, in, defaults, "auth", "invitation_ttl", 300,
		        2592000);
	else
		cJSON_AddNumberToObject(o, "invitation_ttl", 604800);
	a = cJSON_AddArrayToObject(o, "join_domains");
	if (x != NULL &&
	    (!cJSON_IsArray(x) || cJSON_GetArraySize(x) > SETTINGS_MAX_DOMAINS))
		bad(v, "auth.join_domains",
		    "must be a list of up to 20 e-mail domains");
	if (!cJSON_IsArray(x))
		x = NULL;
	cJSON_ArrayForEach(e, x)
	{
		char norm[HOST_MAX + 1], slug[SLUG_MAX + 1];

		if (!cJSON_IsString(e) ||
		    host_normalize(e->valuestring, norm, sizeof(norm)) < 0 ||
		    strcmp(norm, e->valuestring) != 0 ||
		    strchr(norm, '.') == NULL ||
		    host_classify(norm, cfg.base_domain, slug) != HOST_OTHER)
			bad(v, "auth.join_domains",
			    "domains are lower-case e-mail domains outside the "
			    "service's own domain");
		else
			cJSON_AddItemToArray(a, cJSON_CreateString(norm));
	}
	x = pick(in, defaults, "join_role");
	if (x == NULL)
		cJSON_AddStringToObject(o, "join_role", "viewer");
	else if (!cJSON_IsString(x) || !name_ok(x->valuestring, 63) ||
	         strcmp(x->valuestring, "owner") == 0)
		bad(v, "auth.join_role",
		    "must be a role name other than owner");
	else
		cJSON_AddStringToObject(o, "join_role", x->valuestring);
}

static void
auth(struct v *v, cJSON *out, const cJSON *in, const cJSON *defaults)
{
	static const char *const keys[] = {"access_token_ttl",
	                                   "refresh_token_ttl",
	                                   "password_min_length",
	                                   "lockout_threshold",
	                                   "lockout_window",
	                                   "oidc",
	                                   "mfa",
	                                   "invitation_ttl",
	                                   "join_domains",
	                                   "join_role",
	                                   NULL};
	cJSON *o = cJSON_AddObjectToObject(out, "auth");

	only(v, "auth", in, keys);
	integer(v, o, in, defaults, "auth", "access_token_ttl", 60, 86400);
	integer(v, o, in, defaults, "auth", "refresh_token_ttl", 300, 31536000);
	integer(v, o, in, defaults, "auth", "password_min_length", 8, 128);
	integer(v, o, in, defaults, "auth", "lockout_threshold", 1, 100);
	integer(v, o, in, defaults, "auth", "lockout_window", 60, 86400);
	oidc(v, o, pick(in, defaults, "oidc"));
	auth_mfa(v, o, pick(in, defaults, "mfa"));
	auth_joining(v, o, in, defaults);
}

/* scheme://host[:port], nothing else (a browser's Origin header). */
static bool
origin_ok(const char *s)
{
	const char *h;
	char host[HOST_MAX + 8], norm[HOST_MAX + 1];
	size_t n;

	if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return false;
	n = strlen(h);
	if (n == 0 || n >= sizeof(host) || strpbrk(h, "/?#@ ") != NULL)
		return false;
	memcpy(host, h, n + 1);
	if (host_normalize(host, norm, sizeof(norm)) < 0)
		return strncmp(h, "localhost", 9) == 0 &&
		       (h[9] == '\0' || h[9] == ':');
	return strncmp(host, norm, strlen(norm)) == 0;
}

static void
cors(struct v *v, cJSON *out, const cJSON *in, const cJSON *defaults)
{
	static const char *const keys[] = {"allowed_origins", NULL};
	const cJSON *x = pick(in, defaults, "allowed_origins"), *e;
	cJSON *o = cJSON_AddObjectToObject(out, "cors");
	cJSON *a = cJSON_AddArrayToObject(o, "allowed_origins");

	only(v, "cors", in, keys);
	if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) > SETTINGS_MAX_ORIGINS) {
		bad(v, "cors.allowed_origins",
		    "must be a list of up to 50 "
		    "origins");
		return;
	}
	cJSON_ArrayForEach(e, x)
	{
		if (!cJSON_IsString(e) || strlen(e->valuestring) >= 256 ||
		    !origin_ok(e->valuestring))
			bad(v, "cors.allowed_origins",
			    "origins are scheme://host[:port], like "
			    "https://app.example.com");
		else
			cJSON_AddItemToArray(
			    a, cJSON_CreateString(e->valuestring));
	}
}

static void
domains(struct v *v, cJSON *out, const cJSON *x)
{
	cJSON *a = cJSON_AddArrayToObject(out, "domains");
	const cJSON *e;

	if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) > SETTINGS_MAX_DOMAINS) {
		bad(v, "domains", "must be a list of up to 20 host names");
		return;
	}
	cJSON_ArrayForEach(e, x)
	{
		char norm[HOST_MAX + 1], slug[SLUG_MAX + 1];

		if (!cJSON_IsString(e) ||
		    host_normalize(e->valuestring, norm, sizeof(norm)) < 0 ||
		    strcmp(norm, e->valuestring) != 0 ||
		    strchr(norm, '.') == NULL ||
		    host_classify(norm, cfg.base_domain, slug) != HOST_OTHER)
			bad(v, "domains",
			    "domains are lower-case host names outside the "
			    "service's own domain");
		else
			cJSON_AddItemToArray(a, cJSON_CreateString(norm));
	}
}

static void
retention(struct v *v, cJSON *out, const cJSON *in, const cJSON *defaults)
{
	static const char *const keys[] = {"audit_days", "collections",
	                                   "events_days", NULL};
	const cJSON *c = pick(in, defaults, "collections"), *e;
	cJSON *o = cJSON_AddObjectToObject(out, "retention");
	cJSON *co;

	only(v, "retention", in, keys);
	integer(v, o, in, defaults, "retention", "audit_days", 1, 36500);
	/* Optional: the outbox keeps delivered events 7 days without it. */
	if (pick(in, defaults, "events_days") != NULL)
		integer(v, o, in, defaults, "retention", "events_days", 1,
		        3650);
	co = cJSON_AddObjectToObject(o, "collections");
	if (!cJSON_IsObject(c) ||
	    cJSON_GetArraySize(c) > SETTINGS_MAX_RETENTION) {
		bad(v, "retention.collections",
		    "must map up to 100 collection names to days");
		return;
	}
	cJSON_ArrayForEach(e, c)
	{
		if (!name_ok(e->string, 63) || !cJSON_IsNumber(e) ||
		    e->valuedouble != floor(e->valuedouble) ||
		    e->valuedouble < 1 || e->valuedouble > 36500)
			bad(v, join("retention.collections", e->string),
			    "must be a whole number of days, 1 to 36500");
		else
			cJSON_AddNumberToObject(co, e->string, e->valuedouble);
	}
}

static bool
locale_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 2 || n == 3)
		return strspn(s, "abcdefghijklmnopqrstuvwxyz") == n;
	if (n == 5 || n == 6)
		return strspn(s, "abcdefghijklmnopqrstuvwxyz") == n - 3 &&
		       s[n - 3] == '-' &&
		       ((s[n - 2] >= 'A' && s[n - 2] <= 'Z' &&
		         s[n - 1] >= 'A' && s[n - 1] <= 'Z'));
	return false;
}

/* support_access: denied (the default), allowed or ask. */
static const char *const support_values[] = {"denied", "allowed", "ask", NULL};

static void
support_access(struct v *v, cJSON *out, const cJSON *x)
{
	if (x == NULL) {
		cJSON_AddStringToObject(out, "support_access", "denied");
		return;
	}
	for (const char *const *s = support_values; *s != NULL; s++) {
		if (cJSON_IsString(x) && strcmp(x->valuestring, *s) == 0) {
			cJSON_AddStringToObject(out, "support_access", *s);
			return;
		}
	}
	bad(v, "support_access", "must be denied, allowed or ask");
}

static enum settings_support
compile_support_access(const cJSON *doc)
{
	const char *s = json_str(doc, "support_access");

	if (s != NULL && strcmp(s, "allowed") == 0)
		return SETTINGS_SUPPORT_ALLOWED;
	if (s != NULL && strcmp(s, "ask") == 0)
		return SETTINGS_SUPPORT_ASK;
	return SETTINGS_SUPPORT_DENIED;
}

cJSON *
settings_normalize(const cJSON *in, const cJSON *defaults, cJSON **errors)
{
	static const char *const keys[] = {
	    "display_name", "branding",       "features", "limits",
	    "auth",         "cors",           "domains",  "locale",
	    "retention",    "support_access", NULL};
	struct v v = {NULL};
	cJSON *out = cJSON_CreateObject();
	const cJSON *x;

	*errors = NULL;
	if (!cJSON_IsObject(in)) {
		*errors =
		    json_add_field_error(NULL, "settings", "must be an object");
		return NULL;
	}
	only(&v, "", in, keys);
	x = pick(in, defaults, "display_name");
	if (!cJSON_IsString(x) || strlen(x->valuestring) > 200)
		bad(&v, "display_name",
		    "must be a string of at most 200 bytes");
	else
		cJSON_AddStringToObject(out, "display_name", x->valuestring);
	branding(&v, out, pick(in, NULL, "branding"),
	         pick(defaults, NULL, "branding"));
	features(&v, out, pick(in, defaults, "features"));
	limits(&v, out, pick(in, NULL, "limits"),
	       pick(defaults, NULL, "limits"));
	auth(&v, out, pick(in, NULL, "auth"), pick(defaults, NULL, "auth"));
	cors(&v, out, pick(in, NULL, "cors"), pick(defaults, NULL, "cors"));
	domains(&v, out, pick(in, defaults, "domains"));
	x = pick(in, defaults, "locale");
	if (!cJSON_IsString(x) || !locale_ok(x->valuestring))
		bad(&v, "locale", "must be a language tag like en or fr-CA");
	else
		cJSON_AddStringToObject(out, "locale", x->valuestring);
	retention(&v, out, pick(in, NULL, "retention"),
	          pick(defaults, NULL, "retention"));
	support_access(&v, out, pick(in, defaults, "support_access"));
	/* A section given as something else than an object. */
	for (const char *const *k = keys; *k != NULL; k++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(in, *k);

		if (s != NULL &&
		    (strcmp(*k, "branding") == 0 || strcmp(*k, "limits") == 0 ||
		     strcmp(*k, "auth") == 0 || strcmp(*k, "cors") == 0 ||
		     strcmp(*k, "retention") == 0) &&
		    !cJSON_IsObject(s))
			bad(&v, *k, "must be an object");
	}
	if (v.errors != NULL) {
		*errors = v.errors;
		return NULL;
	}
	return out;
}

static int
num(const cJSON *o, const char *a, const char *b, double dflt)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, a), b);

	return cJSON_IsNumber(x) ? (int)x->valuedouble : (int)dflt;
}

static void
copy(char *dst, size_t n, const cJSON *x)
{
	snprintf(dst, n, "%s", cJSON_IsString(x) ? x->valuestring : "");
}

static void
compile_oidc(const cJSON *o, struct oidc_settings *out)
{
	const cJSON *keys, *k, *m;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(o))
		return;
	out->on = true;
	copy(out->issuer, sizeof(out->issuer),
	     cJSON_GetObjectItemCaseSensitive(o, "issuer"));
	copy(out->audience, sizeof(out->audience),
	     cJSON_GetObjectItemCaseSensitive(o, "audience"));
	copy(out->role_claim, sizeof(out->role_claim),
	     cJSON_GetObjectItemCaseSensitive(o, "role_claim"));
	copy(out->default_role, sizeof(out->default_role),
	     cJSON_GetObjectItemCaseSensitive(o, "default_role"));
	copy(out->authorization_endpoint, sizeof(out->authorization_endpoint),
	     cJSON_GetObjectItemCaseSensitive(o, "authorization_endpoint"));
	keys = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "jwks"), "keys");
	cJSON_ArrayForEach(k, keys)
	{
		struct oidc_key *d = &out->keys[out->nkeys];
		const char *why;

		if (out->nkeys == SETTINGS_MAX_KEYS ||
		    jwk_to_pem(k, d->pem, &d->alg, &why) < 0)
			continue;
		copy(d->kid, sizeof(d->kid),
		     cJSON_GetObjectItemCaseSensitive(k, "kid"));
		out->nkeys++;
	}
	cJSON_ArrayForEach(m,
	                   cJSON_GetObjectItemCaseSensitive(o, "role_mapping"))
	{
		if (out->nmap == SETTINGS_MAX_ROLE_MAP)
			break;
		snprintf(out->map[out->nmap].from,
		         sizeof(out->map[out->nmap].from), "%s", m->string);
		copy(out->map[out->nmap].to, sizeof(out->map[out->nmap].to), m);
		out->nmap++;
	}
}

/* auth.invitation_ttl, join_domains and join_role of auth into out (d:
 * the defaults). */
static void
compile_joining(const cJSON *auth, const struct tenant_settings *d,
                struct tenant_settings *out)
{
	const cJSON *x =
	    cJSON_GetObjectItemCaseSensitive(auth, "invitation_ttl");
	const cJSON *e;

	out->invitation_ttl =
	    cJSON_IsNumber(x) ? (int)x->valuedouble : d->invitation_ttl;
	cJSON_ArrayForEach(
	    e, cJSON_GetObjectItemCaseSensitive(auth, "join_domains"))
	{
		if (out->njoin_domains < SETTINGS_MAX_DOMAINS)
			copy(out->join_domains[out->njoin_domains++], 256, e);
	}
	x = cJSON_GetObjectItemCaseSensitive(auth, "join_role");
	if (cJSON_IsString(x))
		copy(out->join_role, sizeof(out->join_role), x);
	else
		memcpy(out->join_role, d->join_role, sizeof(out->join_role));
}

int
settings_compile(const cJSON *doc, long long version,
                 struct tenant_settings *out)
{
	struct tenant_settings d;
	const cJSON *e;

	settings_defaults(&d);
	memset(out, 0, sizeof(*out));
	out->version = version;
	out->access_ttl = num(doc, "auth", "access_token_ttl", d.access_ttl);
	out->refresh_ttl = num(doc, "auth", "refresh_token_ttl", d.refresh_ttl);
	out->password_min =
	    num(doc, "auth", "password_min_length", d.password_min);
	out->lockout_threshold =
	    num(doc, "auth", "lockout_threshold", d.lockout_threshold);
	out->lockout_window =
	    num(doc, "auth", "lockout_window", d.lockout_window);
	out->lockout_base = d.lockout_base;
	out->mfa = compile_mfa(doc);
	out->rate_rps = num(doc, "limits", "requests_per_second", d.rate_rps);
	out->rate_burst = num(doc, "limits", "burst", d.rate_burst);
	{
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(doc, "limits"),
		    "max_records");

		out->max_records = cJSON_IsNumber(x) ? (long long)x->valuedouble
		                                     : d.max_records;
	}
	out->max_collections =
	    num(doc, "limits", "max_collections", d.max_collections);
	out->audit_days = num(doc, "retention", "audit_days", d.audit_days);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
	                          cJSON_GetObjectItemCaseSensitive(doc, "cors"),
	                          "allowed_origins"))
	{
		if (out->norigins < SETTINGS_MAX_ORIGINS)
			copy(out->origins[out->norigins++], 256, e);
	}
	cJSON_ArrayForEach(
	    e, cJSON_GetObjectItemCaseSensitive(
	           cJSON_GetObjectItemCaseSensitive(doc, "retention"),
	           "collections"))
	{
		if (out->nretention == SETTINGS_MAX_RETENTION)
			break;
		snprintf(out->retention[out->nretention].collection, 64, "%s",
		         e->string);
		out->retention[out->nretention++].days = (int)e->valuedouble;
	}
	compile_oidc(cJSON_GetObjectItemCaseSensitive(
	                 cJSON_GetObjectItemCaseSensitive(doc, "auth"), "oidc"),
	             &out->oidc);
	out->support_access = compile_support_access(doc);
	compile_joining(cJSON_GetObjectItemCaseSensitive(doc, "auth"), &d, out);
	return 0;
}

void
settings_defaults(struct tenant_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->access_ttl = cfg.access_ttl;
	s->refresh_ttl = cfg.refresh_ttl;
	s->password_min = 12;
	s->lockout_threshold = 5;
	s->lockout_window = 900;
	s->lockout_base = 5;
	s->rate_rps = cfg.rate_rps;
	s->rate_burst = cfg.rate_burst;
	s->max_records = 100000;
	s->max_collections = 100;
	s->audit_days = 365;
	s->invitation_ttl = 604800;
	snprintf(s->join_role, sizeof(s->join_role), "viewer");
}

cJSON *
settings_template(const char *name)
{
	char path[1024], *text;
	FILE *f;
	size_t n;
	const char *why;
	cJSON *doc, *errors, *out;

	if (name == NULL)
		name = "default";
	if (!name_ok(name, 63))
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.json", cfg.templates_dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	text = malloc(TEMPLATE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(text, 1, TEMPLATE_MAX, f);
	fclose(f);
	doc = json_parse(text, n, JSON_MAX_DEPTH, &why);
	free(text);
	if (doc == NULL)
		return NULL;
	/* A template is complete on its own: normalised against itself. */
	out = settings_normalize(doc, doc, &errors);
	if (out == NULL)
		log_error("template %s is not valid: %s", name,
		          json_print(errors));
	return out;
}

bool
settings_origin_allowed(const struct tenant_settings *s, const char *origin)
{
	for (int i = 0; i < s->norigins; i++)
		if (strcmp(s->origins[i], origin) == 0)
			return true;
	return false;
}

/* The cache: compiled settings by tenant, replaced when the version
 * differs.  One slot per hash value; a collision just reloads. */
static struct tenant_settings *cache[CACHE_SIZE];

static unsigned
slot_of(const struct uuid *t)
{
	/* Callers reduce it to their table. */
	return fnv_32(FNV_32_INIT, t->b, 16) % (CACHE_SIZE * 32);
}

/* The rate stage needs two numbers of every tenant on every request, and
 * a create the record cap: they get a table of their own, large enough
 * for many tenants per worker (the full settings cache is smaller: its
 * entries are large). */
#define RATE_SLOTS (CACHE_SIZE * 64)

struct rate_entry {
	struct uuid tenant;
	long long version;
	long long plan_version;
	int rps, burst;
	long long max_records;
};
static struct rate_entry *rates;
/* Sets of CACHESET_WAYS (core/cacheset.h): with one slot per hash, tenants
 * whose hashes met (about one in twenty of 1,000) pushed each other out
 * on every request and reloaded their settings in two more trips. */
static struct cacheset rate_sets = {.nsets = RATE_SLOTS / CACHESET_WAYS};

void
settings_clear(void)
{
	if (rate_sets.stamp != NULL)
		memset(rate_sets.stamp, 0,
		       RATE_SLOTS * sizeof(*rate_sets.stamp));
	for (int i = 0; i < CACHE_SIZE; i++) {
		if (cache[i] != NULL)
			crypto_wipe(cache[i], sizeof(*cache[i]));
		free(cache[i]);
		cache[i] = NULL;
	}
}

void
settings_notify(const char *payload)
{
	/* Entries are keyed by version, so a change needs no eviction:
	 * the next request sees the new version and reloads. */
	(void)payload;
}

/* Version version of the settings (the defaults at version 0) and the
 * tenant's plan, in one trip; compiled and capped into out. */
static int
load_into(struct db *db, const char *tid, long long version,
          struct tenant_settings *out)
{
	char ver[24];
	const char *p[2] = {tid, ver};
	const char *why;
	struct plan_row plan;
	PGresult *r;
	cJSON *doc;
	int h = 0;

	snprintf(ver, sizeof(ver), "%lld", version);
	if (version > 0)
		h = db_queue(db, &st_version, p);
	if (h < 0 || plans_of_tenant(db, tid, &plan) < 0 || db_sync(db) != 0)
		return -1;
	if (version <= 0) {
		settings_defaults(out);
	} else {
		r = db_result(db, h);
		if (PQntuples(r) != 1)
			return -1;
		doc = json_parse(db_value(r, 0, 0), strlen(db_value(r, 0, 0)),
		                 JSON_MAX_DEPTH, &why);
		if (doc == NULL || settings_compile(doc, version, out) < 0)
			return -1;
	}
	plans_cap(out, &plan.caps, cfg.audit_retention_floor_days);
	out->plan_version = plan.caps.version;
	return 0;
}

int
settings_load(struct db *db, const struct uuid *tenant, long long version,
              struct tenant_settings *out)
{
	char tid[UUID_STR_LEN + 1];

	uuid_format(tenant, tid);
	if (load_into(db, tid, version, out) < 0)
		return -1;
	out->tenant = *tenant;
	return 0;
}

/* A compiled entry is current for t: its config version, and its plan's
 * version once a version row has told t's (0 before: the entry serves
 * until the request's trip has read it). */
static bool
current_for(const struct tenant *t, long long version, long long plan_version)
{
	return version == t->config_version &&
	       (t->plan_version == 0 || plan_version == t->plan_version);
}

/* The rate entry of tenant, or NULL. */
static struct rate_entry *
rate_find(const struct uuid *tenant)
{
	unsigned first = cacheset_first(&rate_sets, slot_of(tenant));

	for (unsigned i = first; i < first + CACHESET_WAYS; i++) {
		if (rate_sets.stamp[i] != 0 &&
		    uuid_equal(&rates[i].tenant, tenant)) {
			cacheset_touch(&rate_sets, i);
			return &rates[i];
		}
	}
	return NULL;
}

/* A slot for tenant: a free one of its set, else the least recently used. */
static struct rate_entry *
rate_claim(const struct uuid *tenant)
{
	unsigned first = cacheset_first(&rate_sets, slot_of(tenant));
	int i = cacheset_victim(&rate_sets, first, NULL, NULL);

	memset(&rates[i], 0, sizeof(rates[i]));
	rates[i].tenant = *tenant;
	cacheset_touch(&rate_sets, (unsigned)i);
	return &rates[i];
}

bool
settings_limits_for(struct db *db, const struct tenant *t, bool in_tx,
                    struct settings_limits *out)
{
	const struct tenant_settings *s;
	struct rate_entry *e;

	if (rates == NULL) {
		rates = calloc(RATE_SLOTS, sizeof(*rates));
		rate_sets.stamp = calloc(RATE_SLOTS, sizeof(*rate_sets.stamp));
		if (rates == NULL || rate_sets.stamp == NULL)
			abort();
	}
	e = rate_find(&t->id);
	if (e == NULL || !current_for(t, e->version, e->plan_version)) {
		if ((s = settings_for(db, t, in_tx)) == NULL)
			return false;
		if (e == NULL)
			e = rate_claim(&t->id);
		e->version = s->version;
		e->plan_version = s->plan_version;
		e->rps = s->rate_rps;
		e->burst = s->rate_burst;
		e->max_records = s->max_records;
	}
	out->rps = e->rps;
	out->burst = e->burst;
	out->max_records = e->max_records;
	return true;
}

const struct tenant_settings *
settings_for(struct db *db, const struct tenant *t, bool in_tx)
{
	unsigned s = slot_of(&t->id) % CACHE_SIZE;
	struct tenant_settings *c = cache[s];
	long long version = t->config_version;
	bool own_tx = !in_tx;

	if (c != NULL && uuid_equal(&c->tenant, &t->id) &&
	    current_for(t, c->version, c->plan_version)) {
		metrics_add(M_CACHE_HITS, 1);
		return c;
	}
	metrics_add(M_CACHE_MISSES, 1);
	if (c == NULL) {
		c = malloc(sizeof(*c));
		if (c == NULL)
			abort();
		cache[s] = c;
	}
	if (own_tx)
		db_begin(db, &t->id);
	if (settings_load(db, &t->id, version, c) < 0) {
		free(c);
		cache[s] = NULL;
		if (own_tx)
			db_finish(db);
		return NULL;
	}
	if (own_tx) {
		db_commit(db);
		if (db_sync(db) != 0)
			return NULL;
	}
	return c;
}

/*
 * settings.h - a tenant's settings: the documented schema (docs/config.md)
 * enforced on every write, templates of defaults, and the compiled form the
 * request path reads without parsing JSON, cached per worker by (tenant,
 * version).
 *
 * The current version of a tenant is tenants.config_version; every
 * authenticated request reads it in its first round trip, so a change is
 * seen on the very next request on every worker.
 */
#ifndef STRATA_DATA_SETTINGS_H
#define STRATA_DATA_SETTINGS_H

#include <stdbool.h>

#include <cJSON.h>

#include "core/uuid.h"
#include "sec/jwk.h"

#define SETTINGS_MAX_ORIGINS 50
#define SETTINGS_MAX_KEYS 10
#define SETTINGS_MAX_ROLE_MAP 32
#define SETTINGS_MAX_RETENTION 100
#define SETTINGS_MAX_DOMAINS 20
#define SETTINGS_URL_MAX 512 /* auth.oidc.authorization_endpoint */

struct tenant;
struct db;

struct oidc_key {
	char kid[128];
	enum jwk_alg alg;
	char pem[JWK_PEM_MAX];
};

struct oidc_settings {
	bool on;
	char issuer[256];
	char audience[256];
	char role_claim[64];
	char default_role[64];
	/* "" unless set: the IdP's authorization endpoint for browsers */
	char authorization_endpoint[SETTINGS_URL_MAX];
	int nkeys;
	struct oidc_key keys[SETTINGS_MAX_KEYS];
	int nmap;
	struct {
		char from[128];
		char to[64];
	} map[SETTINGS_MAX_ROLE_MAP];
};

/* auth.mfa: who must sign in with a second factor. */
enum settings_mfa {
	SETTINGS_MFA_OPTIONAL,            /* whoever enrols */
	SETTINGS_MFA_REQUIRED_FOR_ADMINS, /* holders of owner or admin */
	SETTINGS_MFA_REQUIRED,            /* every user with a password */
};

/* support_access: whether operators may impersonate the tenant's users
 * (api/impersonation.h). */
enum settings_support {
	SETTINGS_SUPPORT_DENIED, /* the default */
	SETTINGS_SUPPORT_ALLOWED,
	SETTINGS_SUPPORT_ASK, /* an owner approves each request */
};

/* Compiled with the caps of the tenant's plan applied (data/plans.h):
 * the limits and audit_days below are the effective ones. */
struct tenant_settings {
	struct uuid tenant;
	long long version;
	long long plan_version; /* the plan's version the caps are from */
	int access_ttl;         /* seconds */
	int refresh_ttl;        /* seconds */
	int password_min;       /* code points */
	int lockout_threshold;  /* failures before a lock */
	int lockout_window;     /* seconds the failures are counted over */
	int lockout_base;       /* first lock, doubling after */
	int mfa;                /* enum settings_mfa */
	int rate_rps;           /* requests per second */
	int rate_burst;
	long long max_records;
	int max_collections;
	int audit_days;
	int norigins;
	char origins[SETTINGS_MAX_ORIGINS][256];
	int nretention;
	struct {
		char collection[64];
		int days;
	} retention[SETTINGS_MAX_RETENTION];
	struct oidc_settings oidc;
	enum settings_support support_access;
	/* Invitations and verified-domain joining (issue 18). */
	int invitation_ttl; /* seconds an invitation link stays valid */
	int njoin_domains;
	char join_domains[SETTINGS_MAX_DOMAINS][256];
	char join_role[64]; /* the role of those who join */
};

/* The settings of req's tenant at req->tenant->config_version: from the
 * cache, or loaded (one round trip, inside the request's transaction when
 * one is open).  NULL when they cannot be loaded (database unavailable). */
/* The compiled settings of tenant t at its config_version, from this
 * worker's cache or loaded (inside the caller's open transaction when
 * in_tx, else in one of its own).  NULL when they cannot be loaded. */
const struct tenant_settings *settings_for(struct db *db,
                                           const struct tenant *t, bool in_tx);
/* What the hot path needs of a tenant's limits (plan caps applied). */
struct settings_limits {
	int rps, burst;
	long long max_records;
};

/* Tenant t's limits at its config and plan versions, from a table of
 * their own, far larger than the settings cache (loaded through
 * settings_for on a miss); false when they cannot be had. */
bool settings_limits_for(struct db *db, const struct tenant *t, bool in_tx,
                         struct settings_limits *out);

/* Loads and compiles the settings of a tenant at a version, capped by
 * its plan (read in the same trip), outside any request (command line).
 * Returns 0 or -1. */
int settings_load(struct db *db, const struct uuid *tenant, long long version,
                  struct tenant_settings *out);

/* Validates a settings document against the schema.  Absent members take
 * the value of defaults (a complete document); unknown members, wrong types
 * and values out of range are errors.  Returns the complete, normalised
 * document, or NULL with every failure in *errors ({field, message}). */
cJSON *settings_normalize(const cJSON *in, const cJSON *defaults,
                          cJSON **errors);

/* Compiles a normalised document.  Returns 0 or -1. */
int settings_compile(const cJSON *doc, long long version,
                     struct tenant_settings *out);

/* The template named name (sql/templates/<name>.json, validated), or NULL.
 * The tree belongs to the current JSON arena. */
cJSON *settings_template(const char *name);

/* Built-in defaults (the default template, or compiled-in values when no
 * template can be read). */
void settings_defaults(struct tenant_settings *s);

/* 1 when origin is one of the tenant's allowed CORS origins. */
bool settings_origin_allowed(const struct tenant_settings *s,
                             const char *origin);

void settings_notify(const char *payload);
void settings_clear(void);

#endif

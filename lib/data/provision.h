/*
 * provision.h - creating a tenant with everything it needs, in one
 * transaction: the tenant row, its keys, built-in roles, its owner and its
 * first configuration version.  Used by `strata tenant create` and by
 * POST /v1/signup.
 */
#ifndef STRATA_DATA_PROVISION_H
#define STRATA_DATA_PROVISION_H

#include <cJSON.h>

#include "core/request.h"

struct db;
struct arena;

struct provision {
	const char *slug;
	const char *name;
	const char *owner_email;    /* NULL: no owner user */
	const char *owner_password; /* required with owner_email */
	const char *owner_name;
	const char *template_name; /* settings template, NULL = default */
	const char *plan_name;     /* platform plan, NULL = cfg.default_plan */
	const char *region;        /* one of the plan's regions; NULL = its
	                              first, or 'local' when it lists none */
	const char *locale;        /* the settings' locale, NULL = template's */
};

/* What a refusal is about: its reason and the member of the input
 * ("slug", "plan", "template", ...). */
struct provision_refusal {
	const char *why;
	const char *field;
};

enum provision_status {
	PROVISION_OK = 0,
	PROVISION_INVALID,     /* the input (r->field) is not acceptable */
	PROVISION_TAKEN,       /* the slug is taken */
	PROVISION_UNAVAILABLE, /* the database cannot be reached */
	PROVISION_FAILED,      /* anything else */
};

/* Creates the tenant on its plan, from a template that plan offers, in
 * a region the plan lists, with the locale (a language tag) in its first
 * settings.  On
 * success fills t (and *owner_id when an owner was made) and returns
 * PROVISION_OK; otherwise another enum provision_status, with the reason
 * in *r. */
int provision_tenant(struct db *db, struct arena *a, const struct provision *p,
                     struct tenant *t, struct uuid *owner_id,
                     struct provision_refusal *r);

#endif

/*
 * onboarding.h - the onboarding checklist of a tenant (GET
 * /v1/onboarding), computed from what the tenant has: nothing is stored.
 *
 * The steps, in order:
 *   first_collection  a collection exists
 *   second_user       at least two active users
 *   sso_or_mfa        auth.oidc is set in the current settings, or
 *                     auth.mfa is required_for_admins or required
 *   api_key           an API key that is neither revoked nor expired
 */
#ifndef STRATA_DATA_ONBOARDING_H
#define STRATA_DATA_ONBOARDING_H

#include <stdbool.h>

struct db;

enum onboarding_step {
	ONBOARDING_FIRST_COLLECTION,
	ONBOARDING_SECOND_USER,
	ONBOARDING_SSO_OR_MFA,
	ONBOARDING_API_KEY,
	ONBOARDING_STEPS /* the number of steps */
};

/* The steps of one tenant: found once the row was read, and each done. */
struct onboarding_state {
	bool found;
	bool done[ONBOARDING_STEPS];
};

/* The name of step s ("first_collection", ...), or NULL past the last. */
const char *onboarding_step_name(enum onboarding_step s);

/* Queues the one statement that reads tenant tid's (text uuid) steps,
 * inside the caller's tenant transaction; out is zeroed now and filled
 * during db_sync.  Returns the handle or -1 (db_queue's loud failure). */
int onboarding_get(struct db *db, const char *tid,
                   struct onboarding_state *out);

#endif

/*
 * config_oidc.h - who may change a tenant's single sign-on (auth.oidc).
 *
 * Single sign-on provisions users at first sight with the roles its
 * mapping names, and its issuer, audience and keys decide who every SSO
 * user is: changing it is handing out grants.  So, on every write of the
 * settings (PUT, PATCH in both forms, restore), a change of anything under
 * auth.oidc needs the owner role, and the mapping it leaves
 * (default_role and every role_mapping target) may name only roles that
 * exist and that grant nothing the caller lacks, and never the owner role
 * (rbac_may_grant, the rule of users, roles and API keys).  Such a change
 * is audited as config.oidc_changed, naming the members that changed and
 * none of their values.
 */
#ifndef STRATA_API_CONFIG_OIDC_H
#define STRATA_API_CONFIG_OIDC_H

#include <stdint.h>

#include <cJSON.h>

struct request;
struct role_perms_list;

/* The members of auth.oidc (issuer, audience, jwks, role_claim,
 * default_role, role_mapping, in that order) that differ between before
 * and after, two auth.oidc values of normalised settings (NULL or null:
 * single sign-on off; turning it on or off changes every member): a JSON
 * array of their names, or NULL when they are equal.  The tree lives in the
 * current JSON arena. */
cJSON *config_oidc_changes(const cJSON *before, const cJSON *after);

/* The errors ({field, message}) of the mapping of oidc (a normalised
 * auth.oidc; NULL or null: no mapping) for a caller holding have, given
 * the tenant's roles: each role it names that does not exist, is owner,
 * or grants a permission outside have, at its dotted path
 * (auth.oidc.default_role, auth.oidc.role_mapping.<claim value>).  NULL
 * when every named role may be handed out. */
cJSON *config_oidc_mapping_errors(const cJSON *oidc,
                                  const struct role_perms_list *roles,
                                  uint32_t have);

/* Checks a write of the settings before into after (normalised documents)
 * by req's principal, given the tenant's roles read in the write's first
 * trip.  When auth.oidc is unchanged: 0, *changed NULL.  Otherwise 403
 * unless the caller holds the owner role, 422 (every offending path)
 * unless the mapping may be handed out, else 0 with *changed the audit
 * details ({"changed": [names]}).  Errors are recorded with api_fail. */
int config_oidc_check(struct request *req, const cJSON *before,
                      const cJSON *after, const struct role_perms_list *roles,
                      const char **changed);

#endif

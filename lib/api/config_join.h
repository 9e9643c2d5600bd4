/*
 * config_join.h - who may change verified-domain joining (auth.join_role,
 * auth.join_domains).
 *
 * Everyone who proves an address in a join domain becomes a user with
 * auth.join_role: setting either is handing out that role.  So a write of
 * the settings (PUT, PATCH, restore) that changes either needs a caller
 * who may grant the role the change leaves (rbac_may_grant: nothing the
 * caller lacks), and the role must exist; the owner role is never a join
 * role (the schema refuses it).
 */
#ifndef STRATA_API_CONFIG_JOIN_H
#define STRATA_API_CONFIG_JOIN_H

#include <cJSON.h>

struct request;
struct role_perms_list;

/* Checks a write of settings before into after (normalised documents) by
 * req's principal, given the tenant's roles.  0 when joining is unchanged
 * or the caller may grant the join role; 422 when the role does not exist,
 * 403 when it grants more than the caller holds (recorded with
 * api_fail). */
int config_join_check(struct request *req, const cJSON *before,
                      const cJSON *after, const struct role_perms_list *roles);

#endif

/*
 * support.h - the tenant's side of operator support access (docs/api.md,
 * "Support access"): the support requests an owner approves or denies
 * when support_access is "ask", the support sessions the tenant lists and
 * ends, and the owner's hold on the support_access setting.
 */
#ifndef STRATA_API_SUPPORT_H
#define STRATA_API_SUPPORT_H

#include <cJSON.h>

struct request;
struct plan;

/* GET /v1/support/requests (users:manage): newest first, keyset pages. */
int support_requests_list(struct request *req, struct plan *plan);

/* POST /v1/support/requests/{id}/approve and /deny (owner): 200 with the
 * request; 404 unknown; 409 when it is no longer pending. */
int support_request_approve(struct request *req, struct plan *plan);
int support_request_deny(struct request *req, struct plan *plan);

/* GET /v1/support/sessions (users:manage): newest first, keyset pages. */
int support_sessions_list(struct request *req, struct plan *plan);

/* DELETE /v1/support/sessions/{id} (users:manage): 204; its token is
 * refused from the next request on, on every worker.  404 unknown. */
int support_session_delete(struct request *req, struct plan *plan);

/* Checks a write of the settings before into after (normalised
 * documents): a support session changes neither `auth` (the sign-in
 * rules: MFA policy, SSO, password policy, ...) nor support_access (403
 * impersonation_forbidden); a change of support_access needs the owner
 * role (403 forbidden) and is audited as
 * config.support_access_changed.  Returns 0 or the status recorded with
 * api_fail(). */
int support_access_check(struct request *req, const cJSON *before,
                         const cJSON *after);

#endif

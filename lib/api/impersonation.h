/*
 * impersonation.h - an operator acting as a tenant user, with the
 * tenant's consent (docs/api.md, "Support access").
 *
 * POST /v1/platform/tenants/{id}/impersonate (apex, an operator holding
 * the support role) starts a support session when the tenant's
 * support_access is "allowed", or, with "ask", once an owner approved the
 * operator's support request.  Its access token is the tenant's, with the
 * session as sid and an act claim naming the operator (sec/token.h).
 *
 * Under such a token every request reads its session in the plan's first
 * trip (never cached: ending it refuses the token at once on every
 * worker), is refused where a support session may not go (the list in
 * impersonation.c: credentials, MFA, API keys, key rotation, support
 * access itself), answers with Strata-Impersonated-By, and is audited in
 * the tenant's trail and the platform's log with the session's reason.
 */
#ifndef STRATA_API_IMPERSONATION_H
#define STRATA_API_IMPERSONATION_H

#include <cJSON.h>

#include "data/support.h"

struct request;
struct plan;

#define IMPERSONATION_MINUTES_MAX 60
#define IMPERSONATION_MINUTES_DEFAULT 15
#define IMPERSONATION_REASON_MAX 500

/* POST /v1/platform/tenants/{id}/impersonate {user_id, reason, minutes}:
 * 201 {access_token, token_type, expires_in, session_id}; with ask, 202
 * {request_id, status: "pending"} until an owner decides; 403 without the
 * support role, when the tenant denies support access or an owner denied
 * the request; 404 for an unknown tenant; 422 for a bad body or a user who
 * is not an active user of the tenant. */
int impersonation_start(struct request *req, struct plan *plan);

/* What a support session may not do on route pattern with method and
 * body (may be NULL): the name of what it would change, or NULL when the
 * request is allowed. */
const char *impersonation_refusal(const char *method, const char *pattern,
                                  const cJSON *body);

/* Checks an impersonated request against its session row s, read in the
 * plan's first trip: 401 when the session is unknown, of another
 * operator or user, ended or expired, or its operator no longer active
 * with the support role; 403 impersonation_forbidden where
 * impersonation_refusal() says so; else 0 (and the reason noted for the
 * audit).  Errors are recorded with api_fail(). */
int impersonation_check(struct request *req,
                        const struct support_session_row *s);

/* Audits an impersonated request that answered status, in a transaction
 * of its own after the request's (rolled back first if it failed): the
 * tenant's event and the platform's, with the session's reason.  A
 * failure is logged, never silent. */
void impersonation_audit(struct request *req, int status);

#endif

/*
 * auth.h - authentication endpoints of a tenant host.
 */
#ifndef STRATA_API_AUTH_H
#define STRATA_API_AUTH_H

#include <cJSON.h>

struct request;
struct plan;

/* Starts a session for user uid of req's tenant: queues its refresh token
 * in the open transaction and sets *out to {access_token, token_type,
 * expires_in, refresh_token} (a cJSON tree the caller renders).  Returns
 * 0 or the status recorded with api_fail() (503, 500). */
int auth_new_session(struct request *req, const char *uid, cJSON **out);

/* Makes user uid of req's tenant the request's principal (for the audit
 * trail of a request that authenticates by what it carries). */
void auth_as_user(struct request *req, const char *uid);

/* The refusal of an attempt while its e-mail is locked out: audits action
 * (denied), commits and answers 429 with Retry-After: locked_s. */
int auth_locked_out(struct request *req, struct plan *plan, const char *action,
                    const char *uid, long long locked_s);

/* Queues one failed attempt against the lockout of email_norm (the
 * tenant's auth.lockout_* settings): passwords and second-factor codes
 * count alike. */
void auth_count_failure(struct request *req, const char *email_norm);

/* POST /v1/auth/login {email,password} -> 200 tokens; 401
 * invalid_credentials (the same for an unknown e-mail); 429 while locked. */
int auth_login(struct request *req, struct plan *plan);

/* POST /v1/auth/refresh {refresh_token} -> 200 new pair; the old token is
 * spent; a spent one presented again revokes its family (401). */
int auth_refresh(struct request *req, struct plan *plan);

/* POST /v1/auth/logout [{refresh_token}] -> 204; ends the caller's session
 * (its access tokens stop working too) and the named one. */
int auth_logout(struct request *req, struct plan *plan);

/* GET /v1/me -> the caller, its tenant and its permissions. */
int auth_me(struct request *req, struct plan *plan);

#endif

/*
 * auth.h - authentication endpoints of a tenant host.
 */
#ifndef STRATA_API_AUTH_H
#define STRATA_API_AUTH_H

#include <cJSON.h>

struct request;
struct plan;

/* Starts a session for user uid of req's tenant: queues its refresh token
 * in the open transaction and returns {access_token, token_type,
 * expires_in, refresh_token}, or NULL with a problem written. */
cJSON *auth_new_session(struct request *req, const char *uid);

/* POST /v1/auth/login {email,password} -> 200 tokens; 401
 * invalid_credentials (the same for an unknown e-mail); 429 while locked. */
void auth_login(struct request *req);

/* POST /v1/auth/refresh {refresh_token} -> 200 new pair; the old token is
 * spent; a spent one presented again revokes its family (401). */
void auth_refresh(struct request *req);

/* POST /v1/auth/logout [{refresh_token}] -> 204; ends the caller's session
 * (its access tokens stop working too) and the named one. */
void auth_logout(struct request *req);

/* GET /v1/me -> the caller, its tenant and its permissions. */
int auth_me(struct request *req, struct plan *plan);

#endif

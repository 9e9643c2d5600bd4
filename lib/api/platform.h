/*
 * platform.h - the apex host's operator API and signup.
 */
#ifndef STRATA_API_PLATFORM_H
#define STRATA_API_PLATFORM_H

struct request;

/* POST /v1/signup {slug,name,owner:{email,password,name},template?} ->
 * 201 {tenant,access_token,refresh_token,token_type,expires_in}. */
void platform_signup(struct request *req);
/* POST /v1/platform/login {email,password} -> 200 platform token. */
void platform_login(struct request *req);
/* GET /v1/platform/tenants: pages of tenants with counts. */
void platform_tenants(struct request *req);
/* POST /v1/platform/tenants/{id}/suspend and /resume -> 200 tenant. */
void platform_suspend(struct request *req);
void platform_resume(struct request *req);
/* DELETE /v1/platform/tenants/{id} -> 202: keys destroyed at once, rows
 * purged later by `strata tenant purge`. */
void platform_delete(struct request *req);
/* GET /v1/platform/reports/usage: aggregates only. */
void platform_usage(struct request *req);

#endif

/*
 * platform.h - the apex host's operator API and signup.
 */
#ifndef STRATA_API_PLATFORM_H
#define STRATA_API_PLATFORM_H

struct request;
struct plan;

/* POST /v1/signup {slug,name,owner:{email,password,name},template?,
 * plan?} -> 201 (on the default plan, from a template it offers)
 * {tenant,access_token,refresh_token,token_type,expires_in}. */
int platform_signup(struct request *req, struct plan *plan);
/* POST /v1/platform/login {email,password} -> 200 platform token. */
int platform_login(struct request *req, struct plan *plan);
/* GET /v1/platform/tenants: pages of tenants with counts. */
int platform_tenants(struct request *req, struct plan *plan);
/* POST /v1/platform/tenants/{id}/suspend and /resume -> 200 tenant. */
int platform_suspend(struct request *req, struct plan *plan);
int platform_resume(struct request *req, struct plan *plan);
/* PATCH /v1/platform/tenants/{id} {plan?, name?} -> 200 tenant: its
 * limits are capped by the new plan from the next request on; audited in
 * the tenant's log (tenant.plan, tenant.rename). */
int platform_tenant_update(struct request *req, struct plan *plan);
/* DELETE /v1/platform/tenants/{id} -> 202: keys destroyed at once, rows
 * purged later by `strata tenant purge`. */
int platform_delete(struct request *req, struct plan *plan);

#endif

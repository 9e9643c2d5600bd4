/*
 * cors.h - cross-origin requests from the tenant's allowed origins
 * (settings cors.allowed_origins).
 */
#ifndef STRATA_API_CORS_H
#define STRATA_API_CORS_H

struct request;

/* Answers OPTIONS for a routed path: a preflight from an allowed origin
 * gets 204 with Access-Control-Allow-* headers; another origin 403; a
 * plain OPTIONS 204 with Allow.  req->tenant is resolved.  Returns 0 once
 * answered, or the status of the refusal (recorded with api_fail). */
int cors_preflight(struct request *req);

/* Adds Access-Control-Allow-Origin (and Vary, Expose-Headers) to the
 * response when the request's Origin is allowed by the tenant. */
void cors_apply(struct request *req);

/* cors_apply again, from the settings of the configuration version that
 * the request's first round trip found newer than the one this worker
 * knew when it set the headers (api/plan.c): the request that follows a
 * change on each worker is answered by the new rules, not only the one
 * after it. */
void cors_refresh(struct request *req);

#endif

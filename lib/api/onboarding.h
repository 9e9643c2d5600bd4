/*
 * onboarding.h - GET /v1/onboarding: the tenant's onboarding checklist
 * (data/onboarding.h), which the console's Overview shows.
 */
#ifndef STRATA_API_ONBOARDING_H
#define STRATA_API_ONBOARDING_H

struct request;
struct plan;

/* GET /v1/onboarding (config:read): {steps: [{name, done}], done: n,
 * total: n} in the order of data/onboarding.h, read in the plan's one
 * round trip. */
int onboarding_show(struct request *req, struct plan *plan);

#endif

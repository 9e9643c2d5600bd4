/*
 * tenant.h - GET /v1/tenant: the public facts of the host's tenant.
 */
#ifndef STRATA_API_TENANT_H
#define STRATA_API_TENANT_H

struct request;
struct plan;

/* 200 {id, slug, name, status}; nothing private. */
int tenant_show(struct request *req, struct plan *plan);

#endif

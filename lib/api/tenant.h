/*
 * tenant.h - GET /v1/tenant: the public facts of the host's tenant.
 */
#ifndef STRATA_API_TENANT_H
#define STRATA_API_TENANT_H

struct request;

/* 200 {id, slug, name, status}; nothing private. */
void tenant_show(struct request *req);

#endif

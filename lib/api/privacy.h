/*
 * privacy.h - subject rights and the tenant export.
 */
#ifndef STRATA_API_PRIVACY_H
#define STRATA_API_PRIVACY_H

struct request;

/* GET /v1/privacy/subjects/{subject}/export (privacy:manage): every record
 * about the subject, decrypted, and the audit events about them. */
void privacy_export(struct request *req);
/* DELETE /v1/privacy/subjects/{subject} (privacy:manage) -> 204: the
 * subject's key is destroyed and its records deleted in one transaction. */
void privacy_erase(struct request *req);
/* GET /v1/export (owner): the whole tenant as JSON. */
void privacy_tenant_export(struct request *req);
/* GET /v1/usage (config:read): records, collections, storage, requests,
 * limits. */
void privacy_usage(struct request *req);

#endif

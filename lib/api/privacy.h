/*
 * privacy.h - subject rights, the tenant export and usage.
 */
#ifndef STRATA_API_PRIVACY_H
#define STRATA_API_PRIVACY_H

struct request;
struct plan;

/* GET /v1/privacy/subjects/{subject}/export (privacy:manage): every record
 * about the subject, decrypted, and the audit events about them (507 past
 * 48 MiB of record data). */
int privacy_export(struct request *req, struct plan *plan);
/* DELETE /v1/privacy/subjects/{subject} (privacy:manage) -> 204: the
 * subject's key is destroyed and its records deleted in one transaction. */
int privacy_erase(struct request *req, struct plan *plan);
/* GET /v1/export (owner): the whole tenant as JSON, read in batches from
 * one snapshot into a temporary file and sent, with its length, only
 * once the audit event committed: no size cap, never a 200 that is cut
 * short by a failure. */
int privacy_tenant_export(struct request *req, struct plan *plan);
/* GET /v1/usage (config:read): records, collections, storage, requests,
 * limits. */
int privacy_usage(struct request *req, struct plan *plan);

#endif

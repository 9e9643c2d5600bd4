/*
 * audit.h - GET /v1/audit and GET /v1/audit/verify (audit:read), and the
 * platform's log, GET /v1/platform/audit (operators).
 */
#ifndef STRATA_API_AUDIT_H
#define STRATA_API_AUDIT_H

struct request;
struct plan;

/* Events newest first; ?actor= &action= (exact, or a prefix ending in
 * '.') &since= &until= (RFC 3339), limit and cursor.  One round trip. */
int audit_list(struct request *req, struct plan *plan);

/* GET /v1/platform/audit (operators, apex): the platform's events
 * (operator logins and lockouts), with the same query and page as
 * audit_list.  One round trip. */
int audit_platform_list(struct request *req, struct plan *plan);

/* Seals what is due, recomputes the chain: {valid, events, head,
 * broken_at, reason, unsealed, purged}.  503 when the trail cannot be
 * read. */
int audit_check(struct request *req, struct plan *plan);

#endif

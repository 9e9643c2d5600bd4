/*
 * audit.h - GET /v1/audit and GET /v1/audit/verify (audit:read).
 */
#ifndef STRATA_API_AUDIT_H
#define STRATA_API_AUDIT_H

#include <stdbool.h>

struct request;

/* Events newest first; ?actor= &action= (exact, or a prefix ending in
 * '.') &since= &until= (RFC 3339), limit and cursor. */
void audit_list(struct request *req);

/* Seals what is due, recomputes the chain: {valid, events, head,
 * broken_at, reason, unsealed, purged_through}. */
void audit_check(struct request *req);

#endif

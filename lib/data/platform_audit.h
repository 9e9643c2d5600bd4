/*
 * platform_audit.h - the platform's own audit log: what operators did and
 * tried on the apex (logins, lockouts, and later plan changes and
 * impersonations).
 *
 * A global table (sql/011_platform_audit.sql), append-only for the app
 * role.  An event is queued into the caller's transaction, so it commits
 * with the action it records or not at all.  Its details never hold a
 * password, a token or an e-mail address that was only typed in.
 */
#ifndef STRATA_DATA_PLATFORM_AUDIT_H
#define STRATA_DATA_PLATFORM_AUDIT_H

#include "data/audit.h"

struct db;

/* Queues e (its tenant_id is ignored; actor_type is operator, system or
 * anonymous).  Returns the handle or -1 (db_queue's loud failure). */
int platform_audit_queue(struct db *db, const struct audit_event *e);

/* Queues a page of the log, newest first, into out: filtered by actor id,
 * action (exact, or a prefix ending in '.'), a time window and a keyset
 * position (events below before_seq), as audit_list_page() does for a
 * tenant (q->tid is ignored).  Returns the handle or -1. */
int platform_audit_list_page(struct db *db, const struct audit_query *q,
                             struct audit_page *out);

#endif

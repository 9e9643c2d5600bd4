/*
 * audit.h - writing audit events.
 *
 * An event is queued into the same transaction as the action it records,
 * so both commit or neither does.  The actor comes from the request's
 * principal.  details is a small JSON object that never holds a secret, a
 * password, a token or a decrypted personal-data value.
 */
#ifndef STRATA_AUDIT_H
#define STRATA_AUDIT_H

struct request;

enum audit_outcome { AUDIT_SUCCESS, AUDIT_FAILURE, AUDIT_DENIED };

/* Queues the event; returns the statement handle or -1.  target_id and
 * details may be NULL. */
int audit_queue(struct request *req, const char *action,
                const char *target_type, const char *target_id,
                enum audit_outcome outcome, const char *details);

#endif

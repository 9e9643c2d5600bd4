/*
 * audit.h - the audit trail: writing events, chaining them, verifying the
 * chain, querying and purging.
 *
 * An event is queued into the same transaction as the action it records,
 * so both commit or neither does.  Events are inserted unchained; a sealer
 * appends links in sequence order to audit_links,
 * each hashing the previous link with the event's canonical form
 * (SHA-256).  Only events older than a short horizon are sealed, so an
 * event whose transaction commits late is not passed by the chain.  The
 * sealer is a process of its own (lib/ops/sealer.c); `strata audit seal`
 * and GET /v1/audit/verify seal too.
 * details never holds a secret, a password, a token or a decrypted
 * personal-data value.
 */
#ifndef STRATA_DATA_AUDIT_H
#define STRATA_DATA_AUDIT_H

#include <stdbool.h>

#include <cJSON.h>

#include "core/uuid.h"

struct db;
struct arena;

enum audit_outcome { AUDIT_SUCCESS, AUDIT_FAILURE, AUDIT_DENIED };

/* Queues an event whose actor is the system (a command such as
 * `strata retention run`), outside any request. */
/* One event, as the caller describes it (target_id, details, request_id
 * and client_addr may be NULL). */
struct audit_event {
	const char *tenant_id;
	const char *actor_type; /* user, api_key, operator, system, anonymous */
	const char *actor_id;
	const char *action;
	const char *target_type;
	const char *target_id;
	enum audit_outcome outcome;
	const char *request_id;
	const char *client_addr;
	const char *details;
};

/* The statement parameters of e after its tenant, in the column order
 * actor_type, actor_id, action, target_type, target_id, outcome,
 * request_id, client_addr, details (absent texts as "", details "{}"):
 * the tenants' trail and the platform's share them. */
#define AUDIT_EVENT_NPARAMS 9
void audit_event_params(const struct audit_event *e,
                        const char *out[AUDIT_EVENT_NPARAMS]);

/* Queues e in the caller's open transaction; the handle or -1. */
int audit_queue_event(struct db *db, const struct audit_event *e);

int audit_queue_system(struct db *db, const struct uuid *tenant,
                       const char *action, const char *target_type,
                       const char *target_id, const char *details);

/* Events chained by one audit_seal() call at most. */
#define AUDIT_SEAL_BATCH 1000

/* Chains the tenant's unsealed events older than horizon_s seconds (up to
 * AUDIT_SEAL_BATCH per call) in a transaction of its own.  Uses at most 11
 * statement slots of db's queue; a statement that cannot be queued fails
 * the call (logged), it is never read.  Returns how many were sealed (0
 * when none is due or another sealer holds the tenant), or -1; after -1
 * the caller ends the transaction with db_finish(). */
int audit_seal(struct db *db, struct arena *a, const struct uuid *tenant,
               int horizon_s);

/* One bounded step of the sealer's round over all tenants: scans at most
 * scan tenants in id order after `after` (the nil uuid: from the start)
 * and stores in out[] (*nout, at most want) those with an unsealed event
 * older than horizon_s.  *cursor is where the scan stopped: pass it as
 * after next time.  Returns the number of tenants the answer named (0:
 * the scan reached the end; start over from the nil uuid), or -1.  One
 * statement, one round trip (sql/008_audit_sealer.sql). */
int audit_due_tenants(struct db *db, const struct uuid *after, int horizon_s,
                      int want, int scan, struct uuid *out, int *nout,
                      struct uuid *cursor);

struct audit_report {
	bool valid;
	long long events;    /* links checked */
	char head[65];       /* hex of the last link's hash, "" when none */
	long long broken_at; /* seq of the first broken event, or -1 */
	const char *reason;  /* why it is broken */
	long long unsealed;  /* events not chained yet */
	long long purged_through; /* events up to this seq were purged, or 0 */
	long long purged_count;
};

/* Recomputes the tenant's chain in one transaction, 2000 links per round
 * trip, each batch released once checked (memory and statement slots stay
 * bounded however long the chain).  Returns 0 (report filled) or -1
 * (database failure). */
int audit_verify(struct db *db, struct arena *a, const struct uuid *tenant,
                 struct audit_report *out);

/* Removes the tenant's sealed events older than days and their links,
 * appending a purge link that records what went and anchors the rest.
 * Needs the owner role.  Returns how many events went, or -1. */
long long audit_purge(struct db *db, struct arena *a, const struct uuid *tenant,
                      int days);

/* The canonical form hashed for an event: "<len>:<bytes>;" for each of
 * seq, time in microseconds, actor type, actor id, action, target type,
 * target id, outcome, request id, client address and details. */
const char *audit_canonical(struct arena *a, const char *const fields[11]);

/* SHA-256(prev || canonical) as 32 bytes into out. */
int audit_link_hash(const unsigned char prev[32], const char *canonical,
                    unsigned char out[32]);

/* A page of GET /v1/audit: the tenant's events newest first, filtered by
 * actor id, action (exact, or a prefix ending in '.'), a time window
 * (RFC 3339 texts, checked by the caller) and a keyset position (events
 * below seq before_seq); fetch rows at most (the page's limit + 1).  NULL
 * members filter nothing. */
struct audit_query {
	const char *tid;
	const char *actor;
	const char *action;
	const char *since;
	const char *until;
	const char *before_seq;
	const char *fetch;
};

/* An event as its seq and its JSON text (arena-owned). */
struct audit_event_row {
	const char *seq;
	const char *json;
};

struct audit_page {
	int n;
	struct audit_event_row *rows;
};

/* Queues the page's query (its text assembled in arena a from fixed
 * fragments; every value a parameter) to be decoded into out.  Returns
 * the handle or -1 (see db_queue). */
int audit_list_page(struct db *db, struct arena *a, const struct audit_query *q,
                    struct audit_page *out);

#endif

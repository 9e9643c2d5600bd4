/*
 * support.h - operator support access (sql/018_support.sql): the
 * operators' support role, the support requests a tenant approves or
 * denies when its support_access is "ask", and the support sessions
 * (impersonations) it lists and ends.
 *
 * Tenant statements take the tenant id as $1 and filter on it (row-level
 * security is the second wall).  Objects are rendered to JSON by
 * PostgreSQL and spliced into answers.  Every function queues into the
 * caller's round trip and returns the handle or -1 (db_queue's loud
 * failure); out structs are zeroed at queue time and filled by db_sync.
 */
#ifndef STRATA_DATA_SUPPORT_H
#define STRATA_DATA_SUPPORT_H

#include <stdbool.h>

struct db;

/* Whether operator id is active and holds the support role. */
struct support_operator {
	bool found;
	bool support;
};
int support_operator_get(struct db *db, const char *id,
                         struct support_operator *out);

/* Gives (on true) or takes the support role of the operator whose
 * normalised e-mail is email_norm; out->found when there is one. */
int support_operator_set(struct db *db, const char *email_norm, bool on,
                         struct support_operator *out);

/* Whether user uid of tenant tid exists and is active. */
struct support_user {
	bool found;
	bool active;
};
int support_user_get(struct db *db, const char *tid, const char *uid,
                     struct support_user *out);

/* The state of the latest support request of (operator, user), locked
 * for the transaction (two retries cannot both use one approval).
 * pending_live: pending and under a day old; approved_live: approved
 * within the last hour and not used; denied_live: denied within the last
 * hour. */
struct support_request_state {
	bool found;
	const char *id;
	const char *reason; /* as the owner approved it */
	int minutes;
	bool pending_live, approved_live, denied_live;
};
int support_request_latest(struct db *db, const char *tid, const char *op,
                           const char *uid, struct support_request_state *out);

/* A new pending request; minutes is its text. */
int support_request_insert(struct db *db, const char *tid, const char *id,
                           const char *op, const char *uid, const char *reason,
                           const char *minutes);

/* Marks an approved request used; out->found when it was approved. */
struct support_one {
	bool found;
	const char *json;   /* the object */
	const char *status; /* requests: its status */
	bool live;          /* sessions: neither ended nor expired */
};
int support_request_use(struct db *db, const char *tid, const char *id,
                        struct support_one *out);

/* Request id into out (any status; pending_live into out->live). */
int support_request_get(struct db *db, const char *tid, const char *id,
                        struct support_one *out);

/* Approves or denies (status "approved" or "denied") a pending request
 * under a day old, decided by user by; out->found when it was. */
int support_request_decide(struct db *db, const char *tid, const char *id,
                           const char *status, const char *by,
                           struct support_one *out);

/* A keyset page of JSON objects, newest first: at most limit (text) rows
 * after cursor id after (NULL: from the start), ids[i] and json[i]. */
struct support_page {
	int n;
	const char **ids;
	const char **json;
};
int support_requests_page(struct db *db, const char *tid, const char *after,
                          const char *limit, struct support_page *out);
int support_sessions_page(struct db *db, const char *tid, const char *after,
                          const char *limit, struct support_page *out);

/* A new session of operator op as user uid for minutes (text), with
 * request_id (NULL without ask); its expiry as epoch seconds into
 * *expires_at (filled by db_sync). */
int support_session_insert(struct db *db, const char *tid, const char *id,
                           const char *op, const char *uid, const char *reason,
                           const char *request_id, const char *minutes,
                           long long *expires_at);

/* Ends session id (by user by) unless it has ended; out->found when the
 * session exists, out->live whether this call ended it. */
int support_session_end(struct db *db, const char *tid, const char *id,
                        const char *by, struct support_one *out);

/* What a request under an impersonation token needs of its session:
 * found, the operator and user it was started for, its reason, live
 * (neither ended nor expired) and whether its operator is still active
 * with the support role.  Read in the plan's first trip. */
struct support_session_row {
	bool found;
	bool live;
	bool ended; /* ended by the tenant (else expired, when not live) */
	bool operator_ok;
	const char *operator_id;
	const char *user_id;
	const char *reason;
};
int support_session_check(struct db *db, const char *tid, const char *sid,
                          struct support_session_row *out);

#endif

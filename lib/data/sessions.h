/*
 * sessions.h - refresh tokens (one family per login session) and the
 * per-(tenant, e-mail) failed-login counter behind lockout.
 */
#ifndef STRATA_DATA_SESSIONS_H
#define STRATA_DATA_SESSIONS_H

#include <stdbool.h>

struct db;

/* What a login needs to know, read in one trip: the user of the e-mail
 * (if any) and the lockout of (tenant, e-mail).  Filled by db_sync. */
struct login_state {
	bool found;                /* a user has this e-mail */
	const char *uid;           /* NULL when not found */
	const char *password_hash; /* NULL: the user has no password */
	bool active;               /* the user's status is active */
	long long locked_s;        /* seconds the lock still holds; 0: none */
};

/* A refresh token's state before this request touched it, and whether
 * this request spent it.  Filled by db_sync. */
struct refresh_state {
	bool found; /* a token has this hash */
	const char *family;
	const char *uid;
	bool spent; /* spent before */
	bool revoked;
	bool expired;
	bool user_active;
	bool spent_now; /* this request's spend took it */
};

/* Queues the reads of a login attempt for email_norm into out (zeroed
 * now), and its claim on the e-mail's lockout row: the row is locked
 * until the caller's transaction ends, so concurrent attempts for one
 * e-mail are decided one at a time and none passes a lock another has
 * just set (call it inside a transaction; end that transaction with the
 * attempt's outcome: sessions_queue_fail() or _clear_failures()).
 * Returns the last handle or -1 (db_queue's loud failure). */
int sessions_login_state(struct db *db, const char *tid, const char *email_norm,
                         struct login_state *out);

/* Queues the token's state (hash: bytea literal) into out (zeroed now),
 * and with spend also its spending (of two concurrent uses only one
 * spends).  Returns the last handle or -1. */
int sessions_refresh_state(struct db *db, const char *tid, const char *hash,
                           bool spend, struct refresh_state *out);

/* Stores a refresh token hash (bytea literal) for user in family, expiring
 * after ttl seconds. */
int sessions_queue_insert(struct db *db, const char *tid, const char *id,
                          const char *family, const char *uid, const char *hash,
                          const char *ttl);

/* Revokes every token of a family (reuse detected, logout). */
int sessions_queue_revoke_family(struct db *db, const char *tid,
                                 const char *family);

/* Revokes every session of a user (disabled, password changed). */
int sessions_queue_revoke_user(struct db *db, const char *tid, const char *uid);

/* Counts a failure within the window; locks for base * 2^(n - threshold)
 * seconds (capped at 1 hour) once failures reach threshold.  Columns:
 * failures, locked seconds. */
int sessions_queue_fail(struct db *db, const char *tid, const char *email_norm,
                        const char *threshold, const char *window_s,
                        const char *base_s);

/* Clears the counter after a successful login. */
int sessions_queue_clear_failures(struct db *db, const char *tid,
                                  const char *email_norm);

#endif

/*
 * sessions.h - refresh tokens (one family per login session) and the
 * per-(tenant, e-mail) failed-login counter behind lockout.
 */
#ifndef STRATA_DATA_SESSIONS_H
#define STRATA_DATA_SESSIONS_H

struct db;

/* Stores a refresh token hash (bytea literal) for user in family, expiring
 * after ttl seconds. */
int sessions_queue_insert(struct db *db, const char *tid, const char *id,
                          const char *family, const char *uid, const char *hash,
                          const char *ttl);

/* The token's state before spending it.  Columns: family_id, user_id,
 * spent (bool), revoked (bool), expired (bool), user active (bool). */
int sessions_queue_lookup(struct db *db, const char *tid, const char *hash);

/* Spends the token if it is live; one row (family_id, user_id) when this
 * call spent it.  Of two concurrent uses only one spends. */
int sessions_queue_spend(struct db *db, const char *tid, const char *hash);

/* Revokes every token of a family (reuse detected, logout). */
int sessions_queue_revoke_family(struct db *db, const char *tid,
                                 const char *family);

/* Revokes every session of a user (disabled, password changed). */
int sessions_queue_revoke_user(struct db *db, const char *tid, const char *uid);

/* Lockout state for (tenant, email).  Columns: locked seconds remaining
 * (0 when not locked). */
int sessions_queue_lock_state(struct db *db, const char *tid,
                              const char *email_norm);

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

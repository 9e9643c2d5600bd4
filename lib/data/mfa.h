/*
 * mfa.h - the second factor's rows (sql/017_mfa.sql): a user's TOTP
 * authenticator (its secret sealed by the caller), recovery code hashes
 * and login challenges.
 *
 * Every statement takes the tenant id as $1 and filters on it.  Writes
 * that decide something (a code's step used, a recovery code spent, an
 * enrolment replaced) are guarded in SQL, so that of two concurrent uses
 * only one succeeds: their out->found says whether this one did.
 */
#ifndef STRATA_DATA_MFA_H
#define STRATA_DATA_MFA_H

#include <stdbool.h>

struct db;
struct db_text;

/* What a password login needs to know of the user of an e-mail. */
struct mfa_login {
	bool found;
	bool enabled;  /* a confirmed authenticator */
	bool is_admin; /* holds the built-in owner or admin role */
};

/* A user's authenticator and what the policy needs (filled by db_sync). */
struct mfa_totp {
	bool user_found;
	bool found; /* an authenticator row, confirmed or not */
	bool confirmed;
	const char *secret; /* sealed */
	long long last_step;
	bool is_admin; /* holds the built-in owner or admin role */
	const char *email_norm;
	long long recovery_left; /* unused recovery codes */
};

/* A login challenge, locked for the transaction (filled by db_sync). */
struct mfa_challenge {
	bool found;
	bool expired;
	bool used;
	int attempts;
	const char *uid;
	const char *email_norm;
	bool user_active;
	bool enabled;       /* the user still has a confirmed authenticator */
	const char *secret; /* sealed */
	long long last_step;
};

/* Queues the read of the user with e-mail email_norm into out. */
int mfa_login_state(struct db *db, const char *tid, const char *email_norm,
                    struct mfa_login *out);

/* Queues the read of user uid's authenticator into out. */
int mfa_totp_get(struct db *db, const char *tid, const char *uid,
                 struct mfa_totp *out);

/* Stores a new unconfirmed authenticator (secret sealed) for uid,
 * replacing an unconfirmed one; out->found false when a confirmed one
 * exists (nothing changes then). */
int mfa_totp_begin(struct db *db, const char *tid, const char *uid,
                   const char *secret, struct db_text *out);

/* Confirms uid's pending authenticator at time step step (text);
 * out->found false when it is gone, confirmed already or step is not
 * newer than its last. */
int mfa_totp_confirm(struct db *db, const char *tid, const char *uid,
                     const char *step, struct db_text *out);

/* Marks step (text) used on uid's confirmed authenticator; out->found
 * false when it was not newer than the last one used (a replay). */
int mfa_totp_use_step(struct db *db, const char *tid, const char *uid,
                      const char *step, struct db_text *out);

/* Replaces uid's recovery codes with hashes (a text[] literal). */
int mfa_recovery_replace(struct db *db, const char *tid, const char *uid,
                         const char *hashes);

/* Spends uid's unused recovery code of hash; out->found false when there
 * is none (unknown, or used already). */
int mfa_recovery_spend(struct db *db, const char *tid, const char *uid,
                       const char *hash, struct db_text *out);

/* Removes uid's authenticator, recovery codes and challenges;
 * out->found false when there was no authenticator. */
int mfa_remove(struct db *db, const char *tid, const char *uid,
               struct db_text *out);

/* Stores a challenge (hash: hex) for uid valid for ttl seconds (text),
 * dropping the user's spent and expired ones. */
int mfa_challenge_insert(struct db *db, const char *tid, const char *hash,
                         const char *uid, const char *email_norm,
                         const char *ttl);

/* The e-mail (normalised) of a challenge's lockout row, without a lock:
 * out->v, or out->found false for an unknown challenge. */
int mfa_challenge_email(struct db *db, const char *tid, const char *hash,
                        struct db_text *out);

/* Queues the read of a challenge into out, locking it until the
 * transaction ends (take the e-mail's lockout row first:
 * sessions_login_state, the order every login takes them in). */
int mfa_challenge_get(struct db *db, const char *tid, const char *hash,
                      struct mfa_challenge *out);

/* One more wrong attempt at a challenge; the max-th spends it. */
int mfa_challenge_fail(struct db *db, const char *tid, const char *hash,
                       const char *max);

/* Spends a challenge (its login completed). */
int mfa_challenge_spend(struct db *db, const char *tid, const char *hash);

#endif

/*
 * resets.h - password reset links (sql/016_mail.sql): single use, valid
 * for RESETS_TTL_S, stored only as their token's hash, filtered on the
 * tenant in every statement.
 */
#ifndef STRATA_DATA_RESETS_H
#define STRATA_DATA_RESETS_H

#include <stdbool.h>

#define RESETS_TTL_S 1800 /* 30 minutes */

struct db;

/* Queues a reset link id (hash: a bytea literal) for the active user whose
 * e-mail is email_norm.  The statement is the same whether or not such a
 * user exists (it then writes nothing): the caller's work does not tell
 * which it was. */
int resets_queue_request(struct db *db, const char *tid, const char *id,
                         const char *email_norm, const char *hash);

/* A reset link found by its hash, its row locked until the transaction
 * ends. */
struct reset_claim {
	bool found;
	const char *uid;
	const char *email;
	bool spent;
	bool expired;
	bool user_active;
};

int resets_claim(struct db *db, const char *tid, const char *hash,
                 struct reset_claim *out);

/* Spends every reset link of user uid (the one used and any other). */
int resets_queue_spend(struct db *db, const char *tid, const char *uid);

#endif

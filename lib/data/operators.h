/*
 * operators.h - platform operators and the platform's signing keys
 * (global tables: operators are nobody's tenant).
 */
#ifndef STRATA_DATA_OPERATORS_H
#define STRATA_DATA_OPERATORS_H

#include "core/uuid.h"
#include "sec/crypto.h"

#include <stdbool.h>

struct db;
struct arena;

/* An operator as a login or a token check needs it; filled by db_sync. */
struct operator_row {
	bool found;
	bool active;               /* status is active */
	const char *id;            /* by e-mail only */
	const char *password_hash; /* by e-mail only */
	long long locked_s;        /* by e-mail only: seconds the e-mail's
	                            * lockout still holds; 0: none */
};

/* Queue the typed reads into out (zeroed now): by normalised e-mail
 * (id, hash and status, and the login's claim on the e-mail's lockout
 * row: locked until the caller's transaction ends, so parallel attempts
 * are decided one at a time; call it inside a transaction and end that
 * with operators_queue_fail() or operators_queue_clear_failures()), or
 * by id (status only).  Return the last handle or -1 (db_queue's loud
 * failure). */
int operators_by_email(struct db *db, const char *email_norm,
                       struct operator_row *out);
int operators_status(struct db *db, const char *id, struct operator_row *out);

/* Counts a failed login of email_norm within window_s seconds; once the
 * failures reach threshold, locks the e-mail for base_s * 2^(n -
 * threshold) seconds (capped at one hour).  As sessions_queue_fail() does
 * for tenant users.  Returns the handle or -1. */
int operators_queue_fail(struct db *db, const char *email_norm,
                         const char *threshold, const char *window_s,
                         const char *base_s);

/* Forgets the failures of email_norm after a successful login. */
int operators_queue_clear_failures(struct db *db, const char *email_norm);

int operators_queue_insert(struct db *db, const char *id, const char *email,
                           const char *email_norm, const char *hash);

/* The current platform signing key (creating one on first use) or the key
 * named kid.  Cached for the process.  Returns 0 or -1. */
int operators_signing_key(struct db *db, const struct uuid *kid,
                          struct uuid *id_out,
                          unsigned char key[CRYPTO_KEY_LEN]);

void operators_clear(void);

#endif

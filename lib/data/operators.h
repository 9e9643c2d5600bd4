/*
 * operators.h - platform operators and the platform's signing keys
 * (global tables: operators are nobody's tenant).
 */
#ifndef STRATA_DATA_OPERATORS_H
#define STRATA_DATA_OPERATORS_H

#include "core/uuid.h"
#include "sec/crypto.h"

struct db;
struct arena;

/* Columns: id, password_hash, status. */
int operators_queue_by_email(struct db *db, const char *email_norm);

/* Columns: status. */
int operators_queue_get(struct db *db, const char *id);

int operators_queue_insert(struct db *db, const char *id, const char *email,
                           const char *email_norm, const char *hash);

/* The current platform signing key (creating one on first use) or the key
 * named kid.  Cached for the process.  Returns 0 or -1. */
int operators_signing_key(struct db *db, const struct uuid *kid,
                          struct uuid *id_out,
                          unsigned char key[CRYPTO_KEY_LEN]);

void operators_clear(void);

#endif

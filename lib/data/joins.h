/*
 * joins.h - joining a tenant by a mailed proof of control of an address in
 * one of its verified e-mail domains (sql/016_mail.sql).
 *
 * A domain lets people join while it is listed in the tenant's
 * auth.join_domains (checked by the caller from the compiled settings) and
 * verified by the operator in join_domains (checked here, in SQL).  Links
 * are single use, valid for JOINS_TTL_S, stored only as their hash.
 */
#ifndef STRATA_DATA_JOINS_H
#define STRATA_DATA_JOINS_H

#include <stdbool.h>

#define JOINS_TTL_S 86400 /* 24 hours */

struct db;

/* Queues a join link id for email (domain: its domain; hash: a bytea
 * literal; listed: "t" when the settings list the domain, else "f").  It
 * is written only when listed, the domain is verified for the tenant and
 * no user has the address; the statement is the same either way. */
int joins_queue_request(struct db *db, const char *tid, const char *id,
                        const char *email, const char *email_norm,
                        const char *domain, const char *hash,
                        const char *listed);

/* A join link found by its hash, its row locked until the transaction
 * ends. */
struct join_claim {
	bool found;
	const char *id;
	const char *email;
	const char *email_norm;
	const char *domain;
	bool spent;
	bool expired;
	bool verified; /* the domain is still verified for the tenant */
};

int joins_claim(struct db *db, const char *tid, const char *hash,
                struct join_claim *out);

/* Marks link id used by new user uid. */
int joins_queue_spend(struct db *db, const char *tid, const char *id,
                      const char *uid);

/* The operator's verification of domain for tenant tid, in a transaction
 * of its own: 1 when verified (the tenant's settings list it and no other
 * tenant holds it), 0 when refused, -1 on failure. */
int joins_verify_domain(struct db *db, const char *tid, const char *domain);

#endif

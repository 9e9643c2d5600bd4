/*
 * invitations.h - invitations into a tenant (sql/016_mail.sql).
 *
 * The token of an invitation is stored only as its hash; every statement
 * takes the tenant id as $1 and filters on it, so a token of one tenant is
 * unknown at another.
 */
#ifndef STRATA_DATA_INVITATIONS_H
#define STRATA_DATA_INVITATIONS_H

#include <stdbool.h>

struct db;

/* Whether an address is taken in the tenant: a user has it, or a pending
 * invitation (neither accepted, revoked nor expired) names it. */
struct invitation_email {
	bool user_exists;
	bool pending;
};

/* Queues the read of email_norm's state into out. */
int invitations_email_state(struct db *db, const char *tid,
                            const char *email_norm,
                            struct invitation_email *out);

/* An invitation as the API shows it (json rendered by PostgreSQL). */
struct invitation {
	bool found;
	bool pending; /* neither accepted, revoked nor expired */
	const char *json;
};

/* Queues the read of invitation id into out, its row locked until the
 * transaction ends. */
int invitations_get_locked(struct db *db, const char *tid, const char *id,
                           struct invitation *out);

/* Queues the insert of invitation id (roles: a text[] literal, hash: a
 * bytea literal, ttl_s: seconds as text, inviter: a user id or NULL) and
 * the read back of its object into out. */
int invitations_queue_insert(struct db *db, const char *tid, const char *id,
                             const char *email, const char *email_norm,
                             const char *roles, const char *hash,
                             const char *ttl_s, const char *inviter,
                             struct invitation *out);

/* A keyset page of invitations, newest last (by id), after cursor id
 * after (NULL: from the start), at most limit (text) rows. */
struct invitation_page {
	int n;
	const char **ids;
	const char **json;
};
int invitations_list_page(struct db *db, const char *tid, const char *after,
                          const char *limit, struct invitation_page *out);

/* Queues the revocation of pending invitation id. */
int invitations_queue_revoke(struct db *db, const char *tid, const char *id);

/* An invitation found by its token's hash, its row locked until the
 * transaction ends (two accepts of one token are decided one after the
 * other). */
struct invitation_claim {
	bool found;
	const char *id;
	const char *email;
	const char *email_norm;
	const char *roles; /* text[] literal */
	bool spent;        /* accepted or revoked */
	bool expired;
};

/* Queues the locked read of the invitation whose token hash is hash. */
int invitations_claim(struct db *db, const char *tid, const char *hash,
                      struct invitation_claim *out);

/* Marks invitation id accepted by new user uid (after a claim). */
int invitations_queue_accept(struct db *db, const char *tid, const char *id,
                             const char *uid);

#endif

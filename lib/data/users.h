/*
 * users.h - tenant users and their roles.
 *
 * Every statement takes the tenant id as $1 and filters on it explicitly
 * (row-level security is the second wall, not the first).  Objects are
 * rendered to JSON by PostgreSQL (USER_JSON) and spliced into responses.
 */
#ifndef STRATA_DATA_USERS_H
#define STRATA_DATA_USERS_H

#include <stdbool.h>

struct db;

/* A user as a principal: what authorization needs, filled by db_sync. */
struct user_principal_row {
	bool found;
	bool active; /* status is active */
	const char *email;
	const char *name;
	const char *roles;       /* JSON array of role names */
	const char *permissions; /* text[] literal */
	bool session_revoked;    /* the token's session has ended */
	long long auth_epoch;    /* read in the same snapshot */
};

/* Queues the principal row of user uid (sid: the token's session, may be
 * NULL) into out.  Returns the handle or -1 (a loud queue failure). */
int users_queue_principal_row(struct db *db, const char *tid, const char *uid,
                              const char *sid, struct user_principal_row *out);

/* Columns: status, email, name, roles (json array), permissions (text[]),
 * tenant status, tenant config version, session revoked (bool). */
int users_queue_principal(struct db *db, const char *tid, const char *uid,
                          const char *sid);

/* Columns: id, password_hash, status. */
int users_queue_by_email(struct db *db, const char *tid,
                         const char *email_norm);

/* The user an identity provider knows as (issuer, sub).  Column: id. */
int users_queue_by_oidc(struct db *db, const char *tid, const char *issuer,
                        const char *sub);

/* A user provisioned from an identity provider: no password, matched by
 * (issuer, sub) only; email_norm keeps it out of password logins. */
int users_queue_insert_oidc(struct db *db, const char *tid, const char *id,
                            const char *email, const char *name,
                            const char *issuer, const char *sub);

/* Columns: id, json, permissions (text[]), version, is_owner (bool). */
int users_queue_get(struct db *db, const char *tid, const char *id);

/* Rows of (id, json) after cursor id (NULL = from the start), limit rows. */
int users_queue_list(struct db *db, const char *tid, const char *after,
                     const char *limit);

/* Inserts; then users_queue_set_roles() and users_queue_get(). */
int users_queue_insert(struct db *db, const char *tid, const char *id,
                       const char *email, const char *email_norm,
                       const char *name, const char *password_hash);

/* Replaces the user's roles with roles (a text[] literal). */
int users_queue_set_roles(struct db *db, const char *tid, const char *id,
                          const char *roles);

/* Updates the fields given (NULL = keep); bumps version.  One row (the new
 * version) when it existed. */
int users_queue_update(struct db *db, const char *tid, const char *id,
                       const char *name, const char *status,
                       const char *password_hash);

int users_queue_delete(struct db *db, const char *tid, const char *id);

/* Takes the tenant's owners lock for the transaction (changes that could
 * remove the last owner are serialised) and counts active owners other
 * than uid.  Column: count. */
int users_queue_lock_owners(struct db *db, const char *tid, const char *uid);

/* Union of the permissions of roles (text[]) and how many of them exist.
 * Columns: permissions (text[]), found (int). */
int users_queue_roles_perms(struct db *db, const char *tid, const char *roles);

#endif

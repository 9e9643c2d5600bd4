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
struct db_text;

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

/* Columns: id, password_hash, status. */
int users_queue_by_email(struct db *db, const char *tid,
                         const char *email_norm);

/* The user an identity provider knows as (issuer, sub): id->v. */
int users_by_oidc(struct db *db, const char *tid, const char *issuer,
                  const char *sub, struct db_text *id);

/* A user provisioned from an identity provider: no password, matched by
 * (issuer, sub) only; email_norm keeps it out of password logins. */
int users_queue_insert_oidc(struct db *db, const char *tid, const char *id,
                            const char *email, const char *name,
                            const char *issuer, const char *sub);

/* A user as the API shows it, filled by db_sync (texts in the arena). */
struct user {
	bool found;
	const char *id;
	const char *json;        /* the object, rendered by PostgreSQL */
	const char *permissions; /* text[] literal: what its roles grant */
	const char *version;
	bool is_owner; /* holds the owner role */
};

/* A keyset page of users: n rows, ids[i] and json[i] (the object). */
struct user_page {
	int n;
	const char **ids;
	const char **json;
};

/* What a list of role names grants: the union of their permissions
 * (text[] literal) and how many of the names are roles of the tenant. */
struct user_role_grant {
	const char *permissions;
	int found;
};

/* Queues the read of user id into out (out->found false when absent).
 * Returns the handle or -1 (a loud queue failure, as db_queue). */
int users_get(struct db *db, const char *tid, const char *id, struct user *out);

/* Queues a page of users after cursor id after (NULL = from the start),
 * at most limit (text) rows, ordered by id, into out. */
int users_list_page(struct db *db, const char *tid, const char *after,
                    const char *limit, struct user_page *out);

/* Inserts; then users_queue_set_roles() and users_get(). */
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

/* Deletes user id (its roles and sessions go with it); bumps the tenant's
 * auth_epoch. */
int users_queue_delete(struct db *db, const char *tid, const char *id);

/* Takes the tenant's owners lock for the transaction (changes that could
 * remove the last owner are serialised) and counts the active owners
 * other than uid into *others. */
int users_lock_owners(struct db *db, const char *tid, const char *uid,
                      long long *others);

/* Queues what the roles (a text[] literal) grant into out. */
int users_roles_grant(struct db *db, const char *tid, const char *roles,
                      struct user_role_grant *out);

#endif

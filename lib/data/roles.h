/*
 * roles.h - built-in and custom roles of a tenant.
 */
#ifndef STRATA_DATA_ROLES_H
#define STRATA_DATA_ROLES_H

#include <stdbool.h>

struct db;

/* Queues the four built-in roles (owner, admin, member, viewer) for a new
 * tenant.  Returns the last handle or -1. */
int roles_queue_builtins(struct db *db, const char *tid);

/* A role as the API shows it, filled by db_sync (texts in the arena). */
struct role {
	bool found;
	const char *json;        /* the object, rendered by PostgreSQL */
	const char *permissions; /* text[] literal */
	bool builtin;
	bool in_use; /* given to at least one user */
};

/* The tenant's roles, built-in first, then by name: n rows, names[i]
 * and json[i] (the object). */
struct role_list {
	int n;
	const char **names;
	const char **json;
};

/* What each role of the tenant grants: n rows by name, names[i] and
 * permissions[i] (a text[] literal). */
struct role_perms_list {
	int n;
	const char **names;
	const char **permissions;
};

/* Queue the typed reads: every role, one role by name, every role's
 * permissions.  Return the
 * handle or -1 (a loud queue failure, as db_queue). */
int roles_list_all(struct db *db, const char *tid, struct role_list *out);
int roles_get(struct db *db, const char *tid, const char *name,
              struct role *out);
int roles_list_perms(struct db *db, const char *tid,
                     struct role_perms_list *out);

/* Insert a custom role; update a custom role's permissions (bumps the
 * tenant's auth_epoch).  out->found and out->json: the role as written
 * (not found when no custom role of that name exists). */
int roles_insert(struct db *db, const char *tid, const char *name,
                 const char *perms, struct role *out);
int roles_update_perms(struct db *db, const char *tid, const char *name,
                       const char *perms, struct role *out);

/* Deletes a custom role; bumps the tenant's auth_epoch. */
int roles_queue_delete(struct db *db, const char *tid, const char *name);

#endif

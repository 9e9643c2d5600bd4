/*
 * roles.h - built-in and custom roles of a tenant.
 */
#ifndef STRATA_DATA_ROLES_H
#define STRATA_DATA_ROLES_H

struct db;

/* Queues the four built-in roles (owner, admin, member, viewer) for a new
 * tenant.  Returns the last handle or -1. */
int roles_queue_builtins(struct db *db, const char *tid);

/* Rows of (name, json) ordered by name. */
int roles_queue_list(struct db *db, const char *tid);

/* Columns: json, permissions (text[]), builtin (bool), in use (bool). */
int roles_queue_get(struct db *db, const char *tid, const char *name);

/* Inserts a custom role; one row (json). */
int roles_queue_insert(struct db *db, const char *tid, const char *name,
                       const char *perms);

/* Replaces a custom role's permissions; one row (json) when it exists and
 * is not built in. */
int roles_queue_update(struct db *db, const char *tid, const char *name,
                       const char *perms);

/* Deletes a custom role; one row when deleted. */
int roles_queue_delete(struct db *db, const char *tid, const char *name);

#endif

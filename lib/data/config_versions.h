/*
 * config_versions.h - the versions of a tenant's settings, and the custom
 * domains they name.
 *
 * The typed functions queue one statement each into the caller's plan and
 * fill their struct (zeroed now, in db's arena) during db_sync; each
 * returns the statement's handle or -1 (db_queue's loud failure).
 */
#ifndef STRATA_DATA_CONFIG_VERSIONS_H
#define STRATA_DATA_CONFIG_VERSIONS_H

#include <stdbool.h>

struct db;

/* One version: meta is the JSON text {version, updated_at, updated_by,
 * comment, restored_from}; settings its settings' JSON text (NULL in
 * lists). */
struct config_version {
	long long version;
	const char *meta;
	const char *settings;
};

struct config_version_one {
	bool found;
	struct config_version v;
};

/* A page of versions, newer first: at most limit + 1 rows. */
struct config_version_page {
	int n;
	struct config_version *rows;
};

struct config_domain {
	const char *name;
	bool verified;
	const char *verified_at; /* NULL while unverified */
};

struct config_domains {
	int n;
	struct config_domain *rows;
};

/* The outcome of config_write: written, and then the new version's meta
 * JSON text. */
struct config_written {
	bool written;
	const char *meta;
};

/* The first of the names that another tenant holds (NULL: none). */
struct config_domain_taken {
	const char *name;
};

/* The tenant's current version (found false: it never wrote settings). */
int config_current(struct db *db, const char *tid,
                   struct config_version_one *out);

/* Version n (decimal text) of the tenant. */
int config_get(struct db *db, const char *tid, const char *version,
               struct config_version_one *out);

/* Versions below before (NULL: from the newest), at most limit (text). */
int config_list(struct db *db, const char *tid, const char *before,
                const char *limit, struct config_version_page *out);

/* Locks the tenant's row until the transaction ends, so the version read
 * by a later statement of it stays current until the write: of two
 * writers holding the same version, the second waits and then reads the
 * first one's. */
int config_lock(struct db *db, const char *tid);

/* Moves tenants.config_version from expected to expected + 1 and writes
 * that version (written false when another writer got there first).  It
 * notifies no worker: every request reads config_version in its version
 * row. */
int config_write(struct db *db, const char *tid, const char *expected,
                 const char *settings, const char *comment, const char *by,
                 const char *restored_from, struct config_written *out);

/* Makes the domains table follow the settings' domain list (a text[]
 * literal).  Into taken, the first name that another tenant holds; the
 * statement that adds the names then fails (SQLSTATE 23505), so the
 * transaction commits none of it.  A verified domain dropped from the
 * list notifies the workers (their host cache may route it). */
int config_domains_sync(struct db *db, const char *tid, const char *names,
                        struct config_domain_taken *taken);

/* The tenant's domains by name. */
int config_domain_status(struct db *db, const char *tid,
                         struct config_domains *out);

/* The older shape, for tenant creation (lib/data/provision.c): writes the
 * version after expected; one row (the json of the version) when expected
 * was still current.  The first version notifies the workers, whose
 * negative cache may hold the new tenant's slug. */
int config_queue_write(struct db *db, const char *tid, const char *expected,
                       const char *settings, const char *comment,
                       const char *by, const char *restored_from);

/* Marks name verified for the tenant; one row when it was the tenant's
 * (and the workers are notified). */
/* Queues the verified custom domains of every tenant not deleted, one
 * name a row, in order.  Returns the result handle or -1. */
int config_queue_verified_domains(struct db *db);

int config_queue_verify_domain(struct db *db, const char *tid,
                               const char *name);

#endif

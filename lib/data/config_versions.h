/*
 * config_versions.h - the versions of a tenant's settings, and the custom
 * domains they name.
 */
#ifndef STRATA_DATA_CONFIG_VERSIONS_H
#define STRATA_DATA_CONFIG_VERSIONS_H

struct db;

/* Columns: version, settings, json of the version (without settings). */
int config_queue_current(struct db *db, const char *tid);
int config_queue_get(struct db *db, const char *tid, const char *version);

/* Rows of (version, json) newer first, below version before (NULL: from
 * the newest). */
int config_queue_list(struct db *db, const char *tid, const char *before,
                      const char *limit);

/* Moves tenants.config_version from expected to expected + 1 and writes
 * that version; one row (the json of the version) when expected was still
 * current, none when another writer got there first. */
int config_queue_write(struct db *db, const char *tid, const char *expected,
                       const char *settings, const char *comment,
                       const char *by, const char *restored_from);

/* Makes the domains table follow the settings' domain list (a text[]
 * literal); rows of (name) that another tenant holds already. */
int config_queue_domains(struct db *db, const char *tid, const char *names);

/* Rows of (name, verified, verified_at) of the tenant's domains. */
int config_queue_domain_status(struct db *db, const char *tid);

/* Marks name verified for the tenant; one row when it was the tenant's. */
int config_queue_verify_domain(struct db *db, const char *tid,
                               const char *name);

#endif

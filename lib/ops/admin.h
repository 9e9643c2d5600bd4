/*
 * admin.h - the commands of `strata` other than argument parsing: serve,
 * migrate, tenant, operator, keys, audit, retention, explain and routes.
 *
 * Each command reads the process settings (cfg, loaded by the caller),
 * opens what it needs, prints its JSON answer on stdout and returns the
 * process exit status: 0 on success, 1 on failure after one line on stderr
 * ("strata: why"), 3 when a tenant slug is taken.  Every command that names
 * a tenant looks it up the same way (by slug or id, outside any cache).
 */
#ifndef STRATA_OPS_ADMIN_H
#define STRATA_OPS_ADMIN_H

#include <stdbool.h>

#include "data/provision.h"

enum admin_audit_op {
	ADMIN_AUDIT_SEAL,   /* chain the pending events */
	ADMIN_AUDIT_VERIFY, /* check the chain */
	ADMIN_AUDIT_PURGE,  /* drop events past retention (owner role) */
};

/* Prints "strata: msg" on stderr and returns 1, the exit status. */
int admin_fail(const char *msg);

struct db;
struct tenant;

/* The tenant who (slug or id, any status) read on db into *t: 0, or -1
 * after one line on stderr (no such tenant, or the database failed). */
int admin_find_tenant(struct db *db, const char *who, struct tenant *t);

/* Loads the master key, checks the migrations and runs the server with
 * cfg's workers, socket and limits until it is stopped. */
int admin_serve(void);

/* Applies the pending migrations of cfg.sql_dir as the owner role, with
 * partitions partitions (1-1024) for new partitioned tables. */
int admin_migrate(int partitions, bool citus);

/* Provisions a tenant (and its owner when p->owner_email is set) and
 * prints it, with owner_id.  3 when the slug is taken. */
int admin_tenant_create(const struct provision *p);

/* Prints every tenant ([] when there is none). */
int admin_tenant_list(void);

/* Citus only (docs/scale-out.md), as the owner role.  isolate gives the
 * tenant shards of its own (isolate_tenant_to_new_shard, CASCADE, online);
 * place moves its shard group to the worker node "host:port"
 * (citus_move_shard_placement, online); both print the placement
 * afterwards.  stats prints the limit busiest tenants by
 * citus_stat_tenants. */
int admin_tenant_isolate(const char *who);
int admin_tenant_place(const char *who, const char *node);
int admin_tenant_stats(int limit);

/* Sets the status ("active", "suspended") of tenant who and prints it. */
int admin_tenant_set_status(const char *who, const char *status);

/* Removes every row of tenant who, which must be 'deleted', as the owner
 * role (the app role may not delete audit events). */
int admin_tenant_purge(const char *who);

/* Marks domain verified for tenant who (DNS or a challenge was checked out
 * of band); fails unless the tenant's settings name the domain.  Then
 * rewrites nginx's list of verified domains (ops/domainmap.h), so that
 * nginx serves the name. */
int admin_tenant_domain_verify(const char *who, const char *domain);

/* Verifies domain as an e-mail domain of tenant who: people with an
 * address there may join it (data/joins.h) while its settings list the
 * domain in auth.join_domains.  Refused when they do not, or another
 * tenant holds the domain.  Returns the exit status. */
int admin_tenant_join_domain_verify(const char *who, const char *domain);

/* Rewrites nginx's list of verified domains (cfg.nginx_domains_map) and
 * has nginx reload it: after a restore, or once a tenant dropped a name. */
int admin_tenant_domain_map(void);

/* Creates a platform operator with the e-mail rule of login
 * (email_norm) and the password policy, and makes the platform signing
 * key on first use.  password is wiped by the caller. */
int admin_operator_create(const char *email, const char *password);

/* Gives (on) or takes the support role (impersonation with the tenant's
 * consent, api/impersonation.h) of the operator with that e-mail; prints
 * {"email", "support"}.  Returns 0, or 1 when there is no such operator. */
int admin_operator_support(const char *email, bool on);

/* Rotates tenant who's signing, data and index keys; prints the new ids. */
int admin_keys_rotate(const char *who);

/* Re-seals tenant who's personal data under its current keys, then
 * retires its old data and index keys (ops/reencrypt.h); prints the
 * counts.  Safe while the service runs; a stopped run resumes. */
int admin_keys_reencrypt(const char *who);

/* Seals, verifies or purges the audit chain of tenant who, or of every
 * tenant when who is NULL.  days > 0 overrides the tenant's audit
 * retention for ADMIN_AUDIT_PURGE; 0 keeps it.  Prints one object per
 * tenant; 1 when any of them failed (or, for verify, is broken). */
int admin_audit(enum admin_audit_op op, const char *who, int days);

/* Purges records past their collections' retention for tenant who, or for
 * every tenant that is not deleted when who is NULL. */
int admin_retention_run(const char *who);

/* Prints the plan PostgreSQL chooses for a record list of collection in
 * tenant who, built by the API's own code from query (a query string, NULL
 * for none) and run as the app role inside the tenant.  The schema tests
 * read it to prove lists are served by indexes. */
int admin_explain(const char *who, const char *collection, const char *query);

/* Prints the route table as JSON, for tests that walk every route. */
int admin_routes(void);

/* `strata tenant export SLUG --seal-for PUB.pem [--keys-only]`: the
 * faithful export (or the sealed keyring alone) on stdout.  0 or 1. */
int admin_tenant_export(const char *who, const char *pub_path, bool keys_only);

/* `strata tenant import FILE [--slug NEW] [--keep-id]`: prints the new
 * tenant; 0, or 1 with the reason (and 2 for a slug or id that exists). */
int admin_tenant_import(const char *file, const char *slug, bool keep_id);

/* `strata tenant import-keys SLUG FILE`: adopts a sealed keyring (or an
 * export's) into an existing tenant.  0 or 1. */
int admin_tenant_import_keys(const char *who, const char *file);

/* `strata keys transport-public`: the region's transport public key (PEM),
 * made on first use.  0 or 1. */
int admin_keys_transport_public(void);

#endif

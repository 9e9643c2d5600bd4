/*
 * tenant_import.h - the faithful tenant export and the tenant import
 * (docs/import.md): `strata tenant export SLUG --seal-for PUB.pem`,
 * `strata tenant import FILE`, POST /v1/platform/tenants/import.
 *
 * A faithful export is
 *
 *     {"format":"strata-tenant-export","version":1,"faithful":true,
 *      "exported_at":..., "tenant":{id,slug,name,plan,region,status,
 *      config_version}, "keyring":<sealed keyring>, "tables":{...}}
 *
 * (data/tenant_copy.h for "tables", ops/keyring_transfer.h for
 * "keyring").  The import creates the tenant from it in one transaction:
 * every carried row under the new id, the keys wrapped under this
 * region's master key, values whose associated data names the tenant id
 * sealed again for the new one, the import audited in the new tenant's
 * chain and in the platform log.  All or nothing.  A plain export (GET
 * /v1/export) is imported too, with what it holds: new keys, users
 * without passwords (they reset them), no API keys, no audit chain.
 */
#ifndef STRATA_OPS_TENANT_IMPORT_H
#define STRATA_OPS_TENANT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/uuid.h"

struct arena;
struct db;
struct request;
struct transport_key;

enum tenant_import_status {
	TENANT_IMPORT_OK = 0,
	TENANT_IMPORT_MALFORMED,   /* not JSON, or not an export (400) */
	TENANT_IMPORT_INVALID,     /* an export we refuse: tampered, sealed
	                              for another region, rows that do not
	                              fit, a plain export (422) */
	TENANT_IMPORT_CONFLICT,    /* the slug or id exists (409) */
	TENANT_IMPORT_UNAVAILABLE, /* the database is unavailable (503) */
	TENANT_IMPORT_FAILED,      /* anything else (500) */
};

struct tenant_import_options {
	const char *slug; /* NULL: the export's */
	bool keep_id;     /* keep the export's tenant id, else a new one */
	const char *actor_type; /* "operator" or "system" */
	const char *actor_id;   /* the operator's id, or "" */
	const char *request_id; /* "" outside a request */
	const char *client_addr;
};

struct tenant_import_result {
	const char *why;   /* the reason of a refusal (static or arena) */
	const char *field; /* the member of the input it is about, or "" */
	char id[UUID_STR_LEN + 1];
	const char *slug;
	const char *name;
	const char *source_id;
	long long rows; /* rows carried */
	int keys;       /* keys adopted */
	int resealed;   /* values sealed again for the new id */
	bool plain;     /* from a plain export: no passwords came along */
};

/* Writes tenant's faithful export, its keyring sealed for pub, to f.
 * Reads in one REPEATABLE READ snapshot.  Returns 0, or -1 with *why. */
int tenant_import_export(struct db *db, struct arena *a,
                         const struct uuid *tenant,
                         const struct transport_key *pub, FILE *f,
                         const char **why);

/* Imports doc[0..len), a faithful export (opened with this region's
 * transport key pair priv) or a plain one (GET /v1/export: new keys, no
 * passwords, no API keys, no audit chain), on req's database, in req's
 * arena.  req's tenant is the new one while its personal fields are
 * sealed, and restored after.  Returns an enum tenant_import_status; out
 * says what was made, or why not.  Nothing is written unless
 * TENANT_IMPORT_OK. */
int tenant_import_run(struct request *req, const char *doc, size_t len,
                      const struct transport_key *priv,
                      const struct tenant_import_options *o,
                      struct tenant_import_result *out);

/* The region's transport key pair (made on first use beside the master
 * key), loaded once per process.  NULL (reason on stderr) when it cannot
 * be. */
const struct transport_key *tenant_import_transport_key(void);

#endif

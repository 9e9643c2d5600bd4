/*
 * admin.c - what `strata <command>` does once its arguments are parsed.
 *
 * Commands open one database session each (an arena and a connection),
 * find their tenants through lookup() and nothing else, and leave SQL,
 * hashing and transactions to lib/data and lib/sec.
 */
#include "ops/admin.h"
#include "ops/reencrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/health.h"
#include "api/records.h"
#include "api/routes.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/email.h"
#include "core/json.h"
#include "core/request.h"
#include "core/server.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/config_versions.h"
#include "data/db.h"
#include "data/directory.h"
#include "data/joins.h"
#include "data/keyring.h"
#include "data/migrate.h"
#include "data/operators.h"
#include "data/support.h"
#include "data/records.h"
#include "data/retention.h"
#include "data/settings.h"
#include "data/tenant_copy.h"
#include "data/shards.h"
#include "data/tenants.h"
#include "ops/domainmap.h"
#include "ops/keyring_transfer.h"
#include "ops/tenant_import.h"
#include "sec/crypto.h"
#include "sec/masterkey.h"
#include "sec/password.h"
#include "sec/rbac.h"
#include "sec/transport.h"

/* A database session for one command, with its own arena. */
struct session {
	struct arena *arena;
	struct db db;
};

int
admin_fail(const char *msg)
{
	fprintf(stderr, "strata: %s\n", msg);
	return 1;
}

int
admin_find_tenant(struct db *db, const char *who, struct tenant *t)
{
	struct tenant_one one;

	if (tenants_get(db, who, &one) < 0 || db_sync(db) != DB_OK) {
		admin_fail("cannot read the tenant");
		return -1;
	}
	if (!one.found) {
		admin_fail("no such tenant");
		return -1;
	}
	*t = one.t;
	return 0;
}

/* The owner role's connection where one is configured (it may delete
 * audit events and run migrations), else the app role's. */
static const char *
owner_conninfo(void)
{
	return *cfg.owner_database_url ? cfg.owner_database_url
	                               : cfg.database_url;
}

/* The session's arena, before anything that can fail. */
static void
session_init(struct session *s, const char *conninfo)
{
	s->arena = arena_new(64 * 1024, 512UL * 1024 * 1024);
	json_use_arena(s->arena);
	db_init(&s->db, conninfo);
}

/* Loads the master key and connects; -1 after saying why. */
static int
session_connect(struct session *s)
{
	if (masterkey_load(cfg.master_key_file) < 0)
		return -1;
	if (db_ready(&s->db, s->arena) < 0) {
		admin_fail("cannot connect to the database");
		return -1;
	}
	return 0;
}

static int
session_open(struct session *s, const char *conninfo)
{
	session_init(s, conninfo);
	return session_connect(s);
}

static void
session_close(struct session *s)
{
	db_close(&s->db);
	if (s->arena != NULL)
		arena_free(s->arena);
	s->arena = NULL;
}

/* The one tenant lookup of the command line: tenant who (slug or id), or
 * every tenant when who is NULL, read outside any cache and copied into
 * *out in s's arena.  Returns their count (0 only when who is NULL), or -1
 * after saying why. */
static int
lookup(struct session *s, const char *who, struct tenant **out)
{
	int h =
	    who ? tenants_queue_get(&s->db, who) : tenants_queue_list(&s->db);
	PGresult *r;
	int n;

	if (h < 0 || db_sync(&s->db) != 0) {
		admin_fail(who ? "cannot read the tenant"
		               : "cannot list tenants");
		return -1;
	}
	r = db_result(&s->db, h);
	n = PQntuples(r);
	if (n == 0 && who != NULL) {
		admin_fail("no such tenant");
		return -1;
	}
	*out = arena_calloc(s->arena, n > 0 ? (size_t)n : 1, sizeof(**out));
	for (int i = 0; i < n; i++)
		tenants_from_row(&(*out)[i], r, i);
	return n;
}

static void
print_json(cJSON *o)
{
	printf("%s\n", json_print(o));
}

int
admin_serve(void)
{
	struct server_opts o = {0};
	struct migration files[MIGRATE_MAX];
	int n = migrate_scan(cfg.sql_dir, files, MIGRATE_MAX);

	if (n <= 0)
		return admin_fail("no migrations found in sql_dir");
	/* Read before privileges are dropped; workers inherit it. */
	if (masterkey_load(cfg.master_key_file) < 0)
		return admin_fail(
		    "refusing to start without a valid master key");
	/* The transport key too: tenant import (docs/import.md). */
	if (tenant_import_transport_key() == NULL)
		fprintf(stderr, "strata: no transport key: tenant import will "
		                "answer 500\n");
	health_set_expected_migration(files[n - 1].name);
	o.socket_path = cfg.socket_path;
	o.socket_group = cfg.socket_group;
	o.user = cfg.user;
	o.workers = cfg.workers;
	o.max_requests = cfg.max_requests;
	o.worker_main = app_worker_main;
	o.setup = app_setup;
	o.reaped = app_reaped;
	o.procs = app_background;
	return server_run(&o);
}

int
admin_migrate(int partitions, bool citus)
{
	if (partitions < 1 || partitions > 1024)
		return admin_fail("--partitions must be 1-1024");
	if (migrate_run(owner_conninfo(), cfg.sql_dir, partitions,
	                citus ? MIGRATE_CITUS : 0) < 0)
		return 1;
	/* A region's database publishes its directory rows (docs/regions.md).
	 */
	if (*cfg.region != '\0' &&
	    directory_set_region(owner_conninfo(), cfg.region) < 0)
		return 1;
	return 0;
}

int
admin_tenant_create(const struct provision *p)
{
	struct session s;
	struct tenant t;
	struct uuid owner;
	struct provision_refusal why = {"", ""};
	cJSON *o;
	int rc;

	if (p->slug == NULL || p->name == NULL)
		return admin_fail("tenant create needs --slug and --name");
	if (session_open(&s, cfg.database_url) < 0) {
		session_close(&s);
		return 1;
	}
	rc = provision_tenant(&s.db, s.arena, p, &t, &owner, &why);
	if (rc != 0) {
		admin_fail(why.why);
		session_close(&s);
		return rc == PROVISION_TAKEN ? 3 : 1;
	}
	o = tenants_json(&t);
	if (p->owner_email != NULL) {
		char id[UUID_STR_LEN + 1];

		uuid_format(&owner, id);
		cJSON_AddStringToObject(o, "owner_id", id);
	}
	print_json(o);
	session_close(&s);
	return 0;
}

int
admin_tenant_list(void)
{
	struct session s;
	struct tenant *t;
	cJSON *a;
	int n, rc = 1;

	if (session_open(&s, cfg.database_url) < 0 ||
	    (n = lookup(&s, NULL, &t)) < 0)
		goto out;
	a = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, tenants_json(&t[i]));
	print_json(a);
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_tenant_set_status(const char *who, const char *status)
{
	struct session s;
	struct tenant t;
	PGresult *r;
	int h, rc = 1;

	if (who == NULL)
		return admin_fail("which tenant?");
	if (session_open(&s, cfg.database_url) < 0)
		goto out;
	h = tenants_queue_set_status(&s.db, who, status);
	if (h < 0 || db_sync(&s.db) != 0) {
		admin_fail("cannot change the tenant");
		goto out;
	}
	r = db_result(&s.db, h);
	if (PQntuples(r) == 0) {
		admin_fail("no such tenant");
		goto out;
	}
	tenants_from_row(&t, r, 0);
	print_json(tenants_json(&t));
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_tenant_purge(const char *who)
{
	struct session s;
	struct tenant *t;
	int rc = 1;

	if (who == NULL)
		return admin_fail("which tenant?");
	if (session_open(&s, owner_conninfo()) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	if (strcmp(t->status, "deleted") != 0) {
		admin_fail("only a deleted tenant can be purged");
		goto out;
	}
	if (tenants_purge(&s.db, &t->id) < 0) {
		admin_fail("purge failed");
		goto out;
	}
	printf("{\"purged\":\"%s\"}\n", t->id_str);
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_tenant_domain_verify(const char *who, const char *domain)
{
	struct session s;
	struct tenant *t;
	int h, rc = 1;

	if (who == NULL || domain == NULL)
		return admin_fail(
		    "tenant domain verify --tenant SLUG --domain NAME");
	if (session_open(&s, cfg.database_url) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	h = config_queue_verify_domain(&s.db, t->id_str, domain);
	if (h < 0 || db_sync(&s.db) != 0 ||
	    PQntuples(db_result(&s.db, h)) != 1) {
		admin_fail("the tenant's settings do not name this domain");
		goto out;
	}
	/* nginx serves the name from now on (its map of custom domains). */
	if (domainmap_write(&s.db) < 0)
		goto out;
	printf("{\"tenant\":\"%s\",\"domain\":\"%s\",\"verified\":true}\n",
	       t->slug, domain);
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_tenant_join_domain_verify(const char *who, const char *domain)
{
	struct session s;
	struct tenant *t;
	int rc = 1;

	if (who == NULL || domain == NULL)
		return admin_fail(
		    "tenant join-domain verify --tenant SLUG --domain NAME");
	if (session_open(&s, cfg.database_url) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	switch (joins_verify_domain(&s.db, t->id_str, domain)) {
	case 1:
		printf("{\"tenant\":\"%s\",\"join_domain\":\"%s\","
		       "\"verified\":true}\n",
		       t->slug, domain);
		rc = 0;
		break;
	case 0:
		admin_fail("the tenant's auth.join_domains do not name this "
		           "domain, or another tenant holds it");
		break;
	default:
		admin_fail("the domain cannot be verified now");
	}
out:
	session_close(&s);
	return rc;
}

int
admin_tenant_domain_map(void)
{
	struct session s;
	int n, rc = 1;

	if (*cfg.nginx_domains_map == '\0')
		return admin_fail("nginx_domains_map is not set");
	if (session_open(&s, cfg.database_url) < 0)
		goto out;
	if ((n = domainmap_write(&s.db)) < 0)
		goto out;
	printf("{\"domains\":%d}\n", n);
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_operator_create(const char *email, const char *password)
{
	struct session s;
	char hash[PASSWORD_HASH_MAX], id[UUID_STR_LEN + 1];
	unsigned char key[CRYPTO_KEY_LEN];
	const char *why, *norm;
	struct uuid u;
	int rc = 1;

	if (email == NULL || password == NULL)
		return admin_fail("operator create needs an e-mail and a "
		                  "password");
	/* Input is checked before the database is asked anything. */
	session_init(&s, cfg.database_url);
	if ((norm = email_norm(s.arena, email)) == NULL) {
		admin_fail("invalid e-mail");
		goto out;
	}
	if ((why = password_policy(password, email, PASSWORD_MIN_DEFAULT))) {
		admin_fail(why);
		goto out;
	}
	if (password_hash(password, cfg.scrypt_log2n, hash) < 0) {
		admin_fail("cannot hash the password");
		goto out;
	}
	if (session_connect(&s) < 0)
		goto out;
	uuid_v7(&u);
	uuid_format(&u, id);
	/* The platform signing key is made on first use. */
	if (operators_queue_insert(&s.db, id, email, norm, hash) < 0 ||
	    db_sync(&s.db) != 0 ||
	    operators_signing_key(&s.db, NULL, NULL, key) != 0) {
		admin_fail("cannot create the operator (e-mail taken?)");
		goto out;
	}
	printf("{\"id\":\"%s\",\"email\":\"%s\"}\n", id, norm);
	rc = 0;
out:
	crypto_wipe(key, sizeof(key));
	crypto_wipe(hash, sizeof(hash));
	session_close(&s);
	return rc;
}

int
admin_operator_support(const char *email, bool on)
{
	struct support_operator op;
	struct session s;
	const char *norm;
	int rc = 1;

	session_init(&s, cfg.database_url);
	if (email == NULL || (norm = email_norm(s.arena, email)) == NULL) {
		admin_fail("invalid e-mail");
		goto out;
	}
	if (session_connect(&s) < 0)
		goto out;
	if (support_operator_set(&s.db, norm, on, &op) < 0 ||
	    db_sync(&s.db) != 0) {
		admin_fail("cannot change the operator's role");
		goto out;
	}
	if (!op.found) {
		admin_fail("no such operator");
		goto out;
	}
	printf("{\"email\":\"%s\",\"support\":%s}\n", norm,
	       op.support ? "true" : "false");
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_keys_rotate(const char *who)
{
	struct session s;
	struct tenant *t;
	struct uuid ids[3];
	char k[3][UUID_STR_LEN + 1];
	int rc = 1;

	if (who == NULL)
		return admin_fail("keys rotate --tenant SLUG");
	if (session_open(&s, cfg.database_url) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	db_begin(&s.db, &t->id);
	if (keyring_queue_rotate(&s.db, &t->id, ids) < 0 ||
	    db_commit(&s.db) < 0 || db_sync(&s.db) != 0) {
		admin_fail("rotation failed");
		goto out;
	}
	for (int i = 0; i < 3; i++)
		uuid_format(&ids[i], k[i]);
	printf("{\"signing_key_id\":\"%s\",\"data_key_id\":\"%s\","
	       "\"index_key_id\":\"%s\"}\n",
	       k[0], k[1], k[2]);
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_keys_reencrypt(const char *who)
{
	struct session s;
	struct tenant *t;
	struct reencrypt_report rep;
	struct arena *batch = NULL;
	const char *why = NULL;
	int rc = 1;

	if (who == NULL)
		return admin_fail("keys reencrypt --tenant SLUG");
	if (session_open(&s, cfg.database_url) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	batch = arena_new(64 * 1024, 256UL * 1024 * 1024);
	if (reencrypt_tenant(&s.db, batch, t, &rep, &why) < 0) {
		admin_fail(why ? why : "re-encryption failed");
		goto out;
	}
	printf("{\"tenant\":\"%s\",\"resumed\":%s,\"records\":%lld,"
	       "\"unreadable\":%lld,\"subject_keys\":%lld,"
	       "\"mfa_secrets\":%lld,\"dead_subjects\":%lld,\"retired_data_"
	       "keys\":%lld,"
	       "\"retired_index_keys\":%lld}\n",
	       t->slug, rep.resumed ? "true" : "false", rep.records,
	       rep.unreadable, rep.subject_keys, rep.mfa_secrets,
	       rep.dead_subjects, rep.retired_data, rep.retired_index);
	rc = 0;
out:
	json_use_arena(s.arena);
	session_close(&s);
	if (batch != NULL)
		arena_free(batch);
	return rc;
}

/* Purges t's audit events older than days (the operator's explicit
 * choice), or, when days is 0, than its effective audit retention: its
 * setting raised to the floor of the platform and its plan (settings_load
 * applies the plan).  Adds "days" and "purged" to o; -1 on failure. */
static int
audit_purge_one(struct session *s, const struct tenant *t, int days, cJSON *o)
{
	long keep = days;
	long long k;

	if (days == 0) {
		struct tenant_settings *ts = arena_alloc(s->arena, sizeof(*ts));

		keep = 365;
		db_begin(&s->db, &t->id);
		if (settings_load(&s->db, &t->id, t->config_version, ts) == 0)
			keep = ts->audit_days;
		db_finish(&s->db);
	}
	cJSON_AddNumberToObject(o, "days", (double)keep);
	k = audit_purge(&s->db, s->arena, &t->id, (int)keep);
	cJSON_AddNumberToObject(o, "purged", (double)k);
	return k < 0 ? -1 : 0;
}

/* Verifies t's chain into o; -1 when it cannot be read or is broken. */
static int
audit_verify_one(struct session *s, const struct tenant *t, cJSON *o)
{
	struct audit_report rep = {0};
	int rc = audit_verify(&s->db, s->arena, &t->id, &rep);

	cJSON_AddBoolToObject(o, "valid", rep.valid);
	cJSON_AddNumberToObject(o, "events", (double)rep.events);
	cJSON_AddNumberToObject(o, "broken_at", (double)rep.broken_at);
	return rc < 0 || !rep.valid ? -1 : 0;
}

int
admin_audit(enum admin_audit_op op, const char *who, int days)
{
	struct session s;
	struct tenant *t;
	cJSON *out;
	int n, rc = 1;

	if (op == ADMIN_AUDIT_VERIFY && who == NULL)
		return admin_fail("audit verify needs --tenant");
	if (days < 0)
		return admin_fail("--days must be at least 1");
	if (session_open(&s, op == ADMIN_AUDIT_PURGE ? owner_conninfo()
	                                             : cfg.database_url) < 0 ||
	    (n = lookup(&s, who, &t)) < 0)
		goto out;
	rc = 0;
	out = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		int k;

		cJSON_AddStringToObject(o, "tenant", t[i].slug);
		/* A fresh statement queue per tenant. */
		if (db_ready(&s.db, s.arena) < 0) {
			rc = 1;
			break;
		}
		if (op == ADMIN_AUDIT_SEAL) {
			k = audit_seal(&s.db, s.arena, &t[i].id, 0);
			cJSON_AddNumberToObject(o, "sealed", k);
		} else if (op == ADMIN_AUDIT_PURGE) {
			k = audit_purge_one(&s, &t[i], days, o);
		} else {
			k = audit_verify_one(&s, &t[i], o);
		}
		rc |= k < 0;
		db_finish(&s.db);
		cJSON_AddItemToArray(out, o);
	}
	print_json(out);
out:
	session_close(&s);
	return rc ? 1 : 0;
}

int
admin_retention_run(const char *who)
{
	struct session s;
	struct tenant *t;
	cJSON *out;
	int n, rc = 1;

	if (session_open(&s, cfg.database_url) < 0 ||
	    (n = lookup(&s, who, &t)) < 0)
		goto out;
	rc = 0;
	out = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		cJSON *o, *c;
		long long k;

		if (strcmp(t[i].status, "deleted") == 0)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "tenant", t[i].slug);
		c = cJSON_AddObjectToObject(o, "collections");
		k = retention_run(&s.db, s.arena, &t[i].id, t[i].config_version,
		                  c);
		cJSON_AddNumberToObject(o, "purged", (double)k);
		rc |= k < 0;
		cJSON_AddItemToArray(out, o);
	}
	print_json(out);
out:
	session_close(&s);
	return rc ? 1 : 0;
}

/* A GET request for /explain with query, parsed as the API would, inside
 * tenant t. */
static int
explain_request(struct session *s, struct request *req, struct tenant *t,
                const char *collection, const char *query)
{
	char *env[4];

	env[0] = arena_strdup(s->arena, "REQUEST_METHOD=GET");
	env[1] = arena_strdup(s->arena, "REQUEST_URI=/explain");
	env[2] = arena_printf(s->arena, "QUERY_STRING=%s", query ? query : "");
	env[3] = NULL;
	if (request_parse(req, s->arena, env) != 0)
		return -1;
	req->db = &s->db;
	req->tenant = t;
	req->args[0] = collection;
	req->nargs = 1;
	return 0;
}

int
admin_explain(const char *who, const char *collection, const char *query)
{
	struct session s;
	struct request req;
	struct record_query q;
	struct record_sql sql = {0};
	const struct collection *c;
	struct tenant *t;
	const char *why = "";
	PGresult *r;
	int h, rc = 1;

	if (who == NULL || collection == NULL)
		return admin_fail(
		    "explain --tenant SLUG --collection C [--query Q]");
	if (session_open(&s, cfg.database_url) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	if (explain_request(&s, &req, t, collection, query) < 0) {
		admin_fail("the query string is malformed");
		goto out;
	}
	db_begin(&s.db, &t->id);
	h = collections_queue_get(&s.db, t->id_str, collection, false);
	if (h < 0 || db_sync(&s.db) != 0 ||
	    PQntuples(r = db_result(&s.db, h)) != 1) {
		admin_fail("no such collection");
		goto out;
	}
	c = collection_cached(&t->id, collection,
	                      strtoll(db_value(r, 0, 0), NULL, 10),
	                      db_value(r, 0, 1));
	if (c == NULL || records_read_query(&req, c, &q) < 0 ||
	    records_build_list(s.arena, &q, &sql, &why) < 0) {
		fprintf(stderr, "strata: %s%s\n", why,
		        req.res.body.len ? req.res.body.data : "");
		goto out;
	}
	h = records_queue_explain(&s.db, s.arena, &sql);
	if (h < 0 || db_sync(&s.db) != 0) {
		admin_fail("explain failed");
		goto out;
	}
	r = db_result(&s.db, h);
	for (int i = 0; i < PQntuples(r); i++)
		printf("%s\n", db_value(r, i, 0));
	rc = 0;
out:
	session_close(&s);
	return rc;
}

int
admin_routes(void)
{
	struct arena *a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	cJSON *arr;

	json_use_arena(a);
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *r = &routes[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "method", r->method);
		cJSON_AddStringToObject(o, "pattern", r->pattern);
		cJSON_AddItemToObject(o, "permissions", rbac_json(r->perm));
		cJSON_AddBoolToObject(o, "apex", r->flags & ROUTE_APEX);
		cJSON_AddBoolToObject(o, "tenant", r->flags & ROUTE_TENANT);
		cJSON_AddBoolToObject(o, "auth", r->flags & ROUTE_AUTH);
		cJSON_AddBoolToObject(o, "operator", r->flags & ROUTE_OPERATOR);
		cJSON_AddBoolToObject(o, "owner", r->flags & ROUTE_OWNER);
		cJSON_AddItemToArray(arr, o);
	}
	print_json(arr);
	arena_free(a);
	return 0;
}

/* Tenant import (docs/import.md). */

/* An import file is read whole: at most this many bytes. */
#define IMPORT_FILE_MAX (256UL * 1024 * 1024)

/* The bytes of path into the arena (NUL-terminated), or NULL after
 * saying why. */
static char *
slurp(struct arena *a, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 64 * 1024, n = 0, got;
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "strata: cannot read %s\n", path);
		return NULL;
	}
	buf = arena_alloc(a, cap + 1);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n < cap)
			continue;
		if (cap >= IMPORT_FILE_MAX) {
			fclose(f);
			admin_fail("the file is larger than 256 MiB");
			return NULL;
		}
		buf = arena_realloc(a, buf, cap + 1, 2 * cap + 1);
		cap *= 2;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
admin_tenant_export(const char *who, const char *pub_path, bool keys_only)
{
	struct session s;
	struct tenant *t;
	struct transport_key *pub = NULL;
	struct tenant_copy_keys keys;
	const char *why = NULL, *sealed;
	int rc = 1;

	if (who == NULL || pub_path == NULL)
		return admin_fail("tenant export SLUG --seal-for PUB.pem "
		                  "[--keys-only]");
	if ((pub = transport_public_file(pub_path)) == NULL)
		return 1;
	if (session_open(&s, cfg.database_url) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	if (!keys_only) {
		if (tenant_import_export(&s.db, s.arena, &t->id, pub, stdout,
		                         &why) < 0)
			admin_fail(why);
		else
			rc = 0;
		goto out;
	}
	db_begin(&s.db, &t->id);
	tenant_copy_queue_keys(&s.db, t->id_str, &keys);
	db_commit(&s.db);
	if (db_sync(&s.db) != 0) {
		admin_fail("cannot read the tenant's keys");
		goto out;
	}
	sealed = keyring_transfer_seal(s.arena, &t->id, &keys, NULL, pub, &why);
	if (sealed == NULL)
		admin_fail(why);
	else
		rc = printf("%s\n", sealed) < 0;
out:
	transport_free(pub);
	session_close(&s);
	return rc;
}

/* The request a command-line import runs in (sealing a plain export's
 * personal fields takes one, as in a worker). */
static int
import_request(struct session *s, struct request *req)
{
	char *env[3];

	env[0] = arena_strdup(s->arena, "REQUEST_METHOD=POST");
	env[1] = arena_strdup(s->arena, "REQUEST_URI=/import");
	env[2] = NULL;
	if (request_parse(req, s->arena, env) != 0)
		return -1;
	req->db = &s->db;
	req->request_id = "";
	req->client_addr = "";
	return 0;
}

int
admin_tenant_import(const char *file, const char *slug, bool keep_id)
{
	struct session s;
	struct tenant_import_options o = {
	    .slug = slug,
	    .keep_id = keep_id,
	    .actor_type = "system",
	    .actor_id = "cli",
	    .request_id = "",
	    .client_addr = "",
	};
	struct tenant_import_result r;
	const struct transport_key *k;
	struct request req;
	const char *doc;
	size_t len = 0;
	int rc = 1, st;

	if (file == NULL)
		return admin_fail(
		    "tenant import FILE [--slug NEW] [--keep-id]");
	if (session_open(&s, cfg.database_url) < 0 ||
	    (k = tenant_import_transport_key()) == NULL ||
	    (doc = slurp(s.arena, file, &len)) == NULL ||
	    import_request(&s, &req) < 0)
		goto out;
	st = tenant_import_run(&req, doc, len, k, &o, &r);
	if (st != TENANT_IMPORT_OK) {
		fprintf(stderr, "strata: import refused (%s): %s\n",
		        *r.field ? r.field : "-", r.why);
		rc = st == TENANT_IMPORT_CONFLICT ? 2 : 1;
		goto out;
	}
	printf("{\"id\":\"%s\",\"slug\":\"%s\",\"source_id\":\"%s\","
	       "\"format\":\"%s\",\"rows\":%lld,\"keys\":%d,"
	       "\"resealed\":%d}\n",
	       r.id, r.slug, r.source_id, r.plain ? "plain" : "faithful",
	       r.rows, r.keys, r.resealed);
	if (r.plain)
		fprintf(stderr, "strata: a plain export carries no passwords: "
		                "every user must reset theirs "
		                "(POST /v1/auth/password/forgot)\n");
	rc = 0;
out:
	session_close(&s);
	return rc;
}

/* The sealed keyring of a file: the file itself, or an export's member. */
static const char *
keyring_text(const char *doc, size_t len)
{
	const char *why;
	cJSON *o = json_parse(doc, len, JSON_MAX_DEPTH + 32, &why);
	const cJSON *kr =
	    o ? cJSON_GetObjectItemCaseSensitive(o, "keyring") : NULL;

	if (o == NULL)
		return NULL;
	return cJSON_IsObject(kr) ? json_print(kr) : doc;
}

int
admin_tenant_import_keys(const char *who, const char *file)
{
	struct session s;
	struct tenant *t;
	struct keyring_transfer k = {0};
	const struct transport_key *priv;
	const char *doc, *text, *why = "";
	size_t len = 0;
	int rc = 1;

	if (who == NULL || file == NULL || *file == '\0')
		return admin_fail("tenant import-keys SLUG FILE");
	if (session_open(&s, cfg.database_url) < 0 || lookup(&s, who, &t) < 0 ||
	    (priv = tenant_import_transport_key()) == NULL ||
	    (doc = slurp(s.arena, file, &len)) == NULL)
		goto out;
	if ((text = keyring_text(doc, len)) == NULL ||
	    keyring_transfer_open(s.arena, text, strlen(text), priv, &k, &why) <
	        0) {
		admin_fail(text ? why : "the file is not valid JSON");
		goto out;
	}
	db_begin(&s.db, &t->id);
	if (keyring_transfer_queue_adopt(&s.db, s.arena, &t->id, &k) < 0 ||
	    audit_queue_system(&s.db, &t->id, "keys.import", "tenant",
	                       t->id_str, NULL) < 0 ||
	    db_commit(&s.db) < 0 || db_sync(&s.db) != 0) {
		admin_fail("the keys could not be adopted");
		goto out;
	}
	printf("{\"tenant\":\"%s\",\"keys\":%d}\n", t->id_str, k.n);
	rc = 0;
out:
	keyring_transfer_wipe(&k);
	session_close(&s);
	return rc;
}

int
admin_keys_transport_public(void)
{
	const struct transport_key *k = tenant_import_transport_key();
	char *pem = k ? transport_public_pem(k) : NULL;

	if (pem == NULL)
		return admin_fail("no transport key");
	fputs(pem, stdout);
	free(pem);
	return 0;
}

/* Runs the one statement queued as h and answers its result, or NULL after
 * saying what failed and the server's reason (an operator's terminal). */
static PGresult *
run_one(struct session *s, int h, const char *what)
{
	if (h < 0 || db_sync(&s->db) != 0) {
		fprintf(stderr, "strata: %s failed: %s\n", what, s->db.errmsg);
		return NULL;
	}
	return db_result(&s->db, h);
}

/* Sets FORCE ROW LEVEL SECURITY to force on every tenant table, one table
 * per round trip, each tried up to 5 times (a lock wait under live traffic
 * can end in a deadlock).  0 or -1 after saying why. */
static int
set_force(struct session *s, bool force)
{
	PGresult *r = run_one(s, shards_queue_force_list(&s->db, force),
	                      "listing the tenant tables");
	int n = r ? PQntuples(r) : -1;
	char **names;

	if (n < 0)
		return -1;
	names = arena_calloc(s->arena, (size_t)n + 1, sizeof(*names));
	for (int i = 0; i < n; i++)
		names[i] = arena_strdup(s->arena, PQgetvalue(r, i, 0));
	for (int i = 0; i < n; i++) {
		int tries = 0;

		while (
		    run_one(s, shards_queue_force_one(&s->db, names[i], force),
		            force ? "restoring FORCE ROW LEVEL SECURITY"
		                  : "lifting FORCE ROW LEVEL SECURITY") == NULL)
			if (++tries == 5)
				return -1;
	}
	return 0;
}

/* The online transfer of tenant's shard group (place it on host:port, or
 * isolate it when host is NULL) with FORCE ROW LEVEL SECURITY lifted
 * (shards.h), restored whatever the outcome.  0 or -1 after saying why. */
static int
transfer(struct session *s, const char *what, const char *tenant,
         const char *host, const char *port)
{
	int rc = -1;

	if (set_force(s, false) < 0) {
		set_force(s, true);
		return -1;
	}
	if (run_one(s,
	            host ? shards_queue_place(&s->db, tenant, host, port)
	                 : shards_queue_isolate(&s->db, tenant),
	            what) != NULL)
		rc = 0;
	if (set_force(s, true) < 0)
		rc = -1;
	return rc;
}

/* Prints where tenant t's shard is: {"tenant","shard","node","alone"}. */
static int
print_placement(struct session *s, const struct tenant *t)
{
	PGresult *r = run_one(s, shards_queue_where(&s->db, t->id_str),
	                      "reading the placement");
	char node[300];
	cJSON *o;

	if (r == NULL || PQntuples(r) != 1)
		return r == NULL ? 1 : admin_fail("the tenant has no shard");
	snprintf(node, sizeof(node), "%s:%s", PQgetvalue(r, 0, 1),
	         PQgetvalue(r, 0, 2));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "tenant", t->slug);
	cJSON_AddNumberToObject(o, "shard", strtod(PQgetvalue(r, 0, 0), NULL));
	cJSON_AddStringToObject(o, "node", node);
	cJSON_AddBoolToObject(o, "alone",
	                      strcmp(PQgetvalue(r, 0, 3), "1") == 0);
	print_json(o);
	cJSON_Delete(o);
	return 0;
}

int
admin_tenant_isolate(const char *who)
{
	struct session s;
	struct tenant *t;
	int rc = 1;

	if (who == NULL)
		return admin_fail("tenant isolate SLUG");
	if (session_open(&s, owner_conninfo()) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	if (transfer(&s, "isolating the tenant", t->id_str, NULL, NULL) < 0)
		goto out;
	rc = print_placement(&s, t);
out:
	session_close(&s);
	return rc;
}

int
admin_tenant_place(const char *who, const char *node)
{
	struct session s;
	struct tenant *t;
	char host[256];
	const char *colon = node ? strrchr(node, ':') : NULL;
	int rc = 1;

	if (who == NULL || colon == NULL || colon == node ||
	    (size_t)(colon - node) >= sizeof(host) || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return admin_fail("tenant place SLUG --node HOST:PORT");
	memcpy(host, node, (size_t)(colon - node));
	host[colon - node] = '\0';
	if (session_open(&s, owner_conninfo()) < 0 || lookup(&s, who, &t) < 0)
		goto out;
	if (transfer(&s, "moving the tenant's shard", t->id_str, host,
	             colon + 1) < 0)
		goto out;
	rc = print_placement(&s, t);
out:
	session_close(&s);
	return rc;
}

int
admin_tenant_stats(int limit)
{
	struct session s;
	char n[16];
	PGresult *r;
	cJSON *a;
	int rc = 1;

	snprintf(n, sizeof(n), "%d", limit);
	if (session_open(&s, owner_conninfo()) < 0)
		goto out;
	r = run_one(&s, shards_queue_stats(&s.db, n), "reading tenant stats");
	if (r == NULL)
		goto out;
	a = cJSON_CreateArray();
	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "tenant", PQgetvalue(r, i, 0));
		cJSON_AddNumberToObject(o, "queries",
		                        strtod(PQgetvalue(r, i, 1), NULL));
		cJSON_AddNumberToObject(o, "reads",
		                        strtod(PQgetvalue(r, i, 2), NULL));
		cJSON_AddNumberToObject(o, "cpu_seconds",
		                        strtod(PQgetvalue(r, i, 3), NULL));
		cJSON_AddItemToArray(a, o);
	}
	print_json(a);
	cJSON_Delete(a);
	rc = 0;
out:
	session_close(&s);
	return rc;
}

/*
 * strata.c - the one program: `strata <command> [options]`.
 *
 * Thin by design: it parses arguments and settings, then calls the library.
 * Every command prints JSON on stdout and exits 0, or prints a message on
 * stderr and exits non-zero.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/app.h"
#include "api/health.h"
#include "api/records.h"
#include "api/routes.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/server.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/config_versions.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/migrate.h"
#include "data/operators.h"
#include "data/provision.h"
#include "data/records.h"
#include "data/retention.h"
#include "data/settings.h"
#include "data/tenants.h"
#include "sec/crypto.h"
#include "sec/masterkey.h"
#include "sec/password.h"
#include "sec/rbac.h"

static const char usage[] =
    "usage: strata [--config FILE] <command> [options]\n"
    "\n"
    "  serve [--workers N] [--max-requests N] [--socket PATH]\n"
    "  migrate [--partitions N]\n"
    "  tenant create --slug S --name N [--owner-email E]\n"
    "                [--owner-password P | password on stdin]\n"
    "                [--template T]\n"
    "  tenant list\n"
    "  tenant suspend|resume SLUG\n"
    "  tenant purge SLUG|ID        (rows of a deleted tenant; owner role)\n"
    "  tenant domain verify --tenant SLUG --domain NAME\n"
    "  operator create --email E    (password on stdin)\n"
    "  keys rotate --tenant SLUG\n"
    "  audit seal [--tenant SLUG]   (chain pending audit events)\n"
    "  audit verify --tenant SLUG\n"
    "  audit purge [--tenant SLUG] [--days N]  (owner role; default 365)\n"
    "  retention run [--tenant SLUG]  (records past their collection's\n"
    "                                 retention.collections days)\n"
    "  explain --tenant SLUG --collection C [--query 'filter[f][gte]=1']\n"
    "  routes\n"
    "\n"
    "Settings come from --config FILE, STRATA_CONFIG or STRATA_* "
    "variables.\n";

/* The value after a flag, or NULL. */
static const char *
opt(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc - 1; i++)
		if (argv[i] != NULL && strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int
fail(const char *msg)
{
	fprintf(stderr, "strata: %s\n", msg);
	return 1;
}

/* A database session for one command, with its own arena. */
struct session {
	struct arena *arena;
	struct db db;
};

static int
session_open(struct session *s, const char *conninfo)
{
	if (masterkey_load(cfg.master_key_file) < 0)
		return -1;
	s->arena = arena_new(64 * 1024, 512UL * 1024 * 1024);
	json_use_arena(s->arena);
	db_init(&s->db, conninfo);
	if (db_ready(&s->db, s->arena) < 0) {
		fprintf(stderr, "strata: cannot connect to the database\n");
		return -1;
	}
	return 0;
}

static void
session_close(struct session *s)
{
	db_close(&s->db);
	arena_free(s->arena);
}

/* One tenant (--tenant) or all of them, for commands that walk tenants.
 * Their count; 0 or -1 after saying why and closing the session. */
static int
tenants_for(struct session *s, const char *who, PGresult **out)
{
	int h =
	    who ? tenants_queue_get(&s->db, who) : tenants_queue_list(&s->db);
	int n = -1;

	if (h >= 0 && db_sync(&s->db) == 0) {
		*out = db_result(&s->db, h);
		n = PQntuples(*out);
	}
	if (n <= 0) {
		session_close(s);
		fail(n == 0 ? "no such tenant" : "cannot list tenants");
	}
	return n;
}

static void
print_json(cJSON *o)
{
	printf("%s\n", json_print(o));
}

static int
cmd_serve(int argc, char **argv)
{
	struct server_opts o = {0};
	struct migration files[MIGRATE_MAX];
	const char *v;
	int n;

	if ((v = opt(argc, argv, "--workers")) &&
	    config_set(&cfg, "workers", v))
		return 1;
	if ((v = opt(argc, argv, "--max-requests")) &&
	    config_set(&cfg, "max_requests", v))
		return 1;
	if ((v = opt(argc, argv, "--socket")) &&
	    config_set(&cfg, "socket_path", v))
		return 1;
	n = migrate_scan(cfg.sql_dir, files, MIGRATE_MAX);
	if (n <= 0)
		return fail("no migrations found in sql_dir");
	/* Read before privileges are dropped; workers inherit it. */
	if (masterkey_load(cfg.master_key_file) < 0)
		return fail("refusing to start without a valid master key");
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

static int
cmd_migrate(int argc, char **argv)
{
	const char *v = opt(argc, argv, "--partitions");
	const char *conninfo =
	    *cfg.owner_database_url ? cfg.owner_database_url : cfg.database_url;
	long parts = v ? strtol(v, NULL, 10) : 16;

	if (parts < 1 || parts > 1024)
		return fail("--partitions must be 1-1024");
	return migrate_run(conninfo, cfg.sql_dir, (int)parts) == 0 ? 0 : 1;
}

/* A password from flag (when given) or the first line of stdin. */
static const char *
read_password(int argc, char **argv, const char *flag, char *buf, size_t n)
{
	const char *v = flag ? opt(argc, argv, flag) : NULL;
	size_t len;

	if (v != NULL)
		return v;
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password: ");
	if (fgets(buf, (int)n, stdin) == NULL)
		return NULL;
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	return buf;
}

static int
tenant_create(struct session *s, int argc, char **argv)
{
	struct provision p = {0};
	struct tenant t;
	struct uuid owner;
	const char *why = "";
	char pw[1024];
	int rc;

	p.slug = opt(argc, argv, "--slug");
	p.name = opt(argc, argv, "--name");
	p.owner_email = opt(argc, argv, "--owner-email");
	p.owner_name = opt(argc, argv, "--owner-name");
	p.template_name = opt(argc, argv, "--template");
	if (p.slug == NULL || p.name == NULL)
		return fail("tenant create needs --slug and --name");
	if (p.owner_email != NULL) {
		p.owner_password = read_password(argc, argv, "--owner-password",
		                                 pw, sizeof(pw));
		if (p.owner_password == NULL)
			return fail("no owner password given");
	}
	rc = provision_tenant(&s->db, s->arena, &p, &t, &owner, &why);
	crypto_wipe(pw, sizeof(pw));
	if (rc != 0) {
		fprintf(stderr, "strata: %s\n", why);
		return rc == 409 ? 3 : 1;
	}
	{
		cJSON *o = tenants_json(&t);

		if (p.owner_email != NULL) {
			char id[UUID_STR_LEN + 1];

			uuid_format(&owner, id);
			cJSON_AddStringToObject(o, "owner_id", id);
		}
		print_json(o);
	}
	return 0;
}

static int
tenant_list(struct session *s)
{
	int h = tenants_queue_list(&s->db);
	cJSON *a = cJSON_CreateArray();
	PGresult *r;

	if (h < 0 || db_sync(&s->db) != 0)
		return fail("cannot list tenants");
	r = db_result(&s->db, h);
	for (int i = 0; i < PQntuples(r); i++) {
		struct tenant t;

		tenants_from_row(&t, r, i);
		cJSON_AddItemToArray(a, tenants_json(&t));
	}
	print_json(a);
	return 0;
}

static int
tenant_status(struct session *s, const char *who, const char *status)
{
	int h;
	PGresult *r;
	struct tenant t;

	if (who == NULL)
		return fail("which tenant?");
	h = tenants_queue_set_status(&s->db, who, status);
	if (h < 0 || db_sync(&s->db) != 0)
		return fail("cannot change the tenant");
	r = db_result(&s->db, h);
	if (PQntuples(r) == 0)
		return fail("no such tenant");
	tenants_from_row(&t, r, 0);
	print_json(tenants_json(&t));
	return 0;
}

/* Removes every row of a deleted tenant, as the owner role: the app role
 * may not delete audit events. */
static int
tenant_purge(const char *who)
{
	struct session s;
	const char *conninfo =
	    *cfg.owner_database_url ? cfg.owner_database_url : cfg.database_url;
	PGresult *r;
	struct tenant t;
	int rc;

	if (who == NULL)
		return fail("which tenant?");
	if (session_open(&s, conninfo) < 0)
		return 1;
	if (tenants_for(&s, who, &r) <= 0)
		return 1;
	tenants_from_row(&t, r, 0);
	if (strcmp(t.status, "deleted") != 0) {
		session_close(&s);
		return fail("only a deleted tenant can be purged");
	}
	rc = tenants_purge(&s.db, &t.id);
	session_close(&s);
	if (rc < 0)
		return fail("purge failed");
	printf("{\"purged\":\"%s\"}\n", t.id_str);
	return 0;
}

/* An operator confirms a tenant controls a custom domain (after checking
 * DNS or a challenge out of band); the domain then serves the tenant. */
static int
tenant_domain(int argc, char **argv)
{
	const char *who = opt(argc, argv, "--tenant");
	const char *name = opt(argc, argv, "--domain");
	struct session s;
	struct tenant t;
	PGresult *r;
	int h;

	if (argc < 3 || strcmp(argv[2], "verify") != 0 || who == NULL ||
	    name == NULL)
		return fail("tenant domain verify --tenant SLUG --domain NAME");
	if (session_open(&s, cfg.database_url) < 0)
		return 1;
	if (tenants_for(&s, who, &r) <= 0)
		return 1;
	tenants_from_row(&t, r, 0);
	h = config_queue_verify_domain(&s.db, t.id_str, name);
	if (h < 0 || db_sync(&s.db) != 0 ||
	    PQntuples(db_result(&s.db, h)) != 1) {
		session_close(&s);
		return fail("the tenant's settings do not name this domain");
	}
	session_close(&s);
	printf("{\"tenant\":\"%s\",\"domain\":\"%s\",\"verified\":true}\n",
	       t.slug, name);
	return 0;
}

static int
cmd_tenant(int argc, char **argv)
{
	struct session s;
	const char *sub = argc > 1 ? argv[1] : "";
	int rc;

	if (strcmp(sub, "purge") == 0)
		return tenant_purge(argc > 2 ? argv[2] : NULL);
	if (strcmp(sub, "domain") == 0)
		return tenant_domain(argc, argv);
	if (session_open(&s, cfg.database_url) < 0)
		return 1;
	if (strcmp(sub, "create") == 0)
		rc = tenant_create(&s, argc, argv);
	else if (strcmp(sub, "list") == 0)
		rc = tenant_list(&s);
	else if (strcmp(sub, "suspend") == 0)
		rc = tenant_status(&s, argc > 2 ? argv[2] : NULL, "suspended");
	else if (strcmp(sub, "resume") == 0)
		rc = tenant_status(&s, argc > 2 ? argv[2] : NULL, "active");
	else
		rc = fail("tenant: create, list, suspend, resume or purge");
	session_close(&s);
	return rc;
}

static int
cmd_operator(int argc, char **argv)
{
	struct session s;
	const char *email = opt(argc, argv, "--email");
	char pw[1024], hash[PASSWORD_HASH_MAX], id[UUID_STR_LEN + 1];
	const char *why, *password;
	char norm[256];
	struct uuid u;
	int rc;

	if (argc < 2 || strcmp(argv[1], "create") != 0 || email == NULL)
		return fail("operator create --email E (password on stdin)");
	if (strlen(email) >= sizeof(norm) || strchr(email, '@') == NULL)
		return fail("invalid e-mail");
	password = read_password(argc, argv, "--password", pw, sizeof(pw));
	if (password == NULL)
		return fail("no password given");
	why = password_policy(password, email, PASSWORD_MIN_DEFAULT);
	if (why != NULL)
		return fail(why);
	for (size_t i = 0; i <= strlen(email); i++)
		norm[i] =
		    (char)((email[i] >= 'A' && email[i] <= 'Z') ? email[i] + 32
		                                                : email[i]);
	if (password_hash(password, cfg.scrypt_log2n, hash) < 0)
		return fail("cannot hash the password");
	crypto_wipe(pw, sizeof(pw));
	if (session_open(&s, cfg.database_url) < 0)
		return 1;
	uuid_v7(&u);
	uuid_format(&u, id);
	operators_queue_insert(&s.db, id, email, norm, hash);
	rc = db_sync(&s.db);
	if (rc == 0) {
		unsigned char key[CRYPTO_KEY_LEN];

		/* Makes the platform signing key on first use. */
		rc = operators_signing_key(&s.db, NULL, NULL, key);
		crypto_wipe(key, sizeof(key));
	}
	session_close(&s);
	if (rc != 0)
		return fail("cannot create the operator (e-mail taken?)");
	printf("{\"id\":\"%s\",\"email\":\"%s\"}\n", id, norm);
	return 0;
}

static int
cmd_keys(int argc, char **argv)
{
	struct session s;
	const char *who = opt(argc, argv, "--tenant");
	struct uuid ids[3];
	struct tenant t;
	PGresult *r;

	if (argc < 2 || strcmp(argv[1], "rotate") != 0 || who == NULL)
		return fail("keys rotate --tenant SLUG");
	if (session_open(&s, cfg.database_url) < 0)
		return 1;
	if (tenants_for(&s, who, &r) <= 0)
		return 1;
	tenants_from_row(&t, r, 0);
	db_begin(&s.db, &t.id);
	if (keyring_queue_rotate(&s.db, &t.id, ids) < 0 ||
	    db_commit(&s.db) < 0 || db_sync(&s.db) != 0) {
		session_close(&s);
		return fail("rotation failed");
	}
	session_close(&s);
	{
		char a[UUID_STR_LEN + 1], b[UUID_STR_LEN + 1],
		    c[UUID_STR_LEN + 1];

		uuid_format(&ids[0], a);
		uuid_format(&ids[1], b);
		uuid_format(&ids[2], c);
		printf("{\"signing_key_id\":\"%s\",\"data_key_id\":\"%s\","
		       "\"index_key_id\":\"%s\"}\n",
		       a, b, c);
	}
	return 0;
}

/* Prints the plan PostgreSQL chooses for a record list query, built by the
 * same code the API uses and run as the app role inside the tenant.  The
 * schema tests read it to prove lists are served by indexes. */
static int
cmd_explain(int argc, char **argv)
{
	const char *who = opt(argc, argv, "--tenant");
	const char *coll = opt(argc, argv, "--collection");
	const char *query = opt(argc, argv, "--query");
	struct session s;
	struct request req;
	struct record_query q;
	struct record_sql sql = {0};
	const struct collection *c;
	char *env[4];
	const char *why = "";
	PGresult *r;
	int h;

	if (who == NULL || coll == NULL)
		return fail("explain --tenant SLUG --collection C [--query Q]");
	if (session_open(&s, cfg.database_url) < 0)
		return 1;
	env[0] = arena_strdup(s.arena, "REQUEST_METHOD=GET");
	env[1] = arena_strdup(s.arena, "REQUEST_URI=/explain");
	env[2] = arena_printf(s.arena, "QUERY_STRING=%s", query ? query : "");
	env[3] = NULL;
	if (request_parse(&req, s.arena, env) != 0) {
		session_close(&s);
		return fail("the query string is malformed");
	}
	req.db = &s.db;
	if (tenants_for(&s, who, &r) <= 0)
		return 1;
	req.tenant = arena_alloc(s.arena, sizeof(*req.tenant));
	tenants_from_row(req.tenant, r, 0);
	req.args[0] = coll;
	req.nargs = 1;
	db_begin(&s.db, &req.tenant->id);
	h = collections_queue_get(&s.db, req.tenant->id_str, coll, false);
	if (h < 0 || db_sync(&s.db) != 0 ||
	    PQntuples(r = db_result(&s.db, h)) != 1) {
		session_close(&s);
		return fail("no such collection");
	}
	c = collection_cached(&req.tenant->id, coll,
	                      strtoll(db_value(r, 0, 0), NULL, 10),
	                      db_value(r, 0, 1));
	if (c == NULL || records_read_query(&req, c, &q) < 0 ||
	    records_build_list(s.arena, &q, &sql, &why) < 0) {
		fprintf(stderr, "strata: %s%s\n", why,
		        req.res.body.len ? req.res.body.data : "");
		session_close(&s);
		return 1;
	}
	h = db_queue_text(
	    &s.db, arena_printf(s.arena, "EXPLAIN (COSTS OFF) %s", sql.sql),
	    sql.nparams, sql.params);
	if (h < 0 || db_sync(&s.db) != 0) {
		session_close(&s);
		return fail("explain failed");
	}
	r = db_result(&s.db, h);
	for (int i = 0; i < PQntuples(r); i++)
		printf("%s\n", db_value(r, i, 0));
	session_close(&s);
	return 0;
}

static int
cmd_audit(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	const char *who = opt(argc, argv, "--tenant");
	const char *days_s = opt(argc, argv, "--days");
	bool purge = strcmp(sub, "purge") == 0;
	const char *conninfo = purge && *cfg.owner_database_url
	                           ? cfg.owner_database_url
	                           : cfg.database_url;
	long days = days_s ? strtol(days_s, NULL, 10) : 365;
	struct session s;
	PGresult *r;
	int n, rc = 0;
	cJSON *out;

	if (!purge && strcmp(sub, "seal") != 0 && strcmp(sub, "verify") != 0)
		return fail("audit seal|verify|purge [--tenant SLUG]");
	if (strcmp(sub, "verify") == 0 && who == NULL)
		return fail("audit verify needs --tenant");
	if (days < 1)
		return fail("--days must be at least 1");
	if (session_open(&s, conninfo) < 0)
		return 1;
	n = tenants_for(&s, who, &r);
	if (n <= 0)
		return 1;
	out = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		struct tenant t;
		cJSON *o = cJSON_CreateObject();

		tenants_from_row(&t, r, i);
		cJSON_AddStringToObject(o, "tenant", t.slug);
		/* A fresh statement queue per tenant (r stays in the arena). */
		if (db_ready(&s.db, s.arena) < 0) {
			rc = 1;
			break;
		}
		if (strcmp(sub, "seal") == 0) {
			int k = audit_seal(&s.db, s.arena, &t.id, 0);

			cJSON_AddNumberToObject(o, "sealed", k);
			rc |= k < 0;
		} else if (purge) {
			struct tenant_settings *ts =
			    arena_alloc(s.arena, sizeof(*ts));
			long keep = days;
			long long k;

			/* The tenant's own retention unless --days says. */
			if (days_s == NULL) {
				db_begin(&s.db, &t.id);
				if (settings_load(&s.db, &t.id,
				                  t.config_version, ts) == 0)
					keep = ts->audit_days;
				db_finish(&s.db);
			}
			cJSON_AddNumberToObject(o, "days", (double)keep);
			k = audit_purge(&s.db, s.arena, &t.id, (int)keep);

			cJSON_AddNumberToObject(o, "purged", (double)k);
			rc |= k < 0;
		} else {
			struct audit_report rep;

			rc |= audit_verify(&s.db, s.arena, &t.id, &rep) < 0;
			cJSON_AddBoolToObject(o, "valid", rep.valid);
			cJSON_AddNumberToObject(o, "events",
			                        (double)rep.events);
			cJSON_AddNumberToObject(o, "broken_at",
			                        (double)rep.broken_at);
			rc |= !rep.valid;
		}
		db_finish(&s.db);
		cJSON_AddItemToArray(out, o);
	}
	print_json(out);
	session_close(&s);
	return rc ? 1 : 0;
}

/* Purges records past their collections' retention, tenant by tenant. */
static int
cmd_retention(int argc, char **argv)
{
	const char *who = opt(argc, argv, "--tenant");
	struct session s;
	PGresult *r;
	cJSON *out;
	int n, rc = 0;

	if (argc < 2 || strcmp(argv[1], "run") != 0)
		return fail("retention run [--tenant SLUG]");
	if (session_open(&s, cfg.database_url) < 0)
		return 1;
	n = tenants_for(&s, who, &r);
	if (n <= 0)
		return 1;
	out = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		struct tenant t;
		cJSON *o = cJSON_CreateObject(), *c;
		long long k;

		tenants_from_row(&t, r, i);
		if (strcmp(t.status, "deleted") == 0)
			continue;
		cJSON_AddStringToObject(o, "tenant", t.slug);
		c = cJSON_AddObjectToObject(o, "collections");
		k = retention_run(&s.db, s.arena, &t.id, t.config_version, c);
		cJSON_AddNumberToObject(o, "purged", (double)k);
		rc |= k < 0;
		cJSON_AddItemToArray(out, o);
	}
	print_json(out);
	session_close(&s);
	return rc ? 1 : 0;
}

/* The route table as JSON, for tests that walk every route. */
static int
cmd_routes(void)
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

int
main(int argc, char **argv)
{
	const char *conf = opt(argc, argv, "--config");
	int i = 1;
	const char *cmd;

	while (i < argc && strcmp(argv[i], "--config") == 0)
		i += 2;
	if (i >= argc || strcmp(argv[i], "-h") == 0 ||
	    strcmp(argv[i], "--help") == 0) {
		fputs(usage, i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	if (config_load(&cfg, conf) < 0)
		return 1;
	cmd = argv[i];
	/* Commands other than serve speak JSON on stdout; only warnings
	 * belong on stderr. */
	log_set_level(strcmp(cmd, "serve") == 0 ? cfg.log_level : "warn");
	argc -= i;
	argv += i;
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc, argv);
	if (strcmp(cmd, "tenant") == 0)
		return cmd_tenant(argc, argv);
	if (strcmp(cmd, "routes") == 0)
		return cmd_routes();
	if (strcmp(cmd, "operator") == 0)
		return cmd_operator(argc, argv);
	if (strcmp(cmd, "keys") == 0)
		return cmd_keys(argc, argv);
	if (strcmp(cmd, "explain") == 0)
		return cmd_explain(argc, argv);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc, argv);
	if (strcmp(cmd, "retention") == 0)
		return cmd_retention(argc, argv);
	fprintf(stderr, "strata: unknown command %s\n%s", cmd, usage);
	return 2;
}

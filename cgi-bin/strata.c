/*
 * strata.c - the one program: `strata <command> [options]`.
 *
 * It parses arguments and settings and calls lib/ops/admin.c, which does
 * the work.  Every command prints JSON on stdout and exits 0, or prints a
 * message on stderr and exits non-zero.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "ops/admin.h"
#include "ops/move.h"
#include "ops/recovery.h"
#include "ops/report.h"
#include "sec/crypto.h"

static const char usage[] =
    "usage: strata [--config FILE] <command> [options]\n"
    "\n"
    "  serve [--workers N] [--max-requests N] [--socket PATH]\n"
    "  migrate [--partitions N] [--citus]  (--citus: the database is a\n"
    "                Citus coordinator; docs/scale-out.md)\n"
    "  tenant create --slug S --name N [--owner-email E]\n"
    "                [--owner-password P | password on stdin]\n"
    "                [--template T] [--plan P] [--region R] [--locale L]\n"
    "  tenant list\n"
    "  tenant suspend|resume SLUG\n"
    "  tenant purge SLUG|ID        (rows of a deleted tenant; owner role)\n"
    "  tenant restore SLUG --to TIME --from CONNINFO  (the tenant as of\n"
    "                TIME, from a copy restored to TIME; owner role)\n"
    "  tenant move SLUG --to REGION  (online, to another region;\n"
    "                docs/regions.md)\n"
    "  tenant move-in begin|wait|finish|abort --tenant ID [--from REGION]\n"
    "                (the target's half of a move, run by the source)\n"
    "  erasure reapply [--from CONNINFO]  (after a whole restore)\n"
    "  backup [--type full|incr|diff]  (runs backup_command)\n"
    "  tenant export SLUG --seal-for PUB.pem [--keys-only]  (faithful,\n"
    "                keys sealed for the target region; docs/import.md)\n"
    "  tenant import FILE [--slug NEW] [--keep-id]\n"
    "  tenant import-keys SLUG FILE  (adopt a sealed keyring)\n"
    "  tenant domain verify --tenant SLUG --domain NAME\n"
    "  tenant domain map            (rewrite nginx's list of them)\n"
    "  tenant join-domain verify --tenant SLUG --domain NAME\n"
    "  tenant isolate SLUG          (Citus: shards of its own, online)\n"
    "  tenant place SLUG --node HOST:PORT  (Citus: move them, online)\n"
    "  tenant stats [--top N]       (Citus: the busiest tenants)\n"
    "  operator create --email E    (password on stdin)\n"
    "  operator support grant|revoke --email E\n"
    "  keys rotate --tenant SLUG\n"
    "  keys reencrypt --tenant SLUG\n"
    "  keys transport-public        (this region's transport key, PEM)\n"
    "  audit seal [--tenant SLUG]   (chain pending audit events)\n"
    "  audit verify --tenant SLUG\n"
    "  audit purge [--tenant SLUG] [--days N]  (owner role; default the\n"
    "                tenant's retention, never below the audit floor)\n"
    "  retention run [--tenant SLUG]  (records past their collection's\n"
    "                                 retention.collections days)\n"
    "  report rollup [--day YYYY-MM-DD]  (the daily figures and benchmark\n"
    "                answers of a UTC day; default the day before today)\n"
    "  report configure [--k N] [--epsilon E] [--budget B]\n"
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

/* 1 when the bare flag name is among the arguments. */
static bool
has_flag(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc; i++)
		if (argv[i] != NULL && strcmp(argv[i], name) == 0)
			return true;
	return false;
}

/* argv[i] when there is one, else "". */
static const char *
arg(int argc, char **argv, int i)
{
	return i < argc ? argv[i] : "";
}

/* A number from flag name, def when it is absent, or LONG_MIN when it is
 * not a whole number. */
static long
num(int argc, char **argv, const char *name, long def)
{
	const char *v = opt(argc, argv, name);
	char *end;
	long n;

	if (v == NULL)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	return errno != 0 || end == v || *end != '\0' ? LONG_MIN : n;
}

/* A password from flag (when given) or the first line of stdin, into buf
 * unless it came from the flag. */
static const char *
read_password(int argc, char **argv, const char *flag, char *buf, size_t n)
{
	const char *v = opt(argc, argv, flag);

	if (v != NULL)
		return v;
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password: ");
	if (fgets(buf, (int)n, stdin) == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static int
cmd_serve(int argc, char **argv)
{
	static const char *const flags[][2] = {
	    {"--workers", "workers"},
	    {"--max-requests", "max_requests"},
	    {"--socket", "socket_path"},
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *v = opt(argc, argv, flags[i][0]);

		if (v != NULL && config_set(&cfg, flags[i][1], v) != 0)
			return 1;
	}
	return admin_serve();
}

static int
cmd_migrate(int argc, char **argv)
{
	bool citus = has_flag(argc, argv, "--citus");
	long parts = num(argc, argv, "--partitions", 16);

	if (parts < 1 || parts > 1024)
		return admin_fail("--partitions must be 1-1024");
	return admin_migrate((int)parts, citus);
}

static int
tenant_create(int argc, char **argv)
{
	struct provision p = {0};
	char pw[1024];
	int rc;

	p.slug = opt(argc, argv, "--slug");
	p.name = opt(argc, argv, "--name");
	p.owner_email = opt(argc, argv, "--owner-email");
	p.owner_name = opt(argc, argv, "--owner-name");
	p.template_name = opt(argc, argv, "--template");
	p.plan_name = opt(argc, argv, "--plan");
	p.region = opt(argc, argv, "--region");
	p.locale = opt(argc, argv, "--locale");
	if (p.slug == NULL || p.name == NULL)
		return admin_fail("tenant create needs --slug and --name");
	if (p.owner_email != NULL) {
		p.owner_password = read_password(argc, argv, "--owner-password",
		                                 pw, sizeof(pw));
		if (p.owner_password == NULL)
			return admin_fail("no owner password given");
	}
	rc = admin_tenant_create(&p);
	crypto_wipe(pw, sizeof(pw));
	return rc;
}

static int
cmd_tenant(int argc, char **argv)
{
	const char *sub = arg(argc, argv, 1);
	const char *who = argc > 2 ? argv[2] : NULL;

	if (strcmp(sub, "create") == 0)
		return tenant_create(argc, argv);
	if (strcmp(sub, "list") == 0)
		return admin_tenant_list();
	if (strcmp(sub, "suspend") == 0)
		return admin_tenant_set_status(who, "suspended");
	if (strcmp(sub, "resume") == 0)
		return admin_tenant_set_status(who, "active");
	if (strcmp(sub, "purge") == 0)
		return admin_tenant_purge(who);
	if (strcmp(sub, "restore") == 0)
		return recovery_tenant_restore(who, opt(argc, argv, "--to"),
		                               opt(argc, argv, "--from"));
	if (strcmp(sub, "move") == 0)
		return move_tenant(who, opt(argc, argv, "--to"));
	if (strcmp(sub, "move-in") == 0)
		return move_in(who, opt(argc, argv, "--tenant"),
		               opt(argc, argv, "--from"));
	/* Tenant import (docs/import.md). */
	if (strcmp(sub, "export") == 0)
		return admin_tenant_export(who, opt(argc, argv, "--seal-for"),
		                           has_flag(argc, argv, "--keys-only"));
	if (strcmp(sub, "import") == 0)
		return admin_tenant_import(who, opt(argc, argv, "--slug"),
		                           has_flag(argc, argv, "--keep-id"));
	if (strcmp(sub, "import-keys") == 0)
		return admin_tenant_import_keys(who, arg(argc, argv, 3));
	if (strcmp(sub, "isolate") == 0)
		return admin_tenant_isolate(who);
	if (strcmp(sub, "place") == 0)
		return admin_tenant_place(who, opt(argc, argv, "--node"));
	if (strcmp(sub, "stats") == 0) {
		long top = num(argc, argv, "--top", 10);

		if (top < 1 || top > 1000)
			return admin_fail("--top must be 1-1000");
		return admin_tenant_stats((int)top);
	}
	if (strcmp(sub, "domain") == 0 &&
	    strcmp(arg(argc, argv, 2), "verify") == 0)
		return admin_tenant_domain_verify(opt(argc, argv, "--tenant"),
		                                  opt(argc, argv, "--domain"));
	if (strcmp(sub, "domain") == 0 &&
	    strcmp(arg(argc, argv, 2), "map") == 0)
		return admin_tenant_domain_map();
	if (strcmp(sub, "join-domain") == 0 &&
	    strcmp(arg(argc, argv, 2), "verify") == 0)
		return admin_tenant_join_domain_verify(
		    opt(argc, argv, "--tenant"), opt(argc, argv, "--domain"));
	if (strcmp(sub, "domain") == 0)
		return admin_fail("tenant domain verify --tenant SLUG --domain "
		                  "NAME, or tenant domain map");
	return admin_fail("tenant: create, list, suspend, resume, purge, "
	                  "restore, move, export, import, import-keys, domain, "
	                  "isolate, place or stats");
}

static int
cmd_erasure(int argc, char **argv)
{
	if (strcmp(arg(argc, argv, 1), "reapply") != 0)
		return admin_fail("erasure reapply [--from CONNINFO]");
	return recovery_erasures_reapply(opt(argc, argv, "--from"));
}

static int
cmd_backup(int argc, char **argv)
{
	return recovery_backup(opt(argc, argv, "--type"));
}

static int
cmd_operator(int argc, char **argv)
{
	const char *email = opt(argc, argv, "--email");
	const char *password;
	char pw[1024];
	int rc;

	if (strcmp(arg(argc, argv, 1), "support") == 0 && email != NULL &&
	    (strcmp(arg(argc, argv, 2), "grant") == 0 ||
	     strcmp(arg(argc, argv, 2), "revoke") == 0))
		return admin_operator_support(
		    email, strcmp(arg(argc, argv, 2), "grant") == 0);
	if (strcmp(arg(argc, argv, 1), "create") != 0 || email == NULL)
		return admin_fail(
		    "operator create --email E (password on stdin), or "
		    "operator support grant|revoke --email E");
	password = read_password(argc, argv, "--password", pw, sizeof(pw));
	if (password == NULL)
		return admin_fail("no password given");
	rc = admin_operator_create(email, password);
	crypto_wipe(pw, sizeof(pw));
	return rc;
}

static int
cmd_keys(int argc, char **argv)
{
	if (strcmp(arg(argc, argv, 1), "rotate") == 0)
		return admin_keys_rotate(opt(argc, argv, "--tenant"));
	if (strcmp(arg(argc, argv, 1), "reencrypt") == 0)
		return admin_keys_reencrypt(opt(argc, argv, "--tenant"));
	if (strcmp(arg(argc, argv, 1), "transport-public") == 0)
		return admin_keys_transport_public();
	return admin_fail("keys rotate|reencrypt --tenant SLUG, or keys "
	                  "transport-public");
}

static int
cmd_audit(int argc, char **argv)
{
	const char *sub = arg(argc, argv, 1);
	long days = num(argc, argv, "--days", 0);
	enum admin_audit_op op;

	if (strcmp(sub, "seal") == 0)
		op = ADMIN_AUDIT_SEAL;
	else if (strcmp(sub, "verify") == 0)
		op = ADMIN_AUDIT_VERIFY;
	else if (strcmp(sub, "purge") == 0)
		op = ADMIN_AUDIT_PURGE;
	else
		return admin_fail("audit seal|verify|purge [--tenant SLUG]");
	if (opt(argc, argv, "--days") != NULL && (days < 1 || days > INT_MAX))
		return admin_fail("--days must be at least 1");
	return admin_audit(op, opt(argc, argv, "--tenant"), (int)days);
}

static int
cmd_retention(int argc, char **argv)
{
	if (strcmp(arg(argc, argv, 1), "run") != 0)
		return admin_fail("retention run [--tenant SLUG]");
	return admin_retention_run(opt(argc, argv, "--tenant"));
}

static int
cmd_report(int argc, char **argv)
{
	const char *sub = arg(argc, argv, 1);

	if (strcmp(sub, "rollup") == 0)
		return report_rollup_command(opt(argc, argv, "--day"));
	if (strcmp(sub, "configure") == 0)
		return report_configure_command(opt(argc, argv, "--k"),
		                                opt(argc, argv, "--epsilon"),
		                                opt(argc, argv, "--budget"));
	return admin_fail("report rollup [--day YYYY-MM-DD] | configure "
	                  "[--k N] [--epsilon E] [--budget B]");
}

static int
cmd_explain(int argc, char **argv)
{
	return admin_explain(opt(argc, argv, "--tenant"),
	                     opt(argc, argv, "--collection"),
	                     opt(argc, argv, "--query"));
}

static int
cmd_routes(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return admin_routes();
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
    {"serve", cmd_serve},         {"migrate", cmd_migrate},
    {"tenant", cmd_tenant},       {"operator", cmd_operator},
    {"keys", cmd_keys},           {"audit", cmd_audit},
    {"retention", cmd_retention}, {"explain", cmd_explain},
    {"routes", cmd_routes},       {"report", cmd_report},
    {"erasure", cmd_erasure},     {"backup", cmd_backup},
};

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
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(cmd, commands[k].name) == 0)
			return commands[k].fn(argc, argv);
	fprintf(stderr, "strata: unknown command %s\n%s", cmd, usage);
	return 2;
}

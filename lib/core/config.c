/*
 * config.c - defaults < file < environment < flags.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/host.h"
#include "core/regions.h"
#include "core/sandbox.h"

struct config cfg;

enum kind { K_STR, K_INT, K_LONG };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	long min, max;
};

#define S(f) #f, K_STR, offsetof(struct config, f), 0, 0
#define I(f, lo, hi) #f, K_INT, offsetof(struct config, f), lo, hi
#define L(f, lo, hi) #f, K_LONG, offsetof(struct config, f), lo, hi

static const struct key keys[] = {
    {S(database_url)},
    {S(owner_database_url)},
    {S(super_database_url)},
    {S(base_domain)},
    {S(public_scheme)},
    {I(public_port, 1, 65535)},
    {S(socket_path)},
    {S(master_key_file)},
    {S(sql_dir)},
    {S(templates_dir)},
    {S(user)},
    {S(socket_group)},
    {S(nginx_domains_map)},
    {S(nginx_pid_file)},
    {S(log_level)},
    {S(seccomp)},
    {I(workers, 0, CONFIG_WORKERS_MAX)},
    {L(max_requests, 0, LONG_MAX)},
    {I(scrypt_log2n, 10, 20)},
    {I(access_ttl, 30, 86400)},
    {I(refresh_ttl, 60, 31536000)},
    {I(statement_timeout_ms, 0, 600000)},
    {I(rate_rps, 1, 1000000)},
    {I(rate_burst, 1, 1000000)},
    {I(tenant_concurrency, 0, 4096)},
    {I(audit_seal_horizon_s, 0, 3600)},
    {I(audit_retention_floor_days, 1, 36500)},
    {S(default_plan)},
    {S(webhook_allow)},
    {I(webhook_timeout_ms, 100, 60000)},
    {I(webhook_tenant_concurrency, 1, 64)},
    {I(webhook_retry_window_s, 1, 7 * 86400)},
    {S(stream_socket)},
    /* Disaster recovery (docs/operations.md). */
    {S(backup_command)},
    {S(smtp_url)},
    {S(smtp_from)},
    {S(smtp_user)},
    {S(smtp_password)},
    {S(smtp_tls)},
    {I(smtp_timeout_ms, 100, 120000)},
    {I(mail_retry_window_s, 1, 7 * 86400)},
    /* Regions (docs/regions.md). */
    {S(region)},
    {S(regions_file)},
    {S(region_admin)},
};

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

static void
defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->database_url = xstrdup("dbname=strata");
	c->owner_database_url = xstrdup("");
	c->super_database_url = xstrdup("");
	c->region_admin = xstrdup("");
	c->base_domain = xstrdup("strata.localhost");
	c->public_scheme = xstrdup("https");
	c->public_port = 8443;
	c->socket_path = xstrdup("var/run/strata.sock");
	c->master_key_file = xstrdup("var/master.key");
	c->sql_dir = xstrdup("sql");
	c->templates_dir = xstrdup("sql/templates");
	c->user = xstrdup("");
	c->socket_group = xstrdup("");
	c->nginx_domains_map = xstrdup("");
	c->nginx_pid_file = xstrdup("");
	c->log_level = xstrdup("info");
	c->seccomp = xstrdup("on");
	c->workers = 0;
	c->max_requests = 100000;
	c->scrypt_log2n = 15;
	c->access_ttl = 900;
	c->refresh_ttl = 30 * 86400;
	c->statement_timeout_ms = 5000;
	c->rate_rps = 200;
	c->rate_burst = 400;
	c->tenant_concurrency = 0;
	c->audit_seal_horizon_s = 5;
	c->audit_retention_floor_days = 90;
	c->default_plan = xstrdup("free");
	c->webhook_allow = xstrdup("");
	c->webhook_timeout_ms = 10000;
	c->webhook_tenant_concurrency = 4;
	c->webhook_retry_window_s = 86400;
	c->stream_socket = xstrdup("var/run/stream.sock");
	c->backup_command = xstrdup("");
	c->smtp_url = xstrdup("");
	c->smtp_from = xstrdup("");
	c->smtp_user = xstrdup("");
	c->smtp_password = xstrdup("");
	c->smtp_tls = xstrdup("none");
	c->smtp_timeout_ms = 10000;
	c->mail_retry_window_s = 86400;
	c->region = xstrdup("");
	c->regions_file = xstrdup("");
}

/* region and regions_file: both or neither; the file lists the region. */
static int
check_regions(const struct config *c)
{
	if (*c->region == '\0' && *c->regions_file == '\0')
		return 0;
	if (!regions_name_valid(c->region)) {
		fprintf(stderr, "strata: region must be a-z, 0-9 and '-' "
		                "(1-32), with regions_file\n");
		return -1;
	}
	if (*c->regions_file == '\0') {
		fprintf(stderr, "strata: region needs regions_file\n");
		return -1;
	}
	return regions_load(c->regions_file, c->region);
}

int
config_set(struct config *c, const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		char *end;
		long v;

		if (strcmp(k->name, key) != 0)
			continue;
		if (k->kind == K_STR) {
			char **slot = (char **)((char *)c + k->off);

			free(*slot);
			*slot = xstrdup(value);
			return 0;
		}
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || v < k->min ||
		    v > k->max) {
			fprintf(stderr, "strata: invalid value for %s\n", key);
			return -1;
		}
		if (k->kind == K_INT)
			*(int *)((char *)c + k->off) = (int)v;
		else
			*(long *)((char *)c + k->off) = v;
		return 0;
	}
	fprintf(stderr, "strata: unknown setting %s\n", key);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
load_file(struct config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = 0;

	if (f == NULL) {
		fprintf(stderr, "strata: cannot read %s: %s\n", path,
		        strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq, *k, *s = trim(line);

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			fprintf(stderr, "strata: %s:%d: expected key = value\n",
			        path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		k = trim(s);
		if (config_set(c, k, trim(eq + 1)) < 0) {
			fprintf(stderr, "strata: %s:%d: bad line\n", path,
			        lineno);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int
load_env(struct config *c)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char name[64] = "STRATA_";
		const char *v;
		size_t j;

		for (j = 0; keys[i].name[j] != '\0' && j + 8 < sizeof(name);
		     j++)
			name[7 + j] =
			    (char)toupper((unsigned char)keys[i].name[j]);
		name[7 + j] = '\0';
		v = getenv(name);
		if (v != NULL && config_set(c, keys[i].name, v) < 0)
			return -1;
	}
	return 0;
}

int
config_load(struct config *c, const char *path)
{
	char host[HOST_MAX + 1];

	defaults(c);
	if (path == NULL)
		path = getenv("STRATA_CONFIG");
	if (path != NULL && *path != '\0' && load_file(c, path) < 0)
		return -1;
	if (load_env(c) < 0)
		return -1;
	if (host_normalize(c->base_domain, host, sizeof(host)) < 0) {
		fprintf(stderr, "strata: invalid base_domain\n");
		return -1;
	}
	free(c->base_domain);
	c->base_domain = xstrdup(host);
	if (sandbox_mode(c->seccomp) < 0) {
		fprintf(stderr, "strata: seccomp must be on, off or log\n");
		return -1;
	}
	return check_regions(c);
}

int
config_workers(int want)
{
	static long cpus;

	if (want > 0)
		return want > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX : want;
	if (cpus == 0)
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX : (int)cpus;
}

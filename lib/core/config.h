/*
 * config.h - process settings, read once at start-up.
 *
 * Sources, later ones winning: built-in defaults, the file named by
 * --config or STRATA_CONFIG ("key = value" lines, '#' comments), then
 * STRATA_* environment variables, then command-line flags.  Keys are the
 * environment names without the STRATA_ prefix, in lower case
 * (database_url, base_domain, ...).
 */
#ifndef STRATA_CORE_CONFIG_H
#define STRATA_CORE_CONFIG_H

#define CONFIG_WORKERS_MAX 256

struct config {
	char *database_url;       /* libpq conninfo of the app role */
	char *owner_database_url; /* conninfo of the schema owner (migrate) */
	char *super_database_url; /* a superuser's, for a tenant move's
	                             subscriptions (ops/move.h); "" = none */
	char *base_domain;        /* normalised, e.g. strata.localhost */
	char *public_scheme;      /* https */
	int public_port;          /* port clients use; 443 is left out */
	char *socket_path;        /* FastCGI unix socket */
	char *master_key_file;    /* 32-byte key, mode 0600 */
	char *sql_dir;            /* migrations */
	char *templates_dir;      /* tenant settings templates */
	char *user;               /* drop to this user after binding */
	char *socket_group;       /* group allowed to connect (nginx) */
	char *nginx_domains_map;  /* verified custom domains, for nginx */
	char *nginx_pid_file;     /* nginx to reload when the map changes */
	char *log_level;          /* debug, info, warn, error */
	char *seccomp;            /* on, off, log (core/sandbox.h) */
	int workers;              /* 0 = number of CPUs */
	long max_requests;        /* recycle a worker after this many */
	int scrypt_log2n;         /* password hashing cost */
	int access_ttl;           /* seconds */
	int refresh_ttl;          /* seconds */
	int statement_timeout_ms; /* per tenant transaction */
	int rate_rps;             /* default per-tenant requests/second */
	int rate_burst;           /* default per-tenant burst */
	int tenant_concurrency;   /* max in-flight requests per tenant */
	int audit_seal_horizon_s; /* events older than this are chained */
	int audit_retention_floor_days; /* no tenant keeps audit shorter */
	char *default_plan;             /* the plan of self-service signup */
	char *webhook_allow;            /* address classes webhooks may reach:
	                                   loopback,private,linklocal (or "") */
	int webhook_timeout_ms; /* one delivery attempt, connect to answer */
	int webhook_tenant_concurrency; /* attempts in flight per tenant */
	int webhook_retry_window_s;     /* retry this long, then disable */
	char *stream_socket;            /* the event stream's unix socket */
	/* Disaster recovery (docs/operations.md). */
	char *backup_command; /* `strata backup` runs it with the type */
	/* Outbound mail (ops/mailer.h). */
	char *smtp_url;      /* smtp://host:port or smtps://; "" = none */
	char *smtp_from;     /* the sender address; "" = no-reply@base */
	char *smtp_user;     /* "" = no authentication */
	char *smtp_password; /* never logged */
	char *smtp_tls;      /* none, starttls (smtps:// is always TLS) */
	int smtp_timeout_ms; /* one message, connect to the relay's answer */
	int mail_retry_window_s; /* retry a mail this long, then give up */
	/* Regions (core/regions.h, docs/regions.md). */
	char *region;       /* this deployment's region; "" = single-region */
	char *regions_file; /* every region's name, origin, edge, conninfo */
	char *region_admin; /* runs another region's `strata`, "{region}"
	                       standing for its name (ops/move.h) */
};

/* Fills c from defaults, the file (path may be NULL: then STRATA_CONFIG or
 * none) and the environment.  Returns 0, or -1 with a message on stderr
 * when the file is unreadable or a value is invalid.  Strings are malloc'd
 * and live for the process. */
int config_load(struct config *c, const char *path);

/* The number of workers to run for a setting of want: want itself (at most
 * CONFIG_WORKERS_MAX), or one per online CPU when want is 0.  The CPU
 * count is read once per process.  Always at least 1. */
int config_workers(int want);

/* Sets one key ("workers", "socket_path", ...) from text.  Returns 0, or -1
 * when the key is unknown or the value invalid. */
int config_set(struct config *c, const char *key, const char *value);

/* The process's settings, once loaded. */
extern struct config cfg;

#endif

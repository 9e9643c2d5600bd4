/*
 * settings.h - a tenant's effective settings, compiled from its current
 * configuration version into a struct the request path reads without
 * parsing JSON.
 */
#ifndef STRATA_SETTINGS_H
#define STRATA_SETTINGS_H

struct request;

struct tenant_settings {
	long long version;
	int access_ttl;        /* seconds */
	int refresh_ttl;       /* seconds */
	int password_min;      /* code points */
	int lockout_threshold; /* failures before a lock */
	int lockout_window;    /* seconds the failures are counted over */
	int lockout_base;      /* first lock, doubling after */
	int rate_rps;          /* requests per second */
	int rate_burst;
	long long max_records;
	int max_collections;
};

/* The settings of req's tenant.  NULL only when they cannot be loaded
 * (database unavailable). */
const struct tenant_settings *settings_get(struct request *req);

/* The built-in defaults (before any configuration). */
void settings_defaults(struct tenant_settings *s);

#endif

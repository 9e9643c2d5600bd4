/*
 * settings.c - effective tenant settings.
 */
#include "data/settings.h"

#include "core/config.h"
#include "core/request.h"

void
settings_defaults(struct tenant_settings *s)
{
	s->version = 0;
	s->access_ttl = cfg.access_ttl;
	s->refresh_ttl = cfg.refresh_ttl;
	s->password_min = 12;
	s->lockout_threshold = 5;
	s->lockout_window = 900;
	s->lockout_base = 5;
	s->rate_rps = cfg.rate_rps;
	s->rate_burst = cfg.rate_burst;
	s->max_records = 100000;
	s->max_collections = 100;
}

const struct tenant_settings *
settings_get(struct request *req)
{
	static struct tenant_settings defaults;

	(void)req;
	settings_defaults(&defaults);
	return &defaults;
}

/*
 * config.h - /v1/config and its versions.
 */
#ifndef STRATA_API_CONFIG_H
#define STRATA_API_CONFIG_H

#include <stdbool.h>

struct request;

/* GET /v1/config (config:read): {version, settings, updated_at,
 * updated_by, comment, restored_from, domain_status} + ETag. */
bool config_prefetch_show(struct request *req);
void config_show(struct request *req);
/* PUT /v1/config {settings, comment?} (config:write): If-Match required
 * (428 without, 412 when stale); 422 lists every invalid setting. */
void config_replace(struct request *req);
/* PATCH /v1/config {settings: <RFC 7396 merge patch>, comment?}. */
void config_patch(struct request *req);
/* GET /v1/config/versions, GET /v1/config/versions/{n} (config:read). */
void config_versions(struct request *req);
void config_version_show(struct request *req);
/* POST /v1/config/versions/{n}/restore (config:write): a new version
 * equal to n. */
void config_restore(struct request *req);

#endif

/*
 * config.h - /v1/config and its versions (handlers in the plan shape,
 * api/plan.h: each returns 0 once it has answered, or the status of the
 * error the pipeline writes).
 */
#ifndef STRATA_API_CONFIG_H
#define STRATA_API_CONFIG_H

struct request;
struct plan;

/* GET /v1/config (config:read): {version, settings, updated_at,
 * updated_by, comment, restored_from, domain_status} + ETag. */
int config_show(struct request *req, struct plan *plan);
/* PUT /v1/config {settings, comment?} (config:write): If-Match required
 * (428 without, 412 when stale); 422 lists every invalid setting. */
int config_replace(struct request *req, struct plan *plan);
/* PATCH /v1/config {settings: <RFC 7396 merge patch>, comment?}. */
int config_patch(struct request *req, struct plan *plan);
/* GET /v1/config/versions, GET /v1/config/versions/{n} (config:read). */
int config_versions(struct request *req, struct plan *plan);
int config_version_show(struct request *req, struct plan *plan);
/* POST /v1/config/versions/{n}/restore (config:write): a new version
 * equal to n. */
int config_restore(struct request *req, struct plan *plan);

#endif

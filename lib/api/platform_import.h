/*
 * platform_import.h - POST /v1/platform/tenants/import (docs/import.md).
 */
#ifndef STRATA_API_PLATFORM_IMPORT_H
#define STRATA_API_PLATFORM_IMPORT_H

struct request;
struct plan;

/* POST /v1/platform/tenants/import?slug=NEW&keep_id=true: creates a
 * tenant from a faithful export (the body, at most 1 MiB: 413 beyond, as
 * every body; `strata tenant import` takes any size).  201 with the
 * tenant and what was carried; 400 for a body that is no export, 422 for
 * one refused (tampered, sealed for another region, a plain export), 409
 * when the slug or id exists; nothing written unless 201. */
int platform_import_tenant(struct request *req, struct plan *plan);

#endif

/*
 * forward.h - requests for tenants whose home is another region
 * (docs/regions.md, "Routing").
 *
 * A worker knows its own region's tenants.  Only a host it does not serve
 * consults the directory: when another region is the tenant's home, the
 * answer is an internal redirect (X-Accel-Redirect) to nginx's named
 * location @strata_region_<name>, which passes the same request (method,
 * path, headers, body) over TLS to that region's edge and its answer back.
 * nginx marks a request that came from another region's edge
 * (STRATA_FORWARDED = 1, set from a secret header no client can forge):
 * such a request is never passed on again.
 */
#ifndef STRATA_API_FORWARD_H
#define STRATA_API_FORWARD_H

#include <stdbool.h>

struct request;

/* 1 when this request came from another region's edge. */
bool forward_came_from_edge(const struct request *req);

/* The answer for a tenant host (slug, or slug NULL and the request's
 * custom domain) this region does not know: 0 with the request passed on
 * to the home region (req->forwarded_to set), 404 when no region knows the
 * tenant or this region is single, 503 with Retry-After while the tenant
 * has no home (being moved) or the directory is behind, each recorded with
 * api_fail. */
int forward_unknown_tenant(struct request *req, const char *slug);

/* Passes the request on to region name's edge: 0 (req->forwarded_to set),
 * or 404 recorded when name is not a region of the regions file.  Never for
 * a request that came from an edge (500). */
int forward_to_region(struct request *req, const char *name);

#endif

/*
 * domainmap.h - nginx's list of tenants' verified custom domains.
 *
 * nginx answers a Host outside the service itself (421) and passes
 * nothing on to the workers.  Besides the apex and the tenant hosts, the
 * names it serves are the "name 0;" lines of this file, included by the
 * map $strata_foreign_host of nginx/nginx.conf.in.  A name dropped from a
 * tenant's settings stays listed until the next write; the workers still
 * refuse it (400 invalid_host), since they resolve every custom domain
 * again.
 */
#ifndef STRATA_OPS_DOMAINMAP_H
#define STRATA_OPS_DOMAINMAP_H

#include "data/db.h"

/* Writes the file cfg.nginx_domains_map (nothing when it is unset) from
 * the verified domains of every tenant not deleted, whole, through a
 * temporary file renamed over it, then has nginx reload it (SIGHUP to the
 * pid in cfg.nginx_pid_file, when set and running).  Names that are not
 * plain lower-case host names are left out.  Returns the number of names
 * written, or -1 after saying why on stderr (the old file stays as it
 * was). */
int domainmap_write(struct db *db);

#endif

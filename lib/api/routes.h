/*
 * routes.h - the route table: method + path pattern -> handler, required
 * permission and host kind.  The one place that says who may call what;
 * tests generate their role x route matrix from it (`strata routes`).
 */
#ifndef STRATA_API_ROUTES_H
#define STRATA_API_ROUTES_H

#include <stddef.h>

#include "core/router.h"

extern const struct route routes[];
extern const size_t routes_count;

#endif

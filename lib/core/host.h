/*
 * host.h - tenancy by Host (DESIGN.md, Tenancy).
 *
 * The tenant is the first DNS label of the Host under the base domain.  The
 * Host is lower-cased, its port and one trailing dot removed, then it must be
 * a valid DNS name; anything else is refused before any database work.
 */
#ifndef STRATA_CORE_HOST_H
#define STRATA_CORE_HOST_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_MAX 253
#define SLUG_MAX 63

enum host_kind {
	HOST_INVALID, /* malformed: 400 */
	HOST_APEX,    /* the base domain itself: platform endpoints */
	HOST_TENANT,  /* {slug}.{base} */
	HOST_NOSLUG,  /* {label}.{base} where label can never be a slug: 404 */
	HOST_OTHER,   /* a valid name outside the base: custom domain or 400 */
};

/* Normalises in into out[HOST_MAX + 1]: lower case, port and one trailing
 * dot removed.  Returns 0, or -1 when in is empty, too long, carries a path,
 * user-info, spaces or controls, is an IP literal, or is not a DNS name. */
int host_normalize(const char *in, char *out, size_t outsz);

/* Classifies a normalised host against the normalised base domain; for
 * HOST_TENANT copies the slug into slug[SLUG_MAX + 1]. */
enum host_kind host_classify(const char *host, const char *base, char *slug);

/* 1 when s is a syntactically valid, unreserved tenant slug (API.md). */
bool host_slug_valid(const char *s);

/* 1 when s is a reserved name that no tenant may take. */
bool host_slug_reserved(const char *s);

#endif

/*
 * email.h - the one rule for e-mail addresses.  Sign-up, login, user
 * creation, tenant provisioning and the command line all use it, so no
 * path can store an address that login would refuse.
 */
#ifndef STRATA_CORE_EMAIL_H
#define STRATA_CORE_EMAIL_H

#define EMAIL_MAX 254 /* RFC 5321 path limit, without the angle brackets */

struct arena;

/* The normalised form of email (ASCII letters folded to lower case), or
 * NULL when email is NULL or not an address we accept: 3-254 bytes, one
 * '@' with a local part of 1-64 bytes before it, a domain after it that
 * holds a '.' and neither starts nor ends with one, and no control
 * character, space or any of <>()[],;:\" anywhere.  The result lives in a.
 */
const char *email_norm(struct arena *a, const char *email);

#endif

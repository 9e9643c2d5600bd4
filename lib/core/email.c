/*
 * email.c - validation and normalisation of e-mail addresses.
 *
 * Deliberately narrower than RFC 5322: no quoted local parts, comments or
 * address literals, which no login form needs and which make two spellings
 * of one mailbox possible.
 */
#include "core/email.h"

#include <stdbool.h>
#include <string.h>

#include "core/arena.h"

static bool
shape_ok(const char *email, size_t n)
{
	const char *at = strchr(email, '@');

	return n >= 3 && n <= EMAIL_MAX && at != NULL && at != email &&
	       at - email <= 64 && strchr(at + 1, '@') == NULL &&
	       strchr(at + 1, '.') != NULL && at[1] != '.' &&
	       email[n - 1] != '.';
}

const char *
email_norm(struct arena *a, const char *email)
{
	size_t n;
	char *out;

	if (email == NULL)
		return NULL;
	n = strlen(email);
	if (!shape_ok(email, n))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)email[i];

		if (c <= ' ' || c == 0x7f || strchr("<>()[],;:\\\"", c))
			return NULL;
	}
	out = arena_alloc(a, n + 1);
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)email[i];

		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return out;
}

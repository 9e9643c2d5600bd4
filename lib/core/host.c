/*
 * host.c - Host header normalisation and tenant slug rules.
 */
#include "core/host.h"

#include <string.h>

static const char *const reserved[] = {
    "www",    "api",     "admin",  "app",     "platform", "static",
    "assets", "mail",    "status", "docs",    "root",     "support",
    "help",   "billing", "auth",   "login",   "signup",   "account",
    "ftp",    "smtp",    "imap",   "pop",     "ns1",      "ns2",
    "cdn",    "dev",     "test",   "staging", "internal", "system",
    "strata", "metrics", "health", "blog",    "security", "abuse",
};

bool
host_slug_reserved(const char *s)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(s, reserved[i]) == 0)
			return true;
	/* IDN A-labels would let a lookalike name pose as another tenant. */
	return strncmp(s, "xn--", 4) == 0;
}

/* A DNS label: 1-63 of [a-z0-9-], no '-' at either end. */
static bool
label_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return true;
}

bool
host_slug_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && n <= SLUG_MAX && label_valid(s, n) &&
	       !host_slug_reserved(s);
}

/* An all-numeric last label means an IPv4 literal (or a number pretending
 * to be a name): refused, a tenant host is always a name. */
static bool
looks_numeric(const char *s, size_t n)
{
	const char *last = s;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '.')
			last = s + i + 1;
	if (last == s + n)
		return false;
	for (const char *p = last; p < s + n; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int
host_normalize(const char *in, char *out, size_t outsz)
{
	size_t n, i;
	const char *colon;

	if (in == NULL || outsz < HOST_MAX + 1)
		return -1;
	n = strlen(in);
	if (n == 0 || n > HOST_MAX + 7)
		return -1;
	if (in[0] == '[') /* IPv6 literal */
		return -1;
	colon = strchr(in, ':');
	if (colon != NULL) {
		const char *p = colon + 1;

		if (*p == '\0' || strlen(p) > 5)
			return -1;
		for (; *p != '\0'; p++)
			if (*p < '0' || *p > '9')
				return -1;
		n = (size_t)(colon - in);
	}
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > HOST_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[i] = c;
	}
	out[n] = '\0';
	/* Every label must be a DNS label: this refuses '/', '@', '%',
	 * spaces, controls, empty labels ("a..b") and a second trailing dot. */
	for (i = 0; i <= n;) {
		const char *dot = memchr(out + i, '.', n - i);
		size_t len = dot ? (size_t)(dot - (out + i)) : n - i;

		if (!label_valid(out + i, len))
			return -1;
		i += len + 1;
		if (dot == NULL)
			break;
	}
	if (looks_numeric(out, n))
		return -1;
	return 0;
}

enum host_kind
host_classify(const char *host, const char *base, char *slug)
{
	size_t hn = strlen(host), bn = strlen(base);
	size_t ln;

	if (hn == 0 || bn == 0)
		return HOST_INVALID;
	if (strcmp(host, base) == 0)
		return HOST_APEX;
	if (hn <= bn + 1 || host[hn - bn - 1] != '.' ||
	    strcmp(host + hn - bn, base) != 0)
		return HOST_OTHER;
	ln = hn - bn - 1;
	if (memchr(host, '.', ln) != NULL) /* a.b.base: not ours */
		return HOST_INVALID;
	if (ln > SLUG_MAX)
		return HOST_INVALID;
	memcpy(slug, host, ln);
	slug[ln] = '\0';
	return host_slug_valid(slug) ? HOST_TENANT : HOST_NOSLUG;
}

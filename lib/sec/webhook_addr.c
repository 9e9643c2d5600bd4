/*
 * webhook_addr.c - address classes for webhook deliveries.
 */
#include "sec/webhook_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define URL_MAX 2048
#define HOST_MAX 255

int
webhook_addr_parse_allow(const char *list, unsigned *allow)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"loopback", WEBHOOK_ALLOW_LOOPBACK},
	             {"private", WEBHOOK_ALLOW_PRIVATE},
	             {"linklocal", WEBHOOK_ALLOW_LINKLOCAL}};
	const char *p = list ? list : "";

	*allow = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    strncmp(names[i].name, p, n) == 0)
				break;
		if (n > 0 && i == sizeof(names) / sizeof(names[0]))
			return -1;
		if (n > 0)
			*allow |= names[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* a (host order) inside a/len. */
static bool
in4(uint32_t a, uint32_t net, int len)
{
	uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);

	return (a & mask) == (net & mask);
}

static enum webhook_addr_class
classify4(uint32_t a)
{
	if (in4(a, 0x7f000000u, 8))
		return WEBHOOK_ADDR_LOOPBACK;
	if (in4(a, 0x0a000000u, 8) || in4(a, 0xac100000u, 12) ||
	    in4(a, 0xc0a80000u, 16) || in4(a, 0x64400000u, 10) ||
	    in4(a, 0xc6120000u, 15) || in4(a, 0xc0000000u, 24))
		return WEBHOOK_ADDR_PRIVATE; /* RFC 1918, CGNAT, 198.18/15,
		                                192.0.0/24 */
	if (in4(a, 0xa9fe0000u, 16))
		return WEBHOOK_ADDR_LINKLOCAL; /* metadata 169.254.169.254 */
	if (in4(a, 0, 8) || in4(a, 0xe0000000u, 4) || in4(a, 0xf0000000u, 4))
		return WEBHOOK_ADDR_NEVER; /* this network, multicast,
		                              reserved and broadcast */
	return WEBHOOK_ADDR_PUBLIC;
}

static uint32_t
v4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static enum webhook_addr_class
classify6(const unsigned char b[16])
{
	static const unsigned char zero[16],
	    mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};

	if (memcmp(b, zero, 15) == 0)
		return b[15] == 1 ? WEBHOOK_ADDR_LOOPBACK : WEBHOOK_ADDR_NEVER;
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0 ||
	    memcmp(b, zero, 12) == 0) /* mapped, NAT64, compatible */
		return classify4(v4_at(b + 12));
	if (b[0] == 0x20 && b[1] == 0x02) /* 6to4 */
		return classify4(v4_at(b + 2));
	if (b[0] == 0xff)
		return WEBHOOK_ADDR_NEVER;
	if ((b[0] & 0xfe) == 0xfc)
		return WEBHOOK_ADDR_PRIVATE; /* fc00::/7, fd00:ec2::254 too */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return WEBHOOK_ADDR_LINKLOCAL;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return WEBHOOK_ADDR_PRIVATE; /* deprecated site-local */
	return WEBHOOK_ADDR_PUBLIC;
}

enum webhook_addr_class
webhook_addr_classify(const struct sockaddr *sa)
{
	/* Copied out by offset: sa may point at a struct sockaddr, which is
	 * shorter than a sockaddr_in6. */
	const unsigned char *p = (const unsigned char *)sa;
	unsigned char b[16];

	if (sa == NULL)
		return WEBHOOK_ADDR_NEVER;
	if (sa->sa_family == AF_INET) {
		memcpy(b, p + offsetof(struct sockaddr_in, sin_addr), 4);
		return classify4(v4_at(b));
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(b, p + offsetof(struct sockaddr_in6, sin6_addr), 16);
		return classify6(b);
	}
	return WEBHOOK_ADDR_NEVER;
}

static bool
class_allowed(enum webhook_addr_class c, unsigned allow)
{
	switch (c) {
	case WEBHOOK_ADDR_PUBLIC:
		return true;
	case WEBHOOK_ADDR_LOOPBACK:
		return (allow & WEBHOOK_ALLOW_LOOPBACK) != 0;
	case WEBHOOK_ADDR_PRIVATE:
		return (allow & WEBHOOK_ALLOW_PRIVATE) != 0;
	case WEBHOOK_ADDR_LINKLOCAL:
		return (allow & WEBHOOK_ALLOW_LINKLOCAL) != 0;
	case WEBHOOK_ADDR_NEVER:
	default:
		return false;
	}
}

bool
webhook_addr_allowed(const struct sockaddr *sa, unsigned allow)
{
	return class_allowed(webhook_addr_classify(sa), allow);
}

/* The host of a literal address or "localhost": its class, or -1 for a
 * name (judged at delivery). */
static int
literal_class(const char *host)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	size_t n = strlen(host);

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (strcasecmp(host, "localhost") == 0 ||
	    (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0))
		return WEBHOOK_ADDR_LOOPBACK;
	s4.sin_family = AF_INET;
	/* inet_aton takes what resolvers take: 0x7f.1, 2130706433, 0177.1 */
	if (inet_aton(host, &s4.sin_addr) == 1)
		return (int)webhook_addr_classify((struct sockaddr *)&s4);
	s6.sin6_family = AF_INET6;
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		char in[HOST_MAX + 1];

		memcpy(in, host + 1, n - 2);
		in[n - 2] = '\0';
		if (inet_pton(AF_INET6, in, &s6.sin6_addr) != 1)
			return WEBHOOK_ADDR_NEVER;
		return (int)webhook_addr_classify((struct sockaddr *)&s6);
	}
	return -1;
}

/* The host part of an http(s) URL after its scheme into host; -1 when it
 * has user information, is empty or too long. */
static int
url_host(const char *rest, char host[HOST_MAX + 1])
{
	size_t n = strcspn(rest, "/?#");
	const char *end = rest + n, *colon;

	if (n == 0 || memchr(rest, '@', n) != NULL)
		return -1;
	if (rest[0] == '[') {
		const char *rb = memchr(rest, ']', n);

		if (rb == NULL)
			return -1;
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		if (colon == NULL && rb + 1 != end)
			return -1;
	} else {
		colon = memchr(rest, ':', n);
	}
	if (colon != NULL) {
		const char *p = colon + 1;

		long port = 0;

		if (p == end || (size_t)(end - p) > 5 ||
		    strspn(p, "0123456789") < (size_t)(end - p))
			return -1;
		for (; p < end; p++)
			port = port * 10 + (*p - '0');
		if (port < 1 || port > 65535)
			return -1;
		end = colon;
	}
	if (end == rest || (size_t)(end - rest) > HOST_MAX)
		return -1;
	memcpy(host, rest, (size_t)(end - rest));
	host[end - rest] = '\0';
	return 0;
}

int
webhook_addr_check_url(const char *url, unsigned allow, const char **why)
{
	char host[HOST_MAX + 1];
	const char *rest;
	int c;

	*why = "must be an http or https URL";
	if (url == NULL || strlen(url) > URL_MAX)
		return -1;
	if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return -1;
	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	if (strchr(url, '#') != NULL || url_host(rest, host) < 0) {
		*why = "must have a host, and no user, password or fragment";
		return -1;
	}
	c = literal_class(host);
	if (c >= 0 && !class_allowed((enum webhook_addr_class)c, allow)) {
		*why = "must not point at a loopback, private, link-local or "
		       "reserved address";
		return -1;
	}
	*why = NULL;
	return 0;
}

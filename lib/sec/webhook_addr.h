/*
 * webhook_addr.h - where a webhook may post: the SSRF wall.
 *
 * Every address a delivery connects to is classified; loopback, private
 * (RFC 1918, CGNAT, IPv6 unique-local), link-local (with the cloud
 * metadata address 169.254.169.254) are refused unless the operator
 * allows their class (STRATA_WEBHOOK_ALLOW = loopback,private,linklocal);
 * unspecified, multicast, broadcast and reserved addresses always are.
 * IPv4 inside IPv6 (mapped, NAT64, 6to4) is judged as the IPv4 address.
 * The check runs on the address actually connected to (after DNS), so a
 * name that resolves to a refused address is refused too.
 */
#ifndef STRATA_SEC_WEBHOOK_ADDR_H
#define STRATA_SEC_WEBHOOK_ADDR_H

#include <stdbool.h>

#include <sys/socket.h>

enum webhook_addr_class {
	WEBHOOK_ADDR_PUBLIC,
	WEBHOOK_ADDR_LOOPBACK,
	WEBHOOK_ADDR_PRIVATE,
	WEBHOOK_ADDR_LINKLOCAL,
	WEBHOOK_ADDR_NEVER, /* unspecified, multicast, broadcast, reserved */
};

enum webhook_allow {
	WEBHOOK_ALLOW_LOOPBACK = 1 << 0,  /* 127/8, ::1 */
	WEBHOOK_ALLOW_PRIVATE = 1 << 1,   /* 10/8, 172.16/12, 192.168/16, ... */
	WEBHOOK_ALLOW_LINKLOCAL = 1 << 2, /* 169.254/16, fe80::/10 */
};

/* Parses a comma-separated list of class names ("" allows none) into
 * *allow.  Returns 0, or -1 on an unknown name. */
int webhook_addr_parse_allow(const char *list, unsigned *allow);

/* The class of an IPv4 (AF_INET) or IPv6 (AF_INET6) address; other
 * families are NEVER. */
enum webhook_addr_class webhook_addr_classify(const struct sockaddr *sa);

/* true when sa may be connected to under allow. */
bool webhook_addr_allowed(const struct sockaddr *sa, unsigned allow);

/* Checks a webhook URL before it is stored: http or https, a host, no
 * user information, no fragment, at most 2048 bytes; a literal address
 * (or "localhost") must be allowed.  Names are resolved only at delivery.
 * Returns 0, or -1 with the reason in *why (static text). */
int webhook_addr_check_url(const char *url, unsigned allow, const char **why);

#endif

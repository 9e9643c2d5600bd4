/*
 * mail_template.h - the mails Strata sends, rendered per tenant (display
 * name, branding) and per locale (en, fr; any other falls back to en).
 *
 * A message is complete RFC 5322 text with CRLF line ends: From, To,
 * Subject, Date, Message-ID, then a multipart/alternative body of a plain
 * text part and an HTML part carrying the tenant's colour and logo.
 * Nothing a tenant or a user wrote can start a header line: every control
 * character of a name is replaced by a space before it is used, header
 * words outside printable ASCII are RFC 2047 encoded, and names in the
 * HTML part are escaped.  Addresses are checked by core/email.h's rule.
 */
#ifndef STRATA_OPS_MAIL_TEMPLATE_H
#define STRATA_OPS_MAIL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define MAIL_TEMPLATE_MAX (64 * 1024) /* a rendered message */

struct mail_vars {
	const char *kind;          /* invitation, password_reset, join */
	const char *locale;        /* en, fr, fr-CA, ... */
	const char *tenant;        /* the name shown for the tenant */
	const char *primary_color; /* #rrggbb, or "" for the default */
	const char *logo_url;      /* https URL, or "" for none */
	const char *link;          /* the link, token included */
	int valid_hours;           /* how long the link works */
	const char *to;            /* the recipient */
	const char *from;          /* the sender's address */
	const char *message_id;    /* unique, without angle brackets */
	const char *date;          /* RFC 5322 date */
};

/* The message for v in a, or NULL when the kind is unknown, an address is
 * not valid, the link is not an https URL of printable ASCII, or the
 * message would exceed MAIL_TEMPLATE_MAX. */
const char *mail_template_render(struct arena *a, const struct mail_vars *v);

/* The subject line of v (decoded: UTF-8, no header encoding), or NULL for
 * an unknown kind; for tests and logs. */
const char *mail_template_subject(struct arena *a, const struct mail_vars *v);

/* s with every control character (CR, LF, TAB, ...) replaced by a space
 * and at most max bytes (cut at a UTF-8 character boundary). */
const char *mail_template_clean(struct arena *a, const char *s, size_t max);

/* A header value of s: s itself when it is printable ASCII, else one or
 * more RFC 2047 "=?UTF-8?B?...?=" words.  Never holds CR or LF. */
const char *mail_template_header_word(struct arena *a, const char *s);

/* s as RFC 2047 words, whatever it holds (a display name with specials). */
const char *mail_template_header_word_always(struct arena *a, const char *s);

/* true when s can be put into a header as it is: printable ASCII (space
 * included), no CR, LF or other control character. */
bool mail_template_header_safe(const char *s);

#endif

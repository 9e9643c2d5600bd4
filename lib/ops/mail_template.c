/*
 * mail_template.c - rendering the mails (ops/mail_template.h).
 */
#include "ops/mail_template.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/email.h"

#define NAME_MAX_BYTES 200
#define DEFAULT_COLOR "#1f6feb"
#define WORD_CHUNK 45 /* bytes of UTF-8 per encoded word (60 base64) */

/* One mail in one language.  Placeholders: {tenant}, {link}, {hours}. */
struct text {
	const char *kind;
	const char *lang;
	const char *subject;
	const char *lead;   /* the paragraph before the link */
	const char *action; /* the link's label */
	const char *tail;   /* after the link */
};

static const struct text texts[] = {
    {"invitation", "en", "You are invited to join {tenant}",
     "You have been invited to join {tenant}.", "Accept the invitation",
     "The link works once and expires in {hours} hours. If you did not "
     "expect this invitation, ignore this mail."},
    {"invitation", "fr", "Invitation \xc3\xa0 rejoindre {tenant}",
     "Vous \xc3\xaates invit\xc3\xa9(e) \xc3\xa0 rejoindre {tenant}.",
     "Accepter l'invitation",
     "Le lien ne sert qu'une fois et expire dans {hours} heures. Si vous "
     "n'attendiez pas cette invitation, ignorez ce message."},
    {"password_reset", "en", "Reset your {tenant} password",
     "Someone asked to reset the password of your {tenant} account.",
     "Choose a new password",
     "The link works once and expires in 30 minutes. Every session of "
     "your account ends when the password changes. If you did not ask, "
     "ignore this mail: your password stays as it is."},
    {"password_reset", "fr", "R\xc3\xa9initialisez votre mot de passe {tenant}",
     "Une demande de r\xc3\xa9initialisation du mot de passe de votre "
     "compte {tenant} a \xc3\xa9t\xc3\xa9 faite.",
     "Choisir un nouveau mot de passe",
     "Le lien ne sert qu'une fois et expire dans 30 minutes. Toutes les "
     "sessions de votre compte se terminent quand le mot de passe change. "
     "Si vous n'avez rien demand\xc3\xa9, ignorez ce message."},
    {"join", "en", "Confirm your address to join {tenant}",
     "Your address lets you join {tenant}. Confirm it to create your "
     "account.",
     "Join {tenant}",
     "The link works once and expires in {hours} hours. If you did not "
     "ask to join, ignore this mail."},
    {"join", "fr", "Confirmez votre adresse pour rejoindre {tenant}",
     "Votre adresse vous permet de rejoindre {tenant}. Confirmez-la pour "
     "cr\xc3\xa9"
     "er votre compte.",
     "Rejoindre {tenant}",
     "Le lien ne sert qu'une fois et expire dans {hours} heures. Si vous "
     "n'avez rien demand\xc3\xa9, ignorez ce message."},
};

static const struct text *
text_for(const char *kind, const char *locale)
{
	const char *lang = (locale != NULL && strncmp(locale, "fr", 2) == 0 &&
	                    (locale[2] == '\0' || locale[2] == '-'))
	                       ? "fr"
	                       : "en";

	if (kind == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].kind, kind) == 0 &&
		    strcmp(texts[i].lang, lang) == 0)
			return &texts[i];
	return NULL;
}

bool
mail_template_header_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

const char *
mail_template_clean(struct arena *a, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	char *out;

	if (n > max) {
		n = max;
		/* Not in the middle of a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	out = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[n] = '\0';
	return out;
}

const char *
mail_template_header_word(struct arena *a, const char *s)
{
	return mail_template_header_safe(s)
	           ? s
	           : mail_template_header_word_always(a, s);
}

const char *
mail_template_header_word_always(struct arena *a, const char *s)
{
	struct buf b;
	size_t n = strlen(s), i = 0;

	buf_init(&b, a, n * 2 + 16, MAIL_TEMPLATE_MAX);
	while (i < n) {
		unsigned char enc[4 * ((WORD_CHUNK + 2) / 3) + 8];
		size_t k = n - i > WORD_CHUNK ? WORD_CHUNK : n - i;

		/* A word holds whole characters (RFC 2047, 5). */
		while (i + k < n && k > 1 &&
		       ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k--;
		EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)k);
		if (i > 0)
			buf_puts(&b, " ");
		buf_printf(&b, "=?UTF-8?B?%s?=", (const char *)enc);
		i += k;
	}
	return buf_cstr(&b);
}

/* tmpl with {tenant}, {link} and {hours} replaced; html: the values
 * escaped for HTML. */
static const char *
expand(struct arena *a, const char *tmpl, const struct mail_vars *v,
       const char *tenant, bool html)
{
	struct buf b;
	char hours[16];

	snprintf(hours, sizeof(hours), "%d", v->valid_hours);
	buf_init(&b, a, 256, MAIL_TEMPLATE_MAX);
	for (const char *p = tmpl; *p; p++) {
		const char *val = NULL;
		size_t skip = 0;

		if (strncmp(p, "{tenant}", 8) == 0)
			val = tenant, skip = 8;
		else if (strncmp(p, "{link}", 6) == 0)
			val = v->link, skip = 6;
		else if (strncmp(p, "{hours}", 7) == 0)
			val = hours, skip = 7;
		if (val == NULL) {
			buf_putc(&b, *p);
			continue;
		}
		for (const char *q = val; *q; q++) {
			if (html && *q == '<')
				buf_puts(&b, "&lt;");
			else if (html && *q == '>')
				buf_puts(&b, "&gt;");
			else if (html && *q == '&')
				buf_puts(&b, "&amp;");
			else if (html && *q == '"')
				buf_puts(&b, "&quot;");
			else if (html && *q == '\'')
				buf_puts(&b, "&#39;");
			else
				buf_putc(&b, *q);
		}
		p += skip - 1;
	}
	return buf_cstr(&b);
}

static bool
color_ok(const char *s)
{
	return s != NULL && strlen(s) == 7 && s[0] == '#' &&
	       strspn(s + 1, "0123456789abcdefABCDEF") == 6;
}

/* An https URL of printable ASCII without quotes or angle brackets. */
static bool
url_ok(const char *s)
{
	return s != NULL && strncmp(s, "https://", 8) == 0 &&
	       strlen(s) < 2048 && mail_template_header_safe(s) &&
	       strpbrk(s, "\"'<> \\") == NULL;
}

static const char *
tenant_name(struct arena *a, const struct mail_vars *v)
{
	const char *t = mail_template_clean(a, v->tenant, NAME_MAX_BYTES);

	return *t ? t : "Strata";
}

const char *
mail_template_subject(struct arena *a, const struct mail_vars *v)
{
	const struct text *t = text_for(v->kind, v->locale);

	if (t == NULL)
		return NULL;
	return expand(a, t->subject, v, tenant_name(a, v), false);
}

/* The From header's value: "name" <address>, the name quoted when it is
 * printable ASCII without specials, else encoded: an address-like name
 * ("x" <a@b>) never reaches a header as text. */
static const char *
from_header(struct arena *a, const char *name, const char *addr)
{
	if (!mail_template_header_safe(name) ||
	    strpbrk(name, "()<>[]:;@\\,.\"") != NULL)
		return arena_printf(a, "%s <%s>",
		                    mail_template_header_word_always(a, name),
		                    addr);
	return arena_printf(a, "\"%s\" <%s>", name, addr);
}

static void
put_html(struct buf *b, struct arena *a, const struct text *t,
         const struct mail_vars *v, const char *tenant)
{
	const char *color =
	    color_ok(v->primary_color) ? v->primary_color : DEFAULT_COLOR;

	buf_printf(b,
	           "<!doctype html>\r\n<html lang=\"%s\"><body style=\""
	           "font-family:sans-serif;margin:0\">\r\n",
	           t->lang);
	buf_printf(b, "<div style=\"background:%s;color:#fff;padding:16px\">",
	           color);
	if (url_ok(v->logo_url))
		buf_printf(b, "<img src=\"%s\" alt=\"\" height=\"32\"> ",
		           v->logo_url);
	buf_printf(b, "<strong>%s</strong></div>\r\n",
	           expand(a, "{tenant}", v, tenant, true));
	buf_printf(b, "<p style=\"padding:0 16px\">%s</p>\r\n",
	           expand(a, t->lead, v, tenant, true));
	buf_printf(b,
	           "<p style=\"padding:0 16px\"><a href=\"%s\" style=\""
	           "background:%s;color:#fff;padding:8px 16px;"
	           "text-decoration:none\">%s</a></p>\r\n",
	           v->link, color, expand(a, t->action, v, tenant, true));
	buf_printf(b, "<p style=\"padding:0 16px;color:#555\">%s</p>\r\n",
	           expand(a, t->tail, v, tenant, true));
	buf_puts(b, "</body></html>\r\n");
}

const char *
mail_template_render(struct arena *a, const struct mail_vars *v)
{
	const struct text *t = text_for(v->kind, v->locale);
	const char *tenant, *subject;
	struct buf b;

	if (t == NULL || email_norm(a, v->to) == NULL ||
	    email_norm(a, v->from) == NULL || !url_ok(v->link) ||
	    v->message_id == NULL ||
	    !mail_template_header_safe(v->message_id) || v->date == NULL ||
	    !mail_template_header_safe(v->date))
		return NULL;
	tenant = tenant_name(a, v);
	subject = expand(a, t->subject, v, tenant, false);
	buf_init(&b, a, 4096, MAIL_TEMPLATE_MAX);
	buf_printf(&b, "From: %s\r\n", from_header(a, tenant, v->from));
	buf_printf(&b, "To: <%s>\r\n", v->to);
	buf_printf(&b, "Subject: %s\r\n",
	           mail_template_header_word(a, subject));
	buf_printf(&b, "Date: %s\r\n", v->date);
	buf_printf(&b, "Message-ID: <%s>\r\n", v->message_id);
	buf_puts(&b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	buf_printf(&b, "Content-Language: %s\r\n", t->lang);
	buf_printf(&b,
	           "Content-Type: multipart/alternative; "
	           "boundary=\"=_%s\"\r\n\r\n",
	           v->message_id);
	buf_printf(&b,
	           "--=_%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	           "Content-Transfer-Encoding: 8bit\r\n\r\n",
	           v->message_id);
	buf_printf(&b, "%s\r\n\r\n%s:\r\n%s\r\n\r\n%s\r\n\r\n",
	           expand(a, t->lead, v, tenant, false),
	           expand(a, t->action, v, tenant, false), v->link,
	           expand(a, t->tail, v, tenant, false));
	buf_printf(&b,
	           "--=_%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	           "Content-Transfer-Encoding: 8bit\r\n\r\n",
	           v->message_id);
	put_html(&b, a, t, v, tenant);
	if (buf_printf(&b, "--=_%s--\r\n", v->message_id) < 0)
		return NULL;
	return buf_cstr(&b);
}

/* check_mail_template.c - the mails (ops/mail_template.h): rendering per
 * kind and locale, the tenant's name and branding, and every way a name,
 * subject, address or link could smuggle a header or markup in. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "ops/mail_template.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new(64 * 1024, 4 * 1024 * 1024);
}

static void
teardown(void)
{
	arena_free(a);
}

static struct mail_vars
vars(const char *kind, const char *locale, const char *tenant)
{
	struct mail_vars v = {0};

	v.kind = kind;
	v.locale = locale;
	v.tenant = tenant;
	v.primary_color = "#aa3300";
	v.logo_url = "https://cdn.example.com/logo.png";
	v.link = "https://acme.strata.localhost/console/#/x?token=sin_abc";
	v.valid_hours = 48;
	v.to = "bob@example.com";
	v.from = "no-reply@strata.localhost";
	v.message_id = "0123-abcd@strata.localhost";
	v.date = "Tue, 01 Dec 2026 18:00:00 +0000";
	return v;
}

/* The header block of a message: up to the first empty line. */
static const char *
headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	size_t n = end ? (size_t)(end - msg) + 2 : strlen(msg);
	char *h = arena_alloc(a, n + 1);

	memcpy(h, msg, n);
	h[n] = '\0';
	return h;
}

/* The line of h that starts with name, CRLF included. */
static const char *
line_of(const char *h, const char *name)
{
	const char *l = strstr(h, name), *e = l ? strstr(l, "\r\n") : NULL;
	char *out;

	ck_assert_ptr_nonnull(e);
	out = arena_alloc(a, (size_t)(e - l) + 3);
	memcpy(out, l, (size_t)(e - l) + 2);
	out[e - l + 2] = '\0';
	return out;
}

/* true when every line of the header block is a known header. */
static bool
only_known_headers(const char *h)
{
	static const char *const known[] = {
	    "From: ",         "To: ",
	    "Subject: ",      "Date: ",
	    "Message-ID: ",   "MIME-Version: ",
	    "Auto-Submitted", "Content-Language",
	    "Content-Type: ", NULL};

	for (const char *l = h; *l; l = strstr(l, "\r\n") + 2) {
		bool ok = false;

		for (const char *const *k = known; *k && !ok; k++)
			ok = strncmp(l, *k, strlen(*k)) == 0;
		if (!ok || strstr(l, "\r\n") == NULL)
			return false;
	}
	return true;
}

static const struct {
	const char *kind, *locale, *subject, *phrase;
} kinds[] = {
    {"invitation", "en", "You are invited to join Acme",
     "You have been invited to join Acme."},
    {"invitation", "fr", "Invitation \xc3\xa0 rejoindre Acme",
     "Vous \xc3\xaates invit\xc3\xa9(e) \xc3\xa0 rejoindre Acme."},
    {"invitation", "fr-CA", "Invitation \xc3\xa0 rejoindre Acme", "Acme."},
    {"invitation", "de", "You are invited to join Acme", "Acme."},
    {"invitation", "frx", "You are invited to join Acme", "Acme."},
    {"password_reset", "en", "Reset your Acme password", "30 minutes"},
    {"password_reset", "fr", "R\xc3\xa9initialisez votre mot de passe Acme",
     "30 minutes"},
    {"join", "en", "Confirm your address to join Acme", "48 hours"},
    {"join", "fr", "Confirmez votre adresse pour rejoindre Acme", "48 heures"},
};

START_TEST(renders_each_kind)
{
	struct mail_vars v = vars(kinds[_i].kind, kinds[_i].locale, "Acme");
	const char *m = mail_template_render(a, &v);

	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(mail_template_subject(a, &v), kinds[_i].subject);
	ck_assert_ptr_nonnull(strstr(m, kinds[_i].phrase));
	ck_assert_ptr_nonnull(strstr(m, "\r\n"
	                                "https://acme.strata.localhost"
	                                "/console/#/x?token=sin_abc\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "To: <bob@example.com>\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "From: \"Acme\" <no-reply@"));
	ck_assert_ptr_null(strstr(m, "<script>"));
	ck_assert_ptr_nonnull(strstr(m, "background:#aa3300"));
	ck_assert_ptr_nonnull(
	    strstr(m, "<img src=\"https://cdn.example.com/logo.png\""));
	ck_assert(only_known_headers(headers_of(m)));
	/* Every line ends in CRLF: no bare LF. */
	for (const char *p = strchr(m, '\n'); p; p = strchr(p + 1, '\n'))
		ck_assert_int_eq(p[-1], '\r');
}
END_TEST

START_TEST(subject_encoded_outside_ascii)
{
	struct mail_vars v = vars("invitation", "fr", "Acme");
	const char *m = mail_template_render(a, &v);

	/* "Invitation à rejoindre Acme", base64 of its UTF-8. */
	ck_assert_ptr_nonnull(strstr(
	    m, "Subject: "
	       "=?UTF-8?B?SW52aXRhdGlvbiDDoCByZWpvaW5kcmUgQWNtZQ==?=\r\n"));
}
END_TEST

/* Names and subjects carrying CR, LF and other controls: no header is
 * added, nothing ends the header block early. */
static const char *const hostile[] = {
    "Acme\r\nBcc: thief@example.com",
    "Acme\nBcc: thief@example.com",
    "Acme\rBcc: thief@example.com",
    "Acme\r\n\r\n<script>alert(1)</script>",
    "Ac\"me\\\" <thief@example.com>",
    "Acme\t\x01\x1b[31m",
    "Soci\xc3\xa9t\xc3\xa9\r\nBcc: thief@example.com",
};

START_TEST(no_header_injection)
{
	struct mail_vars v = vars("invitation", "en", hostile[_i]);
	const char *m = mail_template_render(a, &v);
	const char *h, *from;

	ck_assert_ptr_nonnull(m);
	h = headers_of(m);
	ck_assert(only_known_headers(h));
	ck_assert_ptr_null(strstr(h, "\r\nBcc"));
	ck_assert_ptr_null(strstr(strstr(m, "text/html"), "<script>"));
	/* The only address of the From line is the sender's. */
	from = line_of(h, "From: ");
	ck_assert_ptr_null(strstr(from, "<thief"));
	ck_assert_ptr_nonnull(strstr(from, " <no-reply@strata.localhost>\r\n"));
	for (const char *p = h; *p; p++)
		ck_assert(*p >= 0x20 || *p == '\r' || *p == '\n');
}
END_TEST

/* Addresses, links, ids and dates that must refuse the message. */
START_TEST(refuses_bad_fields)
{
	struct mail_vars v;

	v = vars("invitation", "en", "Acme");
	v.to = "bob@example.com\r\nBcc: thief@example.com";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("invitation", "en", "Acme");
	v.to = "<bob@example.com>";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("invitation", "en", "Acme");
	v.from = "not an address";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("invitation", "en", "Acme");
	v.link = "javascript:alert(1)";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("invitation", "en", "Acme");
	v.link = "https://x.example/\"><script>";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("invitation", "en", "Acme");
	v.link = "https://x.example/\r\nBcc: y@example.com";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("invitation", "en", "Acme");
	v.message_id = "x\r\nBcc: y";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("invitation", "en", "Acme");
	v.date = "today\nBcc: y";
	ck_assert_ptr_null(mail_template_render(a, &v));
	v = vars("no_such_kind", "en", "Acme");
	ck_assert_ptr_null(mail_template_render(a, &v));
	ck_assert_ptr_null(mail_template_subject(a, &v));
	v = vars(NULL, "en", "Acme");
	ck_assert_ptr_null(mail_template_render(a, &v));
}
END_TEST

START_TEST(branding_checked)
{
	struct mail_vars v = vars("join", "en", "Acme");
	const char *m;

	v.primary_color = "red;background:url(https://evil.example)";
	v.logo_url = "http://insecure.example/logo.png";
	m = mail_template_render(a, &v);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(strstr(m, "evil.example"));
	ck_assert_ptr_null(strstr(m, "<img"));
	ck_assert_ptr_nonnull(strstr(m, "background:#1f6feb"));
	v.logo_url = "https://x.example/\"onerror=\"alert(1)";
	m = mail_template_render(a, &v);
	ck_assert_ptr_null(strstr(m, "onerror"));
}
END_TEST

START_TEST(html_escapes_names)
{
	struct mail_vars v = vars("invitation", "en", "<b>A&B</b>");
	const char *m = mail_template_render(a, &v);

	ck_assert_ptr_nonnull(strstr(m, "&lt;b&gt;A&amp;B&lt;/b&gt;"));
	ck_assert_ptr_null(strstr(m, "<b>A&B</b></strong>"));
}
END_TEST

START_TEST(empty_name_falls_back)
{
	struct mail_vars v = vars("invitation", "en", "");

	ck_assert_str_eq(mail_template_subject(a, &v),
	                 "You are invited to join Strata");
	v.tenant = NULL;
	ck_assert_str_eq(mail_template_subject(a, &v),
	                 "You are invited to join Strata");
}
END_TEST

START_TEST(clean_replaces_controls)
{
	ck_assert_str_eq(mail_template_clean(a, "a\r\nb\tc\x7f", 100),
	                 "a  b c ");
	ck_assert_str_eq(mail_template_clean(a, NULL, 10), "");
	/* Cut at a character boundary: "é" is two bytes. */
	ck_assert_str_eq(mail_template_clean(a, "ab\xc3\xa9", 3), "ab");
	ck_assert_str_eq(mail_template_clean(a, "ab\xc3\xa9", 4), "ab\xc3\xa9");
}
END_TEST

START_TEST(header_words)
{
	const char *w;

	ck_assert(mail_template_header_safe("plain ascii, ok"));
	ck_assert(!mail_template_header_safe("line\r\nbreak"));
	ck_assert(!mail_template_header_safe("caf\xc3\xa9"));
	ck_assert_str_eq(mail_template_header_word(a, "plain"), "plain");
	ck_assert_str_eq(mail_template_header_word(a, "caf\xc3\xa9"),
	                 "=?UTF-8?B?Y2Fmw6k=?=");
	/* A long value becomes several words, none splitting a
	 * character, none holding CR or LF. */
	w = mail_template_header_word(
	    a, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	       "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	       "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	ck_assert_ptr_nonnull(strstr(w, "?= =?UTF-8?B?"));
	ck_assert_ptr_null(strpbrk(w, "\r\n"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mail_template");
	TCase *r = tcase_create("mail_template_render");
	TCase *h = tcase_create("mail_template_header");

	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_checked_fixture(h, setup, teardown);
	tcase_add_loop_test(r, renders_each_kind, 0,
	                    sizeof(kinds) / sizeof(kinds[0]));
	tcase_add_test(r, subject_encoded_outside_ascii);
	tcase_add_loop_test(r, no_header_injection, 0,
	                    sizeof(hostile) / sizeof(hostile[0]));
	tcase_add_test(r, refuses_bad_fields);
	tcase_add_test(r, branding_checked);
	tcase_add_test(r, html_escapes_names);
	tcase_add_test(r, empty_name_falls_back);
	tcase_add_test(h, clean_replaces_controls);
	tcase_add_test(h, header_words);
	suite_add_tcase(s, r);
	suite_add_tcase(s, h);
	return s;
}

CHECK_MAIN(suite)

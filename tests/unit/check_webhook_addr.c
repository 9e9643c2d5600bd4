/* check_webhook_addr.c - the SSRF wall: address classes, the operator's
 * allow list and URL checks, refusals first. */
#include <check.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "check_main.h"
#include "sec/webhook_addr.h"

static enum webhook_addr_class
cls(const char *text)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return webhook_addr_classify((struct sockaddr *)&s4);
	}
	ck_assert_int_eq(inet_pton(AF_INET6, text, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	return webhook_addr_classify((struct sockaddr *)&s6);
}

static const struct {
	const char *addr;
	enum webhook_addr_class c;
} classes[] = {
    {"127.0.0.1", WEBHOOK_ADDR_LOOPBACK},
    {"127.255.255.254", WEBHOOK_ADDR_LOOPBACK},
    {"::1", WEBHOOK_ADDR_LOOPBACK},
    {"::ffff:127.0.0.1", WEBHOOK_ADDR_LOOPBACK},
    {"10.0.0.1", WEBHOOK_ADDR_PRIVATE},
    {"172.16.0.1", WEBHOOK_ADDR_PRIVATE},
    {"172.31.255.255", WEBHOOK_ADDR_PRIVATE},
    {"192.168.1.1", WEBHOOK_ADDR_PRIVATE},
    {"100.64.0.1", WEBHOOK_ADDR_PRIVATE},
    {"fd00::1", WEBHOOK_ADDR_PRIVATE},
    {"fd00:ec2::254", WEBHOOK_ADDR_PRIVATE},
    {"::ffff:10.1.2.3", WEBHOOK_ADDR_PRIVATE},
    {"64:ff9b::a00:1", WEBHOOK_ADDR_PRIVATE},
    {"2002:c0a8:101::1", WEBHOOK_ADDR_PRIVATE},
    {"169.254.169.254", WEBHOOK_ADDR_LINKLOCAL},
    {"169.254.0.1", WEBHOOK_ADDR_LINKLOCAL},
    {"fe80::1", WEBHOOK_ADDR_LINKLOCAL},
    {"::ffff:169.254.169.254", WEBHOOK_ADDR_LINKLOCAL},
    {"0.0.0.0", WEBHOOK_ADDR_NEVER},
    {"0.1.2.3", WEBHOOK_ADDR_NEVER},
    {"::", WEBHOOK_ADDR_NEVER},
    {"224.0.0.1", WEBHOOK_ADDR_NEVER},
    {"255.255.255.255", WEBHOOK_ADDR_NEVER},
    {"240.0.0.1", WEBHOOK_ADDR_NEVER},
    {"ff02::1", WEBHOOK_ADDR_NEVER},
    {"93.184.216.34", WEBHOOK_ADDR_PUBLIC},
    {"172.32.0.1", WEBHOOK_ADDR_PUBLIC},
    {"2606:2800:220:1::1", WEBHOOK_ADDR_PUBLIC},
    {"8.8.8.8", WEBHOOK_ADDR_PUBLIC},
};

START_TEST(classify)
{
	ck_assert_int_eq(cls(classes[_i].addr), classes[_i].c);
}
END_TEST

START_TEST(allowed_by_class)
{
	struct sockaddr_in s4;

	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	ck_assert(!webhook_addr_allowed((struct sockaddr *)&s4, 0));
	ck_assert(!webhook_addr_allowed((struct sockaddr *)&s4,
	                                WEBHOOK_ALLOW_PRIVATE));
	ck_assert(webhook_addr_allowed((struct sockaddr *)&s4,
	                               WEBHOOK_ALLOW_LOOPBACK));
	inet_pton(AF_INET, "0.0.0.0", &s4.sin_addr);
	ck_assert(!webhook_addr_allowed((struct sockaddr *)&s4, 7));
	ck_assert(!webhook_addr_allowed(NULL, 7));
}
END_TEST

START_TEST(allow_list)
{
	unsigned a = 99;

	ck_assert_int_eq(webhook_addr_parse_allow("", &a), 0);
	ck_assert_uint_eq(a, 0);
	ck_assert_int_eq(webhook_addr_parse_allow("loopback", &a), 0);
	ck_assert_uint_eq(a, WEBHOOK_ALLOW_LOOPBACK);
	ck_assert_int_eq(webhook_addr_parse_allow("private,linklocal", &a), 0);
	ck_assert_uint_eq(a, WEBHOOK_ALLOW_PRIVATE | WEBHOOK_ALLOW_LINKLOCAL);
	ck_assert_int_eq(webhook_addr_parse_allow("loopback,metadata", &a), -1);
	ck_assert_int_eq(webhook_addr_parse_allow("all", &a), -1);
	ck_assert_int_eq(webhook_addr_parse_allow("loop", &a), -1);
}
END_TEST

/* URLs refused with nothing allowed. */
static const char *const refused[] = {
    "ftp://example.com/",
    "file:///etc/passwd",
    "gopher://example.com/",
    "example.com/hook",
    "http://",
    "http:///path",
    "http://user:pw@example.com/",
    "http://example.com/#frag",
    "http://exa mple.com/",
    "http://example.com:99999/",
    "http://example.com:/",
    "http://127.0.0.1/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://[::1/",
    "https://[zz::1]/",
    NULL,
};

START_TEST(url_refused)
{
	const char *why = NULL;

	ck_assert_int_eq(webhook_addr_check_url(refused[_i], 0, &why), -1);
	ck_assert_ptr_nonnull(why);
}
END_TEST

static const char *const accepted[] = {
    "https://example.com/hook", "http://example.com:8080/a?b=c",
    "https://93.184.216.34/x",  "https://[2606:2800:220:1::1]:443/",
    "HTTPS://Example.COM",
};

START_TEST(url_accepted)
{
	const char *why = "unset";

	ck_assert_int_eq(webhook_addr_check_url(accepted[_i], 0, &why), 0);
	ck_assert_ptr_null(why);
}
END_TEST

START_TEST(url_loopback_when_allowed)
{
	const char *why;

	ck_assert_int_eq(webhook_addr_check_url("http://127.0.0.1:9000/h",
	                                        WEBHOOK_ALLOW_LOOPBACK, &why),
	                 0);
	ck_assert_int_eq(webhook_addr_check_url("http://localhost/h",
	                                        WEBHOOK_ALLOW_LOOPBACK, &why),
	                 0);
	/* Loopback allowed is not private or metadata allowed. */
	ck_assert_int_eq(webhook_addr_check_url("http://169.254.169.254/",
	                                        WEBHOOK_ALLOW_LOOPBACK, &why),
	                 -1);
	ck_assert_int_eq(webhook_addr_check_url("http://10.1.1.1/",
	                                        WEBHOOK_ALLOW_LOOPBACK, &why),
	                 -1);
	ck_assert_int_eq(webhook_addr_check_url("http://0.0.0.0/", 7, &why),
	                 -1);
}
END_TEST

START_TEST(url_too_long)
{
	char url[2100];
	const char *why;

	memset(url, 'a', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memcpy(url, "https://example.com/", 20);
	ck_assert_int_eq(webhook_addr_check_url(url, 0, &why), -1);
	ck_assert_int_eq(webhook_addr_check_url(NULL, 0, &why), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("webhook_addr");
	TCase *t = tcase_create("webhook_addr");

	tcase_add_loop_test(t, classify, 0,
	                    sizeof(classes) / sizeof(classes[0]));
	tcase_add_test(t, allowed_by_class);
	tcase_add_test(t, allow_list);
	tcase_add_loop_test(t, url_refused, 0,
	                    sizeof(refused) / sizeof(refused[0]) - 1);
	tcase_add_loop_test(t, url_accepted, 0,
	                    sizeof(accepted) / sizeof(accepted[0]));
	tcase_add_test(t, url_loopback_when_allowed);
	tcase_add_test(t, url_too_long);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(suite)

/* check_token_cache.c - the verified-token cache: it hits only for the
 * same bytes, tenant and origin, and never past expiry. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "sec/token_cache.h"

#define TID "01a21c0f-4da7-7f3b-a7a8-db1b9a48011a"
#define TID2 "01a21c0f-4da7-7f3b-a7a8-db1b9a48011b"
#define ORIGIN "https://acme.strata.localhost:8443"
#define TOK "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
#define NOW 1800000000L

static struct token_claims claims;
static struct uuid kid;

static void
setup(void)
{
	token_cache_clear();
	memset(&claims, 0, sizeof(claims));
	snprintf(claims.sub, sizeof(claims.sub), "%s", TID);
	claims.iat = NOW;
	claims.exp = NOW + 900;
	uuid_parse(TID, &kid);
}

START_TEST(hits_the_same_token)
{
	struct token_claims c;
	struct uuid k;

	token_cache_store(TOK, TID, ORIGIN, &kid, &claims);
	ck_assert(token_cache_find(TOK, TID, ORIGIN, NOW + 1, &k, &c));
	ck_assert_str_eq(c.sub, TID);
	ck_assert_int_eq(c.exp, NOW + 900);
	ck_assert(uuid_equal(&k, &kid));
}
END_TEST

START_TEST(misses_what_was_never_stored)
{
	struct token_claims c;
	struct uuid k;

	ck_assert(!token_cache_find(TOK, TID, ORIGIN, NOW, &k, &c));
	ck_assert(!token_cache_find(NULL, TID, ORIGIN, NOW, &k, &c));
	ck_assert(!token_cache_find("", TID, ORIGIN, NOW, &k, &c));
}
END_TEST

/* One changed byte anywhere (a forged signature) misses. */
START_TEST(misses_another_token)
{
	struct token_claims c;
	struct uuid k;
	char forged[] = TOK;

	token_cache_store(TOK, TID, ORIGIN, &kid, &claims);
	forged[sizeof(forged) - 2] ^= 1;
	ck_assert(!token_cache_find(forged, TID, ORIGIN, NOW, &k, &c));
	forged[sizeof(forged) - 2] ^= 1;
	forged[sizeof(forged) - 2] = '\0'; /* one byte shorter */
	ck_assert(!token_cache_find(forged, TID, ORIGIN, NOW, &k, &c));
	ck_assert(!token_cache_find(TOK "x", TID, ORIGIN, NOW, &k, &c));
}
END_TEST

START_TEST(misses_another_tenant_or_origin)
{
	struct token_claims c;
	struct uuid k;

	token_cache_store(TOK, TID, ORIGIN, &kid, &claims);
	ck_assert(!token_cache_find(TOK, TID2, ORIGIN, NOW, &k, &c));
	ck_assert(
	    !token_cache_find(TOK, TID, "https://evil.example", NOW, &k, &c));
	ck_assert(!token_cache_find(TOK, TID, ORIGIN ":1", NOW, &k, &c));
	ck_assert(token_cache_find(TOK, TID, ORIGIN, NOW, &k, &c));
}
END_TEST

START_TEST(misses_after_expiry)
{
	struct token_claims c;
	struct uuid k;

	token_cache_store(TOK, TID, ORIGIN, &kid, &claims);
	ck_assert(token_cache_find(TOK, TID, ORIGIN, NOW + 900 + TOKEN_LEEWAY,
	                           &k, &c));
	ck_assert(!token_cache_find(TOK, TID, ORIGIN, NOW + 901 + TOKEN_LEEWAY,
	                            &k, &c));
	/* and the expired entry is gone, not just skipped */
	ck_assert(!token_cache_find(TOK, TID, ORIGIN, NOW, &k, &c));
}
END_TEST

START_TEST(refuses_what_it_cannot_hold)
{
	static char longtok[TOKEN_CACHE_TOKEN_MAX + 2];
	static char longorigin[TOKEN_CACHE_ORIGIN_MAX + 2];
	struct token_claims c;
	struct uuid k;

	memset(longtok, 'a', sizeof(longtok) - 1);
	memset(longorigin, 'o', sizeof(longorigin) - 1);
	token_cache_store(longtok, TID, ORIGIN, &kid, &claims);
	ck_assert(!token_cache_find(longtok, TID, ORIGIN, NOW, &k, &c));
	token_cache_store(TOK, TID, longorigin, &kid, &claims);
	ck_assert(!token_cache_find(TOK, TID, longorigin, NOW, &k, &c));
	token_cache_store(TOK, "not-a-tenant", ORIGIN, &kid, &claims);
	ck_assert(!token_cache_find(TOK, "not-a-tenant", ORIGIN, NOW, &k, &c));
	token_cache_store(TOK, NULL, ORIGIN, &kid, &claims);
	ck_assert(!token_cache_find(TOK, NULL, ORIGIN, NOW, &k, &c));
	/* The key's separator: an origin holding it is never cached, so no
	 * other (origin, token) pair can spell the same key. */
	token_cache_store("b.c", TID, "https://a\nx", &kid, &claims);
	ck_assert(!token_cache_find("b.c", TID, "https://a\nx", NOW, &k, &c));
}
END_TEST

/* Far more tokens than the table holds: every lookup is either a miss or
 * the claims of exactly that token, and the most recent ones stay. */
START_TEST(evicts_without_mixing_tokens)
{
	enum { N = TOKEN_CACHE_SETS * TOKEN_CACHE_WAYS * 3 };
	char tok[64];
	int hits = 0;

	for (int i = 0; i < N; i++) {
		snprintf(tok, sizeof(tok), "tok.%d.sig", i);
		claims.iat = i;
		token_cache_store(tok, TID, ORIGIN, &kid, &claims);
	}
	for (int i = 0; i < N; i++) {
		struct token_claims c;
		struct uuid k;

		snprintf(tok, sizeof(tok), "tok.%d.sig", i);
		if (token_cache_find(tok, TID, ORIGIN, NOW, &k, &c)) {
			ck_assert_int_eq(c.iat, i);
			hits++;
		}
	}
	ck_assert_int_le(hits, TOKEN_CACHE_SETS * TOKEN_CACHE_WAYS);
	ck_assert_int_gt(hits, TOKEN_CACHE_SETS * TOKEN_CACHE_WAYS / 2);
	snprintf(tok, sizeof(tok), "tok.%d.sig", N - 1);
	{
		struct token_claims c;
		struct uuid k;

		ck_assert(token_cache_find(tok, TID, ORIGIN, NOW, &k, &c));
	}
}
END_TEST

/* A recently used entry outlives newer ones in its set. */
START_TEST(keeps_the_recently_used)
{
	struct token_claims c;
	struct uuid k;
	char tok[64];

	token_cache_store(TOK, TID, ORIGIN, &kid, &claims);
	for (int i = 0; i < TOKEN_CACHE_SETS * TOKEN_CACHE_WAYS * 4; i++) {
		snprintf(tok, sizeof(tok), "other.%d.sig", i);
		token_cache_store(tok, TID, ORIGIN, &kid, &claims);
		ck_assert(token_cache_find(TOK, TID, ORIGIN, NOW, &k, &c));
	}
}
END_TEST

static Suite *
token_cache_suite(void)
{
	Suite *s = suite_create("token_cache");
	TCase *t = tcase_create("token_cache");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, hits_the_same_token);
	tcase_add_test(t, misses_what_was_never_stored);
	tcase_add_test(t, misses_another_token);
	tcase_add_test(t, misses_another_tenant_or_origin);
	tcase_add_test(t, misses_after_expiry);
	tcase_add_test(t, refuses_what_it_cannot_hold);
	tcase_add_test(t, evicts_without_mixing_tokens);
	tcase_add_test(t, keeps_the_recently_used);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(token_cache_suite)

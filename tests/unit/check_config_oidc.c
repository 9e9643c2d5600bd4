/* check_config_oidc.c - who may change single sign-on: what changed, and
 * which roles a mapping may name. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "api/config_oidc.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/request.h"
#include "data/roles.h"
#include "sec/rbac.h"

static struct arena *a;

/* The tenant's roles: the built-in four and two custom ones. */
static const char *role_names[] = {"admin", "helpdesk", "member",
                                   "owner", "pii",      "viewer"};
static const char *role_perms[] = {
    "{records:read,records:write,records:delete,collections:manage,"
    "users:read,users:manage,roles:manage,apikeys:manage,config:read,"
    "config:write,audit:read,pii:read,privacy:manage,keys:manage,"
    "webhooks:manage}",
    "{records:read,users:read}",
    "{records:read,records:write,config:read}",
    "{records:read,records:write,records:delete,collections:manage,"
    "users:read,users:manage,roles:manage,apikeys:manage,config:read,"
    "config:write,audit:read,pii:read,privacy:manage,keys:manage,"
    "webhooks:manage}",
    "{records:read,pii:read}",
    "{records:read}",
};
static const struct role_perms_list roles = {6, role_names, role_perms};

static cJSON *
J(const char *s)
{
	const char *why;
	cJSON *j = json_parse(s, strlen(s), 32, &why);

	ck_assert_msg(j != NULL, "bad test JSON: %s", s);
	return j;
}

/* "field=message-start,..." of an errors array, fields only. */
static const char *
fields(const cJSON *errors)
{
	static char out[512];
	const cJSON *e;

	out[0] = '\0';
	cJSON_ArrayForEach(e, errors)
	{
		size_t n = strlen(out);

		snprintf(out + n, sizeof(out) - n, "%s%s", n ? "," : "",
		         json_str(e, "field"));
	}
	return out;
}

static void
setup(void)
{
	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
}

static void
teardown(void)
{
	arena_free(a);
}

#define OIDC(mapping, dflt)                                                    \
	"{\"issuer\":\"https://idp.test\",\"audience\":\"x\",\"jwks\":{"       \
	"\"keys\":[{\"kid\":\"k1\"}]},\"role_claim\":\"groups\","              \
	"\"default_role\":" dflt ",\"role_mapping\":" mapping "}"

/* A mapping, the caller's permissions, and the paths refused. */
static const struct {
	const char *oidc;
	uint32_t have;
	const char *refused;
} mappings[] = {
    {"null", P_ALL, ""},
    {OIDC("{}", "null"), P_ALL, ""},
    {OIDC("{\"admins\":\"admin\"}", "\"viewer\""), P_ALL, ""},
    {OIDC("{\"support\":\"helpdesk\"}", "\"viewer\""),
     P_RECORDS_READ | P_USERS_READ, ""},
    /* owner, never: not even for someone holding everything */
    {OIDC("{}", "\"owner\""), P_ALL, "auth.oidc.default_role"},
    {OIDC("{\"a\":\"admin\",\"founders\":\"owner\"}", "null"), P_ALL,
     "auth.oidc.role_mapping.founders"},
    /* a role that grants more than the caller holds */
    {OIDC("{\"admins\":\"admin\"}", "\"viewer\""), P_ALL & ~P_KEYS_MANAGE,
     "auth.oidc.role_mapping.admins"},
    {OIDC("{\"support\":\"helpdesk\"}", "\"pii\""),
     P_RECORDS_READ | P_USERS_READ, "auth.oidc.default_role"},
    {OIDC("{}", "\"viewer\""), 0, "auth.oidc.default_role"},
    /* a role that does not exist */
    {OIDC("{\"x\":\"nosuch\"}", "\"viewer\""), P_ALL,
     "auth.oidc.role_mapping.x"},
    /* every offending path, in order */
    {OIDC("{\"a\":\"owner\",\"b\":\"viewer\",\"c\":\"nosuch\"}", "\"owner\""),
     P_ALL,
     "auth.oidc.default_role,auth.oidc.role_mapping.a,"
     "auth.oidc.role_mapping.c"},
};

START_TEST(mapping_errors)
{
	cJSON *errors = config_oidc_mapping_errors(J(mappings[_i].oidc), &roles,
	                                           mappings[_i].have);

	ck_assert_str_eq(fields(errors), mappings[_i].refused);
	ck_assert(errors == NULL || cJSON_GetArraySize(errors) > 0);
}
END_TEST

START_TEST(mapping_without_roles)
{
	static const struct role_perms_list none = {0, NULL, NULL};

	/* With no roles known, every named role is refused. */
	ck_assert_str_eq(
	    fields(config_oidc_mapping_errors(
	        J(OIDC("{\"a\":\"admin\"}", "\"viewer\"")), &none, P_ALL)),
	    "auth.oidc.default_role,auth.oidc.role_mapping.a");
	ck_assert_ptr_null(config_oidc_mapping_errors(NULL, &none, P_ALL));
}
END_TEST

/* before, after, the members named as changed ("" = unchanged). */
static const struct {
	const char *before, *after, *changed;
} changes[] = {
    {"null", "null", ""},
    {OIDC("{}", "null"), OIDC("{}", "null"), ""},
    {"{\"role_mapping\":{\"a\":\"x\",\"b\":\"y\"}}",
     "{\"role_mapping\":{\"b\":\"y\",\"a\":\"x\"}}", ""},
    {"null", OIDC("{}", "null"),
     "issuer,audience,jwks,role_claim,default_role,role_mapping"},
    {OIDC("{}", "null"), "null",
     "issuer,audience,jwks,role_claim,default_role,role_mapping"},
    {OIDC("{}", "null"), OIDC("{}", "\"viewer\""), "default_role"},
    {OIDC("{}", "null"), OIDC("{\"a\":\"admin\"}", "null"), "role_mapping"},
    {"{\"jwks\":{\"keys\":[{\"kid\":\"k1\"}]}}",
     "{\"jwks\":{\"keys\":[{\"kid\":\"k2\"}]}}", "jwks"},
    {"{\"issuer\":\"https://a\",\"audience\":\"x\"}",
     "{\"issuer\":\"https://b\",\"audience\":\"y\"}", "issuer,audience"},
};

START_TEST(what_changed)
{
	cJSON *names =
	    config_oidc_changes(J(changes[_i].before), J(changes[_i].after));
	char got[256] = "";
	const cJSON *n;

	cJSON_ArrayForEach(n, names)
	{
		size_t len = strlen(got);

		snprintf(got + len, sizeof(got) - len, "%s%s", len ? "," : "",
		         n->valuestring);
	}
	ck_assert_str_eq(got, changes[_i].changed);
	ck_assert((names == NULL) == (changes[_i].changed[0] == '\0'));
}
END_TEST

START_TEST(absent_is_off)
{
	ck_assert_ptr_null(config_oidc_changes(NULL, NULL));
	ck_assert_ptr_null(config_oidc_changes(NULL, J("null")));
	ck_assert_ptr_nonnull(config_oidc_changes(NULL, J(OIDC("{}", "null"))));
}
END_TEST

/* config_oidc_check refuses before it looks at the mapping. */
static struct request req;

static void
check_setup(void)
{
	setup();
	memset(&req, 0, sizeof(req));
	req.arena = a;
}

static cJSON *
settings(const char *oidc)
{
	return J(
	    json_printf("{\"locale\":\"en\",\"auth\":{\"oidc\":%s}}", oidc));
}

START_TEST(check_needs_owner)
{
	const char *changed = "x";

	req.principal.perms = P_ALL; /* an admin: everything, not owner */
	ck_assert_int_eq(config_oidc_check(&req, settings("null"),
	                                   settings(OIDC("{}", "\"viewer\"")),
	                                   &roles, &changed),
	                 403);
	ck_assert_ptr_null(changed);
	ck_assert_int_eq(req.err.status, 403);
	ck_assert(strstr(req.err.detail, "owner") != NULL);
}
END_TEST

START_TEST(check_unchanged_needs_nothing)
{
	const char *changed = "x";

	/* Even a mapping that is no longer allowed stays as it is. */
	req.principal.perms = P_CONFIG_WRITE;
	ck_assert_int_eq(config_oidc_check(&req,
	                                   settings(OIDC("{}", "\"owner\"")),
	                                   settings(OIDC("{}", "\"owner\"")),
	                                   &roles, &changed),
	                 0);
	ck_assert_ptr_null(changed);
	ck_assert_int_eq(req.err.status, 0);
}
END_TEST

START_TEST(check_owner_mapping_is_422)
{
	const char *changed = NULL;

	req.principal.perms = P_ALL;
	req.principal.owner = true;
	ck_assert_int_eq(
	    config_oidc_check(&req, settings("null"),
	                      settings(OIDC("{\"f\":\"owner\"}", "\"viewer\"")),
	                      &roles, &changed),
	    422);
	ck_assert_ptr_null(changed);
	ck_assert_str_eq(fields(req.err.errors), "auth.oidc.role_mapping.f");
}
END_TEST

START_TEST(check_owner_allowed)
{
	const char *changed = NULL;

	req.principal.perms = P_ALL;
	req.principal.owner = true;
	ck_assert_int_eq(config_oidc_check(&req, settings(OIDC("{}", "null")),
	                                   settings("null"), &roles, &changed),
	                 0);
	ck_assert_str_eq(changed, "{\"changed\":[\"issuer\",\"audience\","
	                          "\"jwks\",\"role_claim\",\"default_role\","
	                          "\"role_mapping\"]}");
	/* No value of any member is in the audit details. */
	ck_assert(strstr(changed, "idp.test") == NULL);
}
END_TEST

static Suite *
config_oidc_suite(void)
{
	Suite *s = suite_create("config_oidc");
	TCase *m = tcase_create("config_oidc_mapping_errors");
	TCase *c = tcase_create("config_oidc_changes");
	TCase *k = tcase_create("config_oidc_check");

	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_checked_fixture(k, check_setup, teardown);
	tcase_add_loop_test(m, mapping_errors, 0,
	                    sizeof(mappings) / sizeof(mappings[0]));
	tcase_add_test(m, mapping_without_roles);
	tcase_add_loop_test(c, what_changed, 0,
	                    sizeof(changes) / sizeof(changes[0]));
	tcase_add_test(c, absent_is_off);
	tcase_add_test(k, check_needs_owner);
	tcase_add_test(k, check_unchanged_needs_nothing);
	tcase_add_test(k, check_owner_mapping_is_422);
	tcase_add_test(k, check_owner_allowed);
	suite_add_tcase(s, m);
	suite_add_tcase(s, c);
	suite_add_tcase(s, k);
	return s;
}

CHECK_MAIN(config_oidc_suite)

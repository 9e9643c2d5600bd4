/*
 * fuzz_jwt.c - JWT parsing and verification (sec/token, sec/oidc).
 *
 * Input, by its first byte:
 *   'o'  a JSON object of claims, signed ES256 by the tenant's identity
 *        provider and given to oidc_verify: an accepted token has the
 *        configured issuer, a sub that is the claim's, at most
 *        OIDC_MAX_ROLES roles, each from the mapping or the default;
 *   'i'  an origin and a subject ("origin\n---\nsub"), issued by
 *        token_issue and verified: it verifies with its claims, and not
 *        at another origin, for another tenant or with its signature bent;
 *   else a compact token from outside: token_peek, token_peek_kid,
 *        token_verify and oidc_verify never accept one (nobody here
 *        signed it), and what the peeks return is well-formed.
 */
#include "fuzz.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sec/oidc.h"
#include "sec/token.h"

#define NOW 1800000000L

static const char origin[] = "https://acme.strata.localhost";
static const char other[] = "https://other.strata.localhost";
static const char tid[] = "0190c0de-0000-7000-8000-000000000001";
static const unsigned char key[CRYPTO_KEY_LEN] =
    "fuzz signing key, not a secret";

static struct oidc_settings sso;
static char priv[4096];

/* An ES256 key pair for the tenant's identity provider; kid "k1". */
static void
setup_sso(void)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	if (pk == NULL || b == NULL || !PEM_write_bio_PUBKEY(b, pk))
		fuzz_fail("no EC key");
	n = BIO_read(b, sso.keys[0].pem, JWK_PEM_MAX - 1);
	sso.keys[0].pem[n > 0 ? n : 0] = '\0';
	(void)BIO_reset(b);
	if (!PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL))
		fuzz_fail("no EC private key");
	n = BIO_read(b, priv, sizeof(priv) - 1);
	priv[n > 0 ? n : 0] = '\0';
	BIO_free(b);
	EVP_PKEY_free(pk);
	snprintf(sso.keys[0].kid, sizeof(sso.keys[0].kid), "k1");
	sso.keys[0].alg = JWK_ES256;
	sso.nkeys = 1;
	sso.on = true;
	snprintf(sso.issuer, sizeof(sso.issuer), "https://idp.example");
	snprintf(sso.audience, sizeof(sso.audience), "strata");
	snprintf(sso.role_claim, sizeof(sso.role_claim), "groups");
	snprintf(sso.default_role, sizeof(sso.default_role), "member");
	snprintf(sso.map[0].from, sizeof(sso.map[0].from), "admins");
	snprintf(sso.map[0].to, sizeof(sso.map[0].to), "admin");
	sso.nmap = 1;
}

static void
check_identity(const struct oidc_identity *id, const char *sub)
{
	if (id->sub[0] == '\0' || (sub != NULL && strcmp(id->sub, sub) != 0))
		fuzz_fail("accepted identity has sub \"%s\"", id->sub);
	if (id->nroles < 1 || id->nroles > OIDC_MAX_ROLES)
		fuzz_fail("accepted identity has %d roles", id->nroles);
	for (int i = 0; i < id->nroles; i++)
		if (strcmp(id->roles[i], "admin") != 0 &&
		    strcmp(id->roles[i], "member") != 0)
			fuzz_fail("role \"%s\" is not mapped", id->roles[i]);
}

static void
sso_token(const char *claims)
{
	struct oidc_identity id;
	const char *iss, *sub;
	jwt_t *j = NULL;
	char *tok;
	cJSON *c = fuzz_json(claims, strlen(claims));

	if (!cJSON_IsObject(c) || jwt_new(&j) != 0)
		return;
	if (jwt_add_grants_json(j, claims) != 0 ||
	    jwt_add_header(j, "kid", "k1") != 0 ||
	    jwt_set_alg(j, JWT_ALG_ES256, (const unsigned char *)priv,
	                (int)strlen(priv)) != 0 ||
	    (tok = jwt_encode_str(j)) == NULL) {
		jwt_free(j);
		return;
	}
	jwt_free(j);
	if (oidc_verify(&sso, tok, NOW, &id) == 0) {
		iss = json_str(c, "iss");
		sub = json_str(c, "sub");
		if (iss == NULL || strcmp(iss, sso.issuer) != 0)
			fuzz_fail("a token of issuer \"%s\" was accepted",
			          iss ? iss : "(none)");
		check_identity(&id, sub);
	}
	free(tok);
}

static void
issued(const char *at, const char *sub)
{
	struct token_claims c;
	struct uuid kid;
	char *t, *bent;
	size_t n;

	uuid_v7(&kid);
	t = token_issue(fuzz_arena, key, &kid, at, tid, sub, NULL, NOW, 900);
	if (t == NULL)
		return;
	if (token_verify(t, key, at, tid, NOW, &c) != 0) {
		if (uuid_valid(sub))
			fuzz_fail("an issued token does not verify");
		return;
	}
	if (strcmp(c.sub, sub) != 0 || c.exp != NOW + 900)
		fuzz_fail("an issued token verifies with other claims");
	if ((strcmp(at, other) != 0 &&
	     token_verify(t, key, other, tid, NOW, &c) == 0) ||
	    token_verify(t, key, at, NULL, NOW, &c) == 0 ||
	    token_verify(t, key, at, tid, NOW + 900 + TOKEN_LEEWAY + 1, &c) ==
	        0)
		fuzz_fail("an issued token verifies where it must not");
	n = strlen(t);
	bent = arena_strdup(fuzz_arena, t);
	bent[n - 2] = bent[n - 2] == 'A' ? 'B' : 'A';
	if (token_verify(bent, key, at, tid, NOW, &c) == 0)
		fuzz_fail("a token with a bent signature verifies");
}

static void
outside(const char *t)
{
	struct token_claims c;
	struct oidc_identity id;
	struct uuid kid;
	char alg[8], k[128];

	if (token_peek(t, alg, k) == 0 &&
	    ((strcmp(alg, "HS256") != 0 && strcmp(alg, "RS256") != 0 &&
	      strcmp(alg, "ES256") != 0) ||
	     k[0] == '\0'))
		fuzz_fail("token_peek gave alg \"%s\" kid \"%s\"", alg, k);
	(void)token_peek_kid(t, &kid);
	if (token_verify(t, key, origin, tid, NOW, &c) == 0)
		fuzz_fail("a token nobody signed verified");
	if (oidc_verify(&sso, t, NOW, &id) == 0)
		fuzz_fail("an SSO token nobody signed verified");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a, *b;
	size_t na, nb;

	if (!sso.on)
		setup_sso();
	fuzz_begin();
	if (size > 0 && data[0] == 'o') {
		sso_token(fuzz_str(data + 1, size - 1));
	} else if (size > 0 && data[0] == 'i') {
		fuzz_split(data + 1, size - 1, &a, &na, &b, &nb);
		if (b != NULL)
			issued(arena_strndup(fuzz_arena, a, na),
			       arena_strndup(fuzz_arena, b, nb));
	} else {
		outside(fuzz_str(data, size));
	}
	return 0;
}

/*
 * fuzz_query.c - the query string and percent-decoding (core/request).
 *
 * Input: a QUERY_STRING.  Invariants: parsing gives at most
 * QUERY_MAX_PARAMS pairs; every key and value is valid UTF-8 without NUL
 * and no longer than its raw text; request_query() finds the first value
 * of each key; and every decoded text, encoded again, decodes to itself.
 */
#include "fuzz.h"

#include "core/request.h"

static char *
encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(fuzz_arena, n * 3 + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static void
check_text(const char *s, size_t raw)
{
	const char *enc, *dec;
	size_t n = strlen(s);

	if (n > raw)
		fuzz_fail("decoded text longer than its %zu raw bytes", raw);
	if (!json_utf8_valid(s, n))
		fuzz_fail("decoded text is not valid UTF-8");
	enc = encode(s);
	dec = request_unescape(fuzz_arena, enc, strlen(enc), true);
	if (dec == NULL || strcmp(dec, s) != 0)
		fuzz_fail("decoding the encoded \"%s\" does not give it back",
		          enc);
}

static void
check_params(const struct request *req, size_t raw)
{
	if (req->nparams < 0 || req->nparams > QUERY_MAX_PARAMS)
		fuzz_fail("%d parameters", req->nparams);
	for (int i = 0; i < req->nparams; i++) {
		const struct query_param *p = &req->params[i];
		const char *first = request_query(req, p->key);

		check_text(p->key, raw);
		check_text(p->value, raw);
		for (int j = 0; j < i; j++)
			if (strcmp(req->params[j].key, p->key) == 0) {
				p = &req->params[j];
				break;
			}
		if (first != p->value)
			fuzz_fail("request_query(\"%s\") is not its first "
			          "value",
			          p->key);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct request req;
	const char *q;
	char *plain;

	memset(&req, 0, sizeof(req));
	req.arena = fuzz_begin();
	q = fuzz_str(data, size);
	req.query = q;
	if (request_parse_query(&req) == 0)
		check_params(&req, strlen(q));
	/* The same bytes as one path-style component (no '+' rule). */
	plain = request_unescape(fuzz_arena, (const char *)data, size, false);
	if (plain != NULL) {
		if (memchr(data, '\0', size) != NULL)
			fuzz_fail("a raw NUL byte was accepted");
		check_text(plain, size);
	}
	return 0;
}

/*
 * fuzz_query.c - the query string and percent-decoding (core/request).
 *
 * Input: a QUERY_STRING.  Invariants: parsing gives at most
 * QUERY_MAX_PARAMS pairs; every key and value is valid UTF-8 without NUL
 * and no longer than its raw text; request_query() finds the first value
 * of each key; and every decoded text, encoded again, decodes to itself.
 * The pairs then go through a record list's reader (records_read_query:
 * filter[f][op], sort, limit, cursor) for a collection without personal
 * fields: it refuses with a 400 recorded, or gives at most 8 filters on
 * known fields, a limit of 1 to 200 and a sort on an indexed field.
 */
#include "fuzz.h"

#include "api/records.h"
#include "core/request.h"
#include "data/collections.h"
#include "data/records.h"
#include "sec/masterkey.h"

static const char things[] =
    "{\"fields\":{\"name\":{\"type\":\"string\",\"indexed\":true},"
    "\"age\":{\"type\":\"integer\",\"indexed\":true},"
    "\"score\":{\"type\":\"number\",\"indexed\":true},"
    "\"at\":{\"type\":\"datetime\",\"indexed\":true},"
    "\"vip\":{\"type\":\"boolean\"},\"note\":{\"type\":\"string\"}}}";

static struct collection coll;
static struct tenant tenant = {.id_str = "0190c0de-0000-7000-8000-000000000001",
                               .slug = "acme"};

static char *encode(const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(s);
  char *out = arena_alloc(fuzz_arena, n * 3 + 1), *o = out;

  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];

    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
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

static void check_text(const char *s, size_t raw) {
  const char *enc, *dec;
  size_t n = strlen(s);

  if (n > raw)
    fuzz_fail("decoded text longer than its %zu raw bytes", raw);
  if (!json_utf8_valid(s, n))
    fuzz_fail("decoded text is not valid UTF-8");
  enc = encode(s);
  dec = request_unescape(fuzz_arena, enc, strlen(enc), true);
  if (dec == NULL || strcmp(dec, s) != 0)
    fuzz_fail("decoding the encoded \"%s\" does not give it back", enc);
}

static void check_params(const struct request *req, size_t raw) {
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

static void check_list_query(struct request *req) {
  struct record_query *q = arena_alloc(fuzz_arena, sizeof(*q));

  if (records_read_query(req, &coll, q) < 0) {
    if (req->err.status != 400)
      fuzz_fail("a refused list query recorded %d", req->err.status);
    return;
  }
  if (req->err.status != 0)
    fuzz_fail("an accepted list query recorded an error");
  if (q->nf < 0 || q->nf > RECORD_MAX_FILTERS || q->limit < 1 || q->limit > 200)
    fuzz_fail("%d filters, limit %d", q->nf, q->limit);
  for (int i = 0; i < q->nf; i++)
    if (q->f[i].field < 0 || q->f[i].field >= coll.nfields ||
        q->f[i].op < OP_EQ || q->f[i].op > OP_IN || q->f[i].value == NULL)
      fuzz_fail("filter %d is not on a known field", i);
  if (q->sort >= coll.nfields ||
      (q->sort >= 0 && !coll.fields[q->sort].indexed))
    fuzz_fail("sort on field %d", q->sort);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct request req;
  const char *q;
  char *plain;

  memset(&req, 0, sizeof(req));
  req.arena = fuzz_begin();
  if (coll.nfields == 0) {
    static const unsigned char key[CRYPTO_KEY_LEN] = "fuzz key";

    masterkey_set(key);
    if (collection_parse(fuzz_json(things, sizeof(things) - 1), &coll) != NULL)
      fuzz_fail("the harness's collection is refused");
    snprintf(coll.name, sizeof(coll.name), "things");
  }
  req.tenant = &tenant;
  q = fuzz_str(data, size);
  req.query = q;
  if (request_parse_query(&req) == 0) {
    check_params(&req, strlen(q));
    check_list_query(&req);
  }
  /* The same bytes as one path-style component (no '+' rule). */
  plain = request_unescape(fuzz_arena, (const char *)data, size, false);
  if (plain != NULL) {
    if (memchr(data, '\0', size) != NULL)
      fuzz_fail("a raw NUL byte was accepted");
    check_text(plain, size);
  }
  return 0;
}

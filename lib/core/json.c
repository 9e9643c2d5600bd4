/*
 * json.c - strict parsing and arena-backed cJSON.
 */
#include "core/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

static struct arena *json_arena;

static void *
json_malloc(size_t n)
{
	return arena_alloc(json_arena, n);
}

static void
json_nofree(void *p)
{
	(void)p;
}

void
json_use_arena(struct arena *a)
{
	cJSON_Hooks hooks = {json_malloc, json_nofree};

	json_arena = a;
	cJSON_InitHooks(&hooks);
}

bool
json_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + n;

	while (p < end) {
		unsigned c = *p;
		size_t len;
		unsigned cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += len;
	}
	return true;
}

/* Depth of the deepest nesting of [ and { outside strings; -1 when a string
 * is left open.  Bounded by n, so it cannot run away on hostile input. */
static int
max_nesting(const char *s, size_t n)
{
	int depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return in_str ? -1 : max;
}

/* cJSON accepts a NUL inside the buffer as an end; we do not. */
static bool
has_nul(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static int
cmp_key(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Objects up to this many members are compared pair by pair. */
#define JSON_PAIRWISE_MAX 8

/* True when two members of object o have the same (decoded) name.  Larger
 * objects are sorted by name: O(k log k) comparisons for k members, and
 * no crafted set of keys can make it worse (a hash table could be flooded
 * with colliding keys). */
static bool
object_has_duplicate(const cJSON *o)
{
	const cJSON *c;
	const char **keys;
	size_t k = 0, i = 0;

	for (c = o->child; c != NULL; c = c->next)
		k++;
	if (k <= JSON_PAIRWISE_MAX) {
		for (c = o->child; c != NULL; c = c->next)
			for (const cJSON *d = c->next; d != NULL; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return true;
		return false;
	}
	keys = arena_calloc(json_arena, k, sizeof(*keys));
	for (c = o->child; c != NULL; c = c->next)
		keys[i++] = c->string;
	qsort(keys, k, sizeof(*keys), cmp_key);
	for (i = 1; i < k; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			return true;
	return false;
}

/* True when any object in the tree v repeats a member name.  cJSON keeps
 * both members and jsonb keeps the last, so a check or a seal that acted
 * on the first would be bypassed: such a text is refused outright.
 * Recursion is bounded by the depth limit checked before parsing. */
static bool
has_duplicate_key(const cJSON *v)
{
	if (cJSON_IsObject(v) && object_has_duplicate(v))
		return true;
	if (cJSON_IsObject(v) || cJSON_IsArray(v))
		for (const cJSON *c = v->child; c != NULL; c = c->next)
			if ((cJSON_IsObject(c) || cJSON_IsArray(c)) &&
			    has_duplicate_key(c))
				return true;
	return false;
}

/* cJSON reads 1e400 as infinity, which prints as null: such a number
 * would be checked as one value and stored as another.  The walk is as
 * deep as the nesting, which max_nesting() has bounded. */
static bool
numbers_finite(const cJSON *o)
{
	for (; o != NULL; o = o->next) {
		if (cJSON_IsNumber(o) && !isfinite(o->valuedouble))
			return false;
		if (!numbers_finite(o->child))
			return false;
	}
	return true;
}

cJSON *
json_parse(const char *s, size_t n, int max_depth, const char **why)
{
	const char *end = NULL;
	cJSON *root;
	int depth;

	if (n == 0) {
		*why = "empty body";
		return NULL;
	}
	if (has_nul(s, n) || !json_utf8_valid(s, n)) {
		*why = "body is not valid UTF-8 text";
		return NULL;
	}
	depth = max_nesting(s, n);
	if (depth > max_depth) {
		*why = "JSON nesting is too deep";
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(s, n, &end, false);
	if (root == NULL) {
		*why = "malformed JSON";
		return NULL;
	}
	while (end != NULL && end < s + n &&
	       (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end != s + n) {
		*why = "unexpected data after the JSON value";
		return NULL;
	}
	if (has_duplicate_key(root)) {
		*why = "duplicate key in a JSON object";
		return NULL;
	}
	if (!numbers_finite(root)) {
		*why = "a number is out of range";
		return NULL;
	}
	return root;
}

const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool
json_is(const cJSON *o, const char *key, int type)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return v != NULL && (v->type & 0xff) == type;
}

char *
json_print(const cJSON *o)
{
	return cJSON_PrintUnformatted(o);
}

cJSON *
json_add_str(cJSON *o, const char *key, const char *s)
{
	if (s == NULL)
		return cJSON_AddNullToObject(o, key);
	return cJSON_AddStringToObject(o, key, s);
}

cJSON *
json_add_raw(cJSON *o, const char *key, const char *raw)
{
	return cJSON_AddRawToObject(o, key, raw);
}

cJSON *
json_merge_patch(cJSON *target, const cJSON *patch)
{
	const cJSON *m;

	if (!cJSON_IsObject(patch))
		return cJSON_Duplicate(patch, true);
	if (!cJSON_IsObject(target))
		target = cJSON_CreateObject();
	cJSON_ArrayForEach(m, patch)
	{
		cJSON *cur;

		if (cJSON_IsNull(m)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target,
			                                        m->string);
			continue;
		}
		cur =
		    cJSON_DetachItemFromObjectCaseSensitive(target, m->string);
		cJSON_AddItemToObject(target, m->string,
		                      json_merge_patch(cur, m));
	}
	return target;
}

char *
json_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	p = arena_alloc(json_arena, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

cJSON *
json_add_field_error(cJSON *errors, const char *field, const char *msg)
{
	cJSON *e;

	if (errors == NULL)
		errors = cJSON_CreateArray();
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "field", field);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToArray(errors, e);
	return errors;
}

/*
 * json.h - JSON over cJSON, with every node allocated in the request arena.
 *
 * json_use_arena() points cJSON's allocator at an arena; trees then need no
 * cJSON_Delete (it becomes a no-op) and vanish at arena reset.  A process
 * calls it once per arena it serves from (the worker's request arena, the
 * command line's arena).
 */
#ifndef STRATA_CORE_JSON_H
#define STRATA_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

struct arena;

#define JSON_MAX_DEPTH 32

void json_use_arena(struct arena *a);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool json_utf8_valid(const char *s, size_t n);

/* Parses s[0..n) strictly: valid UTF-8, nesting at most max_depth, no
 * object that names a member twice (compared after unescaping, so "a" and
 * "\u0061" are the same), nothing but whitespace after the value.  Time is
 * O(n log n) at worst, whatever the keys.  Returns the tree or NULL, with
 * a short reason in *why (a static string). */
cJSON *json_parse(const char *s, size_t n, int max_depth, const char **why);

/* Typed accessors; NULL / false / the fallback when absent or mistyped. */
const char *json_str(const cJSON *o, const char *key);
bool json_is(const cJSON *o, const char *key, int type);

/* Applies an RFC 7396 JSON merge patch to target and returns the result
 * (target modified in place, or a new tree when target is not an object or
 * patch is not one).  Nesting is bounded by the parser's depth limit. */
cJSON *json_merge_patch(cJSON *target, const cJSON *patch);

/* printf into the arena current for cJSON (strings that live as long as
 * the trees built beside them). */
char *json_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the tree without whitespace into the arena current for cJSON. */
char *json_print(const cJSON *o);

/* Adds s as a string, or null when s is NULL. */
cJSON *json_add_str(cJSON *o, const char *key, const char *s);

/* Adds an already-serialised JSON text verbatim (no reparse). */
cJSON *json_add_raw(cJSON *o, const char *key, const char *raw);

/* Appends {"field", "message"} to errors (created when NULL) and returns
 * it: the items of a validation failure's "errors" array. */
cJSON *json_add_field_error(cJSON *errors, const char *field, const char *msg);

#endif

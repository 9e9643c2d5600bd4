/*
 * fuzz.h - what every libFuzzer harness of tests/fuzz/ shares.
 *
 * Each harness is one file fuzz_<name>.c defining LLVMFuzzerTestOneInput;
 * its seeds are in tests/fuzz/corpus/<name>/.  An input is parsed with
 * the same functions, limits and arena the worker uses.  A broken
 * invariant calls fuzz_fail(), which aborts: libFuzzer then saves the
 * input as a crash, like any sanitizer report.
 */
#ifndef STRATA_TESTS_FUZZ_H
#define STRATA_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/arena.h"
#include "core/json.h"

/* The worker's request arena: 64 KiB chunks, capped at 64 MiB. */
static struct arena *fuzz_arena;

/* The arena of this input, reset since the last one. */
static inline struct arena *
fuzz_begin(void)
{
	if (fuzz_arena == NULL) {
		fuzz_arena = arena_new(64 * 1024, 64 * 1024 * 1024);
		json_use_arena(fuzz_arena);
	}
	arena_reset(fuzz_arena);
	return fuzz_arena;
}

#define fuzz_fail(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "fuzz: invariant broken: " __VA_ARGS__);       \
		fputc('\n', stderr);                                           \
		abort();                                                       \
	} while (0)

/* A NUL-terminated copy of data[0..n) in the arena. */
static inline char *
fuzz_str(const uint8_t *data, size_t n)
{
	return arena_strndup(fuzz_arena, (const char *)data, n);
}

/* Splits data at the first line "---" (the separator of two-part seeds):
 * part a before it, b after; b is NULL when there is none. */
static inline void
fuzz_split(const uint8_t *data, size_t n, const char **a, size_t *na,
           const char **b, size_t *nb)
{
	static const char sep[] = "\n---\n";
	const char *s = (const char *)data;

	*a = s;
	*na = n;
	*b = NULL;
	*nb = 0;
	for (size_t i = 0; i + sizeof(sep) - 1 <= n; i++)
		if (memcmp(s + i, sep, sizeof(sep) - 1) == 0) {
			*na = i;
			*b = s + i + sizeof(sep) - 1;
			*nb = n - i - (sizeof(sep) - 1);
			return;
		}
}

/* 1 when some object in the tree holds the same key twice. */
static inline int
fuzz_has_duplicate_key(const cJSON *o)
{
	const cJSON *x, *y;

	if (o == NULL)
		return 0;
	for (x = o->child; x != NULL; x = x->next) {
		if (cJSON_IsObject(o))
			for (y = x->next; y != NULL; y = y->next)
				if (strcmp(x->string, y->string) == 0)
					return 1;
		if (fuzz_has_duplicate_key(x))
			return 1;
	}
	return 0;
}

/* Parses text as the body stage does (json_parse, JSON_MAX_DEPTH). */
static inline cJSON *
fuzz_json(const char *s, size_t n)
{
	const char *why;

	return json_parse(s, n, JSON_MAX_DEPTH, &why);
}

/* Structural equality of two trees (numbers by value, objects by keys in
 * order). */
static inline int
fuzz_json_equal(const cJSON *a, const cJSON *b)
{
	return cJSON_Compare(a, b, 1);
}

#endif

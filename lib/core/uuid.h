/*
 * uuid.h - 16-byte identifiers: parsing, formatting, version 7 generation.
 */
#ifndef STRATA_CORE_UUID_H
#define STRATA_CORE_UUID_H

#include <stdbool.h>

#define UUID_STR_LEN 36 /* without the NUL */

struct uuid {
	unsigned char b[16];
};

/* Parses the canonical lower- or upper-case 8-4-4-4-12 form, nothing else.
 * Returns 0, or -1 when s is not exactly one UUID. */
int uuid_parse(const char *s, struct uuid *out);

/* Writes the canonical lower-case form and a NUL into out[37]. */
void uuid_format(const struct uuid *u, char out[UUID_STR_LEN + 1]);

/* A time-ordered version 7 UUID (48-bit milliseconds, random rest from
 * RAND_bytes).  Returns 0, or -1 when the random generator fails. */
int uuid_v7(struct uuid *out);

/* 1 when s is a canonical UUID string. */
bool uuid_valid(const char *s);

bool uuid_equal(const struct uuid *a, const struct uuid *b);
bool uuid_is_nil(const struct uuid *u);

#endif

/*
 * buf.h - a growable byte string in an arena, with a hard cap.
 */
#ifndef STRATA_CORE_BUF_H
#define STRATA_CORE_BUF_H

#include <stddef.h>

struct arena;

struct buf {
	struct arena *arena;
	char *data; /* always NUL-terminated once anything is appended */
	size_t len;
	size_t cap;
	size_t max; /* appends beyond max fail with -1 */
};

/* Prepares b in arena a with room for hint bytes and a cap of max bytes. */
void buf_init(struct buf *b, struct arena *a, size_t hint, size_t max);

/* Append functions return 0, or -1 (b unchanged) when max would be passed. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends v in decimal; v >= 0 with three decimals (a duration in ms:
 * negative or absurd values are written as 0.000). */
int buf_put_uint(struct buf *b, unsigned long long v);
int buf_put_milli(struct buf *b, double v);

/* Appends s as a JSON string literal, quotes included. */
int buf_json_str(struct buf *b, const char *s);

/* The contents as a C string ("" when empty); owned by the arena. */
const char *buf_cstr(struct buf *b);

#endif

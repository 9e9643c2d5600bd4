/*
 * hex.h - hexadecimal encoding of bytes (lower case, as PostgreSQL's
 * encode(..., 'hex') writes it) and decoding (either case).
 */
#ifndef STRATA_CORE_HEX_H
#define STRATA_CORE_HEX_H

#include <stddef.h>

/* Writes the 2n lower-case hex digits of in[0..n) and a NUL into out,
 * which must hold 2n + 1 bytes.  Cannot fail. */
void hex_encode(const void *in, size_t n, char *out);

/* The value 0-15 of hex digit c (either case), or -1 for anything else. */
int hex_digit(int c);

/* Decodes exactly 2n hex digits at s into out[0..n).  Returns 0, or -1 when
 * s is shorter or longer than 2n or holds a non-digit (out is then
 * unspecified). */
int hex_decode(const char *s, unsigned char *out, size_t n);

#endif

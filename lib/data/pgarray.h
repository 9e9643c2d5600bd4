/*
 * pgarray.h - PostgreSQL array literals ('{"a","b"}') built as text for a
 * text[] parameter.  Every element is double-quoted with '"' and '\'
 * escaped, so no element can split itself in two or end the literal.
 */
#ifndef STRATA_DATA_PGARRAY_H
#define STRATA_DATA_PGARRAY_H

#include <cJSON.h>

struct arena;
struct buf;

/* Starts an array literal in b ('{').  b is the caller's, already set up
 * with buf_init. */
void pgarray_open(struct buf *b);

/* Appends v as one quoted element (a ',' first unless it is the first). */
void pgarray_add(struct buf *b, const char *v);

/* Appends v quoted and escaped and nothing else, for callers that write
 * the braces and commas of several literals in step themselves. */
void pgarray_quote(struct buf *b, const char *v);

/* Ends the literal ('}') and returns it (owned by b's arena), or NULL when
 * b's cap was reached on the way. */
const char *pgarray_close(struct buf *b);

/* The literal of a JSON array of strings, in a (capped at 64 KiB), or NULL
 * when arr holds anything but strings or the cap is passed.  NULL or an
 * empty array gives "{}". */
const char *pgarray_from_json(struct arena *a, const cJSON *arr);

/* The literal of the comma-separated values in csv ("a,b" -> {"a","b"}; ""
 * -> {""}), in a, or NULL past 64 KiB. */
const char *pgarray_from_csv(struct arena *a, const char *csv);

#endif

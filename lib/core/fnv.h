/*
 * fnv.h - FNV-1a, the hash of every in-process table (caches keyed by
 * tenant, slug or SQL text).  Not for anything an attacker must not steer:
 * tables that hash input bound their chains instead.
 */
#ifndef STRATA_CORE_FNV_H
#define STRATA_CORE_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV_32_INIT 2166136261u
#define FNV_64_INIT 14695981039346656037ULL

/* Folds n bytes at p into h (start with FNV_32_INIT); chain calls to hash
 * several fields.  Returns the new hash. */
uint32_t fnv_32(uint32_t h, const void *p, size_t n);

/* fnv32 of a NUL-terminated string. */
uint32_t fnv_32_str(uint32_t h, const char *s);

/* 64-bit FNV-1a of a NUL-terminated string, never 0 (callers use 0 for an
 * empty slot). */
uint64_t fnv_64_str(const char *s);

#endif

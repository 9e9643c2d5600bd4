/*
 * fnv.c - FNV-1a (Fowler, Noll, Vo), 32 and 64 bits.
 */
#include "core/fnv.h"

#define FNV_32_PRIME 16777619u
#define FNV_64_PRIME 1099511628211ULL

uint32_t
fnv_32(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_32_PRIME;
	return h;
}

uint32_t
fnv_32_str(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_32_PRIME;
	return h;
}

uint64_t
fnv_64_str(const char *s)
{
	uint64_t h = FNV_64_INIT;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_64_PRIME;
	return h ? h : 1;
}

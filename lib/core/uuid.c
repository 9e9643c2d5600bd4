/*
 * uuid.c - UUIDs (RFC 9562).
 */
#include "core/uuid.h"

#include <string.h>
#include <time.h>

#include <openssl/rand.h>

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
uuid_parse(const char *s, struct uuid *out)
{
	int j = 0;

	if (s == NULL || strlen(s) != UUID_STR_LEN)
		return -1;
	for (int i = 0; i < UUID_STR_LEN; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out->b[j++] = (unsigned char)(hi << 4 | lo);
		i++;
	}
	return 0;
}

void
uuid_format(const struct uuid *u, char out[UUID_STR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	int j = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[u->b[i] >> 4];
		out[j++] = hex[u->b[i] & 15];
	}
	out[j] = '\0';
}

int
uuid_v7(struct uuid *out)
{
	struct timespec ts;
	unsigned long long ms;

	if (RAND_bytes(out->b, sizeof(out->b)) != 1)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (unsigned long long)ts.tv_sec * 1000ULL +
	     (unsigned long long)ts.tv_nsec / 1000000ULL;
	for (int i = 5; i >= 0; i--) {
		out->b[i] = (unsigned char)(ms & 0xff);
		ms >>= 8;
	}
	out->b[6] = (unsigned char)(0x70 | (out->b[6] & 0x0f));
	out->b[8] = (unsigned char)(0x80 | (out->b[8] & 0x3f));
	return 0;
}

bool
uuid_valid(const char *s)
{
	struct uuid u;

	return uuid_parse(s, &u) == 0;
}

bool
uuid_equal(const struct uuid *a, const struct uuid *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

bool
uuid_is_nil(const struct uuid *u)
{
	static const struct uuid nil;

	return uuid_equal(u, &nil);
}

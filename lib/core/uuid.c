/*
 * uuid.c - UUIDs (RFC 9562).
 */
#include "core/uuid.h"

#include "core/clock.h"
#include "core/hex.h"

#include <string.h>
#include <time.h>

#include <openssl/rand.h>

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
		hi = hex_digit(s[i]);
		lo = hex_digit(s[i + 1]);
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
	int j = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		hex_encode(&u->b[i], 1, out + j);
		j += 2;
	}
}

int
uuid_v7(struct uuid *out)
{
	unsigned long long ms;

	if (RAND_bytes(out->b, sizeof(out->b)) != 1)
		return -1;
	ms = (unsigned long long)clock_real_ms();
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

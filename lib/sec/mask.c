/*
 * mask.c - masking of personal data.
 */
#include "sec/mask.h"

#include <string.h>

#include "core/arena.h"

static const char *
email(struct arena *a, const char *s)
{
	const char *at = strchr(s, '@'), *dot;

	if (at == NULL || at == s || at[1] == '\0')
		return "***";
	dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		return arena_printf(a, "%c***@%c***", s[0], at[1]);
	return arena_printf(a, "%c***@%c***%s", s[0], at[1], dot);
}

static const char *
phone(struct arena *a, const char *s)
{
	char last[3] = {0};
	int n = 0;

	for (const char *p = s + strlen(s); p > s && n < 2;) {
		p--;
		if (*p >= '0' && *p <= '9')
			last[1 - n++] = *p;
	}
	if (n < 2)
		return "***";
	return arena_printf(a, "***%s", last);
}

static const char *
last4(struct arena *a, const char *s)
{
	size_t n = strlen(s);

	/* Four characters of something short would be all of it; and the
	 * tail must start on a character boundary. */
	if (n < 8 || ((unsigned char)s[n - 4] & 0xc0) == 0x80)
		return "***";
	return arena_printf(a, "****%s", s + n - 4);
}

const char *
mask_apply(struct arena *a, enum field_mask m, const char *text)
{
	switch (m) {
	case MASK_NONE:
		return arena_strdup(a, text);
	case MASK_EMAIL:
		return email(a, text);
	case MASK_PHONE:
		return phone(a, text);
	case MASK_LAST4:
		return last4(a, text);
	default:
		return "***";
	}
}

/*
 * regions.c - the regions file, parsed once.
 */
#include "core/regions.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGIONS_FILE_MAX (64 * 1024)

static struct regions_table table;

int
regions_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > REGION_NAME_MAX || !islower((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* host:port with a port of 1-65535 and a host of letters, digits, '.',
 * '-' (a name or an IPv4 address). */
static int
edge_valid(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s)
		return 0;
	for (const char *p = s; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	return errno == 0 && end != colon + 1 && *end == '\0' && port >= 1 &&
	       port <= 65535;
}

static int
origin_valid(const char *s)
{
	if (strncmp(s, "https://", 8) != 0 || s[8] == '\0')
		return 0;
	for (const char *p = s + 8; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != ':')
			return 0;
	return 1;
}

/* Copies the next space-separated word of *s into out[outsz]; 0, or -1
 * when there is none or it does not fit. */
static int
word(const char **s, char *out, size_t outsz)
{
	const char *p = *s;
	size_t n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t')
		n++;
	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	*s = p + n;
	return 0;
}

/* One non-comment line into r: 0, or -1 with the reason in *why. */
static int
parse_line(const char *line, struct region *r, const char **why)
{
	const char *p = line;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (word(&p, r->name, sizeof(r->name)) < 0 ||
	    !regions_name_valid(r->name))
		return *why = "a region name is a-z, 0-9 and '-'", -1;
	if (word(&p, r->origin, sizeof(r->origin)) < 0 ||
	    !origin_valid(r->origin))
		return *why = "the origin must be https://host[:port]", -1;
	if (word(&p, r->edge, sizeof(r->edge)) < 0 || !edge_valid(r->edge))
		return *why = "the edge must be host:port", -1;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(r->conninfo))
		return *why = "the conninfo is missing or too long", -1;
	memcpy(r->conninfo, p, n);
	r->conninfo[n] = '\0';
	return 0;
}

static int
add_region(struct regions_table *t, const struct region *r, const char **why)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->r[i].name, r->name) == 0)
			return *why = "a region is named twice", -1;
	if (t->n == REGIONS_MAX)
		return *why = "too many regions", -1;
	t->r[t->n++] = *r;
	return 0;
}

int
regions_parse(const char *text, const char *self, struct regions_table *t,
              char *why, size_t whysz)
{
	const char *p = text, *reason = NULL;
	int lineno = 0;

	memset(t, 0, sizeof(*t));
	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[2048];
		struct region r;
		const char *s = line;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(why, whysz, "line %d: too long", lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += eol ? n + 1 : n;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (parse_line(s, &r, &reason) < 0 ||
		    add_region(t, &r, &reason) < 0) {
			snprintf(why, whysz, "line %d: %s", lineno, reason);
			return -1;
		}
	}
	if (self != NULL) {
		for (int i = 0; i < t->n; i++)
			if (strcmp(t->r[i].name, self) == 0)
				return 0;
		snprintf(why, whysz, "this region (%s) is not listed", self);
		return -1;
	}
	return 0;
}

int
regions_load(const char *path, const char *self)
{
	FILE *f = fopen(path, "r");
	char *text, why[128];
	size_t n;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "strata: cannot read %s: %s\n", path,
		        strerror(errno));
		return -1;
	}
	text = malloc(REGIONS_FILE_MAX + 1);
	if (text == NULL)
		abort();
	n = fread(text, 1, REGIONS_FILE_MAX + 1, f);
	fclose(f);
	if (n > REGIONS_FILE_MAX) {
		free(text);
		fprintf(stderr, "strata: %s: larger than 64 KiB\n", path);
		return -1;
	}
	text[n] = '\0';
	if (strlen(text) != n) {
		free(text);
		fprintf(stderr, "strata: %s: holds a NUL byte\n", path);
		return -1;
	}
	rc = regions_parse(text, self, &table, why, sizeof(why));
	free(text);
	if (rc < 0)
		fprintf(stderr, "strata: %s: %s\n", path, why);
	return rc;
}

const struct region *
regions_find(const char *name)
{
	if (name == NULL || *name == '\0')
		return NULL;
	for (int i = 0; i < table.n; i++)
		if (strcmp(table.r[i].name, name) == 0)
			return &table.r[i];
	return NULL;
}

int
regions_count(void)
{
	return table.n;
}

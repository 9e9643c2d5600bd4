/*
 * regions.c - placeholder: one line per region, tab-separated fields
 * name, db, admin.
 */
#include "core/regions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

#define REGIONS_MAX 16

static struct region all[REGIONS_MAX];
static int n = -1;

static void
load(void)
{
	char line[4096];
	FILE *f;

	n = 0;
	if ((f = fopen(cfg.regions_file, "r")) == NULL)
		return;
	while (n < REGIONS_MAX && fgets(line, sizeof(line), f) != NULL) {
		char *a = strtok(line, "\t\n"), *b = strtok(NULL, "\t\n"),
		     *c = strtok(NULL, "\t\n");

		if (a == NULL || b == NULL || c == NULL || *a == '#')
			continue;
		all[n].name = strdup(a);
		all[n].db = strdup(b);
		all[n].admin = strdup(c);
		n++;
	}
	fclose(f);
}

const struct region *
regions_find(const char *name)
{
	if (n < 0)
		load();
	for (int i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0)
			return &all[i];
	return NULL;
}

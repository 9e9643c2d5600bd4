/*
 * regions.h - the regions of a multi-region deployment (docs/regions.md).
 *
 * The file named by regions_file lists every region, this one included,
 * one a line: "NAME ORIGIN EDGE CONNINFO", '#' comments and blank lines
 * ignored.  NAME is the region's name (a-z, 0-9 and '-', 1-32, a letter
 * first), ORIGIN its public origin (https://...), EDGE the host:port of its
 * nginx that other regions forward requests to over TLS, and CONNINFO (the
 * rest of the line) the libpq conninfo its database offers other regions
 * for logical replication and moves.  Read once at start-up; the table
 * lives for the process.
 */
#ifndef STRATA_CORE_REGIONS_H
#define STRATA_CORE_REGIONS_H

#include <stddef.h>

#define REGIONS_MAX 16
#define REGION_NAME_MAX 32

struct region {
	char name[REGION_NAME_MAX + 1];
	char origin[256];    /* https://eu.example.com[:port] */
	char edge[256];      /* host:port of the region's nginx */
	char conninfo[1024]; /* its database, for other regions */
};

struct regions_table {
	int n;
	struct region r[REGIONS_MAX];
};

/* 1 when s is a valid region name. */
int regions_name_valid(const char *s);

/* Parses text (a whole regions file) into t; self, when not NULL, must be
 * one of the regions.  Returns 0, or -1 with a short reason (and the line)
 * in why[whysz]: a malformed line, a bad name, origin or edge, a name twice,
 * too many regions, or self missing. */
int regions_parse(const char *text, const char *self, struct regions_table *t,
                  char *why, size_t whysz);

/* Reads and parses path into the process's table (self: this region).
 * Returns 0, or -1 with a message on stderr. */
int regions_load(const char *path, const char *self);

/* The region named name in the process's table, or NULL (also for NULL or
 * an empty name).  The pointer lives for the process. */
const struct region *regions_find(const char *name);

/* The number of regions in the process's table (0 before regions_load). */
int regions_count(void);

#endif

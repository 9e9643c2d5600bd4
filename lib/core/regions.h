/*
 * regions.h - every region of the deployment, from cfg.regions_file.
 * (Placeholder of the move branch; the regions branch owns this module.)
 */
#ifndef STRATA_CORE_REGIONS_H
#define STRATA_CORE_REGIONS_H

struct region {
	char *name;
	char *db;    /* conninfo other regions use for logical replication */
	char *admin; /* the command that runs this region's `strata` */
};

/* The region named name, or NULL. */
const struct region *regions_find(const char *name);

#endif

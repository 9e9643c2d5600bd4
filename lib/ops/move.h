/*
 * move.h - moving one tenant to another region (`strata tenant move`,
 * docs/regions.md, "Moving a tenant").
 *
 * Run in the tenant's home region.  It drives the target region's own
 * `strata` through that region's admin command (core/regions.h: ssh in a
 * deployment, `ip netns exec` in the test harness), so that each side uses
 * only its own master key and its own database roles:
 *
 *  1. here: publish the tenant's rows (data/moves.h);
 *  2. there: `tenant move-in begin` subscribes to them (a bulk copy, then
 *     every change), and `tenant move-in wait` returns once the bulk copy
 *     is done; the tenant serves here all along;
 *  3. here: freeze the tenant (every request answers 503 with
 *     Retry-After), wait for the transactions that began before the
 *     freeze, then read the digest of its rows, its tenants row and its
 *     keys sealed for the target (sec/transport.h);
 *  4. here: hand the directory row over (no region is home for a moment:
 *     503 everywhere);
 *  5. there: `tenant move-in finish` reads that on its standard input,
 *     waits until its copy's digest equals it, drops the subscription,
 *     and in one transaction adopts the keys under its own master key,
 *     writes the tenants row and takes the directory over.  The window
 *     ends here;
 *  6. here: every key of the tenant destroyed (crypto-shredding), every row
 *     deleted, the publication dropped.
 *
 * A failure before step 5 succeeded undoes the others on both sides: the
 * tenant serves here again, and the target holds nothing of it.
 */
#ifndef STRATA_OPS_MOVE_H
#define STRATA_OPS_MOVE_H

/* `strata tenant move WHO --to REGION`.  Prints the figures as JSON;
 * returns the exit status. */
int move_tenant(const char *who, const char *to);

/* `strata tenant move-in STEP --tenant ID [--from REGION]`, the target's
 * half: STEP is begin, wait, finish or abort.  Returns the exit status. */
int move_in(const char *step, const char *tid, const char *from);

struct arena;
struct region;

/* The command that runs region r's `strata`: cfg.region_admin with each
 * "{region}" replaced by r's name (a-z, 0-9 and '-' only, so it is one
 * shell word as it stands), in arena a. */
const char *move_admin_command(struct arena *a, const struct region *r);

#endif

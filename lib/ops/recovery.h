/*
 * recovery.h - the restore commands of the command line (docs/operations.md,
 * "Disaster recovery"): one tenant back to a point in time, and the erasure
 * ledger re-applied after a whole restore.  Each prints JSON on stdout and
 * returns 0, or says why on stderr and returns non-zero.
 */
#ifndef STRATA_OPS_RECOVERY_H
#define STRATA_OPS_RECOVERY_H

/* `strata tenant restore SLUG --to TIME --from CONNINFO`: the tenant's data
 * as of TIME, read from the database at CONNINFO (a copy restored to TIME,
 * tests/dr/scratch.sh), replaces the live tenant's (data/restore.h).  The
 * tenant answers 503 from the freeze to the commit; the erasure ledger is
 * re-applied and a tenant.restore event added to its audit chain in the
 * same transaction as the rows.  Other tenants are not touched.  Refuses a
 * copy still in recovery, one whose last commit is after TIME, or one with
 * other migrations. */
int recovery_tenant_restore(const char *who, const char *to, const char *from);

/* `strata erasure reapply [--from CONNINFO]`: after a whole-cluster restore,
 * brings in the ledger rows of the database at CONNINFO (the newest copy:
 * the old primary, or a restore of the archive's end) and re-applies the
 * whole ledger to every tenant that has rows in it. */
int recovery_erasures_reapply(const char *from);

/* `strata backup [--type full|incr|diff]`: runs the backup_command setting
 * (a program given the type as its one argument, e.g. pgBackRest's wrapper
 * tests/dr/backup.sh VAR) and waits for it.  0 when it exits 0; 1 on an
 * unknown type, no command set, or the command's failure. */
int recovery_backup(const char *type);

#endif

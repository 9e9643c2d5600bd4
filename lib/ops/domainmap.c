/*
 * domainmap.c - the verified custom domains, written for nginx.
 */
#include "ops/domainmap.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "data/config_versions.h"

static int
fail(const char *msg)
{
	fprintf(stderr, "strata: %s\n", msg);
	return -1;
}

/* Only what nginx reads as one plain name: a-z, 0-9, '-' and '.', at
 * most 253 characters. */
static bool
plain_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

#define CHILDREN_MAX 256
#define RELOAD_WAIT_MS 3000

/* The parent pid in the text of /proc/PID/stat, "pid (comm) state ppid
 * ...", whose comm may hold spaces and parentheses; -1 when unreadable. */
static long
stat_ppid(const char *buf)
{
	const char *p = strrchr(buf, ')');
	char *end;
	long ppid;

	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
		return -1;
	errno = 0;
	ppid = strtol(p + 4, &end, 10);
	return errno == 0 && end != p + 4 ? ppid : -1;
}

/* The pids of master's children (nginx's workers), from /proc; their
 * count. */
static int
children_of(long master, long *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while (n < max && (e = readdir(d)) != NULL) {
		char path[300], buf[512];
		FILE *f;

		if (strspn(e->d_name, "0123456789") != strlen(e->d_name) ||
		    snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name) >=
		        (int)sizeof(path))
			continue;
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    stat_ppid(buf) == master)
			pids[n++] = strtol(e->d_name, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return n;
}

/* The pid in cfg.nginx_pid_file, or 0. */
static long
nginx_pid(void)
{
	char line[32], *end;
	long pid = 0;
	FILE *f;

	if (*cfg.nginx_pid_file == '\0' ||
	    (f = fopen(cfg.nginx_pid_file, "r")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) != NULL) {
		errno = 0;
		pid = strtol(line, &end, 10);
		if (errno != 0 || end == line || pid <= 1 || pid >= INT_MAX)
			pid = 0;
	}
	fclose(f);
	return pid;
}

/* nginx re-reads its configuration on SIGHUP and replaces its workers;
 * waits (up to RELOAD_WAIT_MS) for the old ones to be gone, so that a
 * request sent after the command meets the new list.  Not running is no
 * error: nginx reads the file when it starts. */
static void
reload_nginx(void)
{
	long pid = nginx_pid(), old[CHILDREN_MAX];
	int n;

	if (pid == 0)
		return;
	n = children_of(pid, old, CHILDREN_MAX);
	if (kill((pid_t)pid, SIGHUP) < 0) {
		fprintf(stderr, "strata: cannot signal nginx: %s\n",
		        strerror(errno));
		return;
	}
	for (int waited = 0; waited < RELOAD_WAIT_MS; waited += 20) {
		int alive = 0;

		for (int i = 0; i < n; i++)
			alive += kill((pid_t)old[i], 0) == 0;
		if (alive == 0)
			return;
		(void)nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
	}
}

/* The rows of r into f, one "name 0;" line each; the count written. */
static int
write_rows(FILE *f, const PGresult *r)
{
	int n = 0;

	fputs("# Tenants' verified custom domains, served by nginx.\n"
	      "# Written by `strata tenant domain verify`; do not edit.\n",
	      f);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);

		if (!plain_name(name)) {
			fprintf(stderr, "strata: domain left out of the map\n");
			continue;
		}
		fprintf(f, "%s 0;\n", name);
		n++;
	}
	return n;
}

int
domainmap_write(struct db *db)
{
	const char *path = cfg.nginx_domains_map;
	char tmp[PATH_MAX];
	FILE *f;
	int h, n;

	if (*path == '\0')
		return 0;
	h = config_queue_verified_domains(db);
	if (h < 0 || db_sync(db) != 0)
		return fail("cannot read the verified domains");
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return fail("nginx_domains_map: path too long");
	if ((f = fopen(tmp, "w")) == NULL)
		return fail("cannot write nginx_domains_map");
	n = write_rows(f, db_result(db, h));
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 ||
	    fchmod(fileno(f), 0644) != 0) {
		fclose(f);
		unlink(tmp);
		return fail("cannot write nginx_domains_map");
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return fail("cannot write nginx_domains_map");
	}
	reload_nginx();
	return n;
}

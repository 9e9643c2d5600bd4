#!/usr/bin/env bash
# build.sh - make sure PostgreSQL 15 has the Citus extension, once per machine.
#
# An installed citus.so (`pg_config --pkglibdir`) is used as it is.  Otherwise
# Citus is built from $CITUS_SRC (a tarball or a source tree) or from the
# vendored ../shared/vendor/citus-13.2.2.tar.gz (checked against its
# SHA256SUMS, its patch applied) and installed into the system PostgreSQL 15.
# Exit 0: citus.so is installed.  Exit 2: no extension and no source (the
# caller prints the one "skipped" line).  Anything else: the build failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pgc=/usr/lib/postgresql/15/bin/pg_config
[ -x "$pgc" ] || pgc=$(command -v pg_config || true)
if [ -n "$pgc" ] && [ -f "$("$pgc" --pkglibdir)/citus.so" ]; then
	exit 0
fi
# ../shared/vendor beside the checkout (for a git worktree, beside its main
# checkout too).
vendor=$(cd "$root/.." && pwd)/shared/vendor
if [ ! -d "$vendor" ]; then
	common=$(git -C "$root" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
	[ -n "$common" ] && [ -d "$(dirname "$common")/../shared/vendor" ] &&
		vendor=$(cd "$(dirname "$common")/../shared/vendor" && pwd)
fi
src=${CITUS_SRC:-}
if [ -z "$src" ] && [ -f "$vendor/citus-13.2.2.tar.gz" ]; then
	src=$vendor/citus-13.2.2.tar.gz
fi
if [ -z "$src" ] || [ ! -e "$src" ]; then
	echo "citus: no citus.so in PostgreSQL 15 and no source (CITUS_SRC or ../shared/vendor)" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "citus: building Citus needs root (it installs into the system PostgreSQL 15)" >&2
	exit 1
fi
"$root/tests/stack/deps.sh" postgresql-15 postgresql-server-dev-15 build-essential \
	libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev
pgc=/usr/lib/postgresql/15/bin/pg_config
work=$(mktemp -d /tmp/strata-citus-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
if [ -d "$src" ]; then
	cp -a "$src/." "$work/"
else
	# The vendored tarball is checked against its checksum, and gets its patch.
	if [ "$src" = "$vendor/citus-13.2.2.tar.gz" ]; then
		(cd "$vendor" && sha256sum --quiet -c SHA256SUMS) ||
			{ echo "citus: $vendor fails its SHA256SUMS" >&2; exit 1; }
	fi
	tar -xzf "$src" -C "$work" --strip-components=1
fi
patch=$vendor/citus-13.2.2-pg15-minor.patch
if [ -f "$patch" ] && ! grep -q citus_compat_have_createdb_privilege \
	"$work/src/include/pg_version_compat.h" 2>/dev/null; then
	(cd "$work" && patch -s -p1 <"$patch")
fi
echo "citus: building from $src (once per machine)" >&2
(cd "$work" && PG_CONFIG=$pgc ./configure -q >"$work/configure.log" 2>&1 &&
	make -s -j"$(nproc)" >"$work/make.log" 2>&1 &&
	make -s install PG_CONFIG=$pgc >"$work/install.log" 2>&1) || {
	tail -30 "$work"/*.log >&2
	exit 1
}
echo "citus: built and installed in $(($(date +%s) - start)) s" >&2

#!/usr/bin/env bash
# backup.sh VAR_DIR [full|incr|diff|info|check] - pgBackRest on the HA=1
# layout (tests/dr/ha.sh): a backup of the primary of the moment into the
# repository VAR/backrest/repo (incr by default; pgBackRest takes a full one
# when none exists), `info` lists the backups, `check` forces a WAL switch
# and waits until it is archived.  Retention: the last 2 full backups and
# what depends on them (repo1-retention-full, ha.sh); expiry runs after each
# backup.  `make backup` runs it on var/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VAR=$(realpath -m "${1:-var}")
what=${2:-incr}
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
# shellcheck disable=SC1091
. "$VAR/stack.env"
if [ "${PG_BACKREST:-0}" = 1 ] && [ "${HA:-0}" != 1 ]; then
	node=node0 # one node archiving to pgBackRest (stack.sh PG_BACKREST=1)
elif [ "${HA:-0}" != 1 ]; then
	echo "backup: $VAR is a one-node stack without WAL archiving; backups need the HA=1 layout (make run HA=1)" >&2
	exit 1
else
	node=$("$ROOT/tests/dr/ha.sh" leader "$VAR") || { echo "backup: no primary" >&2; exit 1; }
fi
br() { as_pg pgbackrest --config="$VAR/backrest/$node.conf" --stanza=strata "$@"; }
case $what in
full | incr | diff) br --type="$what" backup ;;
info) br info ;;
check) br check ;;
*) echo "usage: backup.sh VAR_DIR [full|incr|diff|info|check]" >&2; exit 2 ;;
esac

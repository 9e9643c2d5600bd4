#!/usr/bin/env bash
# deps.sh PACKAGE... - install the Debian packages that are missing, quietly
# and without questions; do nothing when all are present.
set -euo pipefail
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run make deps as root)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start system-wide nginx or PostgreSQL services:
# the stack runs its own, by pid, on its own ports.
# An image's own policy-rc.d is used and left as it is; one made here is
# removed on the way out, whatever the outcome.  The trap ends with status
# 0: its last command's status would otherwise become the script's.
policy=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
	if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
	return 0
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
	made_policy=1
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
fi
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null

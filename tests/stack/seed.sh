#!/usr/bin/env bash
# seed.sh VAR_DIR - demo tenants acme and globex (kept if they exist), and
# how to call them.
set -euo pipefail
VAR=$(realpath -m "$1")
# shellcheck disable=SC1091
. "$VAR/stack.env"
strata() { "$STRATA_BIN" --config "$VAR/strata.conf" "$@"; }

create() {
	local slug=$1 name=$2 rc=0
	strata tenant create --slug "$slug" --name "$name" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || { echo "seed: cannot create $slug" >&2; exit 1; }
}
create acme "Acme Inc."
create globex "Globex Corporation"

port=""
[ "$HTTPS_PORT" = 443 ] || port=":$HTTPS_PORT"
cat <<EOF

Strata is running.
  API        https://acme.$BASE$port/v1/tenant
             https://globex.$BASE$port/v1/tenant
  platform   https://$BASE$port/healthz
  CA         $VAR/tls/cert.pem   (self-signed; or use curl -k)
  logs       $VAR/log/
  stop       make stop

Try:
  curl --cacert $VAR/tls/cert.pem https://acme.$BASE$port/v1/tenant
EOF

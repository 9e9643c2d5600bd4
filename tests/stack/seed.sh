#!/usr/bin/env bash
# seed.sh VAR_DIR - demo tenants acme and globex, each with an owner and a
# member (kept if they exist), and how to call them.  Passwords are random
# per installation and written to VAR/demo-credentials (mode 0600).
set -euo pipefail
VAR=$(realpath -m "$1")
# shellcheck disable=SC1091
. "$VAR/stack.env"
strata() { "$STRATA_BIN" --config "$VAR/strata.conf" "$@"; }
port=""
[ "$HTTPS_PORT" = 443 ] || port=":$HTTPS_PORT"
creds=$VAR/demo-credentials

api() { # METHOD SLUG PATH [TOKEN] [BODY]
	local args=(-s --cacert "$VAR/tls/cert.pem" -X "$1" "https://$2.$BASE$port$3")
	[ -n "${4:-}" ] && args+=(-H "Authorization: Bearer $4")
	[ -n "${5:-}" ] && args+=(-H "Content-Type: application/json" --data-binary "$5")
	curl "${args[@]}"
}

if [ ! -f "$creds" ]; then
	umask 077
	for t in acme globex; do
		printf '%s_OWNER_PW=%s\n%s_MEMBER_PW=%s\n' "${t^^}" "owner-$(openssl rand -hex 8)" \
			"${t^^}" "member-$(openssl rand -hex 8)"
	done >"$creds"
	umask 022
fi
# shellcheck disable=SC1090
. "$creds"

seed() {
	local slug=$1 name=$2 opw=$3 mpw=$4 rc=0 tok
	printf '%s\n' "$opw" | strata tenant create --slug "$slug" --name "$name" \
		--owner-email "owner@$slug.example" --owner-name "$name Owner" \
		>/dev/null 2>&1 || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || { echo "seed: cannot create $slug" >&2; exit 1; }
	[ "$rc" = 3 ] && return 0
	tok=$(api POST "$slug" /v1/auth/login "" \
		"{\"email\":\"owner@$slug.example\",\"password\":\"$opw\"}" | jq -r .access_token)
	api POST "$slug" /v1/users "$tok" \
		"{\"email\":\"member@$slug.example\",\"name\":\"$name Member\",\"password\":\"$mpw\",\"roles\":[\"member\"]}" \
		>/dev/null
}
seed acme "Acme Inc." "$ACME_OWNER_PW" "$ACME_MEMBER_PW"
seed globex "Globex Corporation" "$GLOBEX_OWNER_PW" "$GLOBEX_MEMBER_PW"

cat <<EOF

Strata is running.

  acme     https://acme.$BASE$port      owner@acme.example / $ACME_OWNER_PW
                                         member@acme.example / $ACME_MEMBER_PW
  globex   https://globex.$BASE$port    owner@globex.example / $GLOBEX_OWNER_PW
                                         member@globex.example / $GLOBEX_MEMBER_PW
  platform https://$BASE$port (signup, operators: strata operator create)
  console  https://acme.$BASE$port/console/  (each tenant's; sign in as above)
           https://$BASE$port/console/       (operators)
  CA       $VAR/tls/cert.pem  (self-signed; or curl -k)
  logs     $VAR/log/          credentials: $creds
  stop     make stop

Try:
  curl --cacert $VAR/tls/cert.pem https://acme.$BASE$port/v1/tenant
  TOKEN=\$(curl -s --cacert $VAR/tls/cert.pem https://acme.$BASE$port/v1/auth/login \\
      -H 'Content-Type: application/json' \\
      -d '{"email":"owner@acme.example","password":"$ACME_OWNER_PW"}' | jq -r .access_token)
  curl --cacert $VAR/tls/cert.pem -H "Authorization: Bearer \$TOKEN" https://acme.$BASE$port/v1/me
EOF

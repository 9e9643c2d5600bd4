# lib.sh - two regions, each a whole Strata in a network namespace of its
# own (docs/regions.md, "Testing"); sourced by tests/regions/run.sh, which
# starts and stops them, and by each tests/regions/[0-9]*.sh check, which
# uses them (after regions_checks).  Needs ROOT.
#
#   regions_up       two namespaces (strata-rg<id>-eu, -us) joined by a veth
#                    pair, 10.<n>.<m>.1 (eu) and .2 (us); in each a stack of
#                    tests/stack/stack.sh (its PostgreSQL, workers, nginx and
#                    certificate, master key, pgBackRest repository) with
#                    REGION set, both regions in one regions file, the
#                    directory replicated both ways (a subscription each);
#                    writes REG_TOP/regions.env
#   regions_down     every stack stopped by pid, the namespaces deleted
#   use_region NAME  this shell now talks to NAME: VAR, the stack's env,
#                    CA, STRATA, and curl (tests/lib.sh's req) run inside
#                    NAME's namespace against its edge
#   in_region NAME CMD...  CMD inside NAME's namespace
#   psql_region NAME ARGS...  NAME's database as the cluster's superuser
#
# Everything listens inside the namespaces only (the edges on their
# addresses and loopback, each PostgreSQL on its socket and its veth
# address for the other region), so the traffic stays inside them.
REG_TOP=${REG_TOP:-$ROOT/var/regions}
REG_NAMES="eu us"
STACK_SH=$ROOT/tests/stack/stack.sh

reg_log() { printf '%s\n' "regions: $*" >&2; }

# regions_supported: network namespaces can be made here.
regions_supported() {
	local probe=strata-rgprobe$$
	ip netns add "$probe" 2>/dev/null || return 1
	ip netns del "$probe" 2>/dev/null
	command -v pgbackrest >/dev/null
}

reg_env() {
	# shellcheck disable=SC1091
	[ -f "$REG_TOP/regions.env" ] && . "$REG_TOP/regions.env"
	return 0
}

reg_ns() { reg_env; eval "echo \$NS_$1"; }
reg_addr() { reg_env; eval "echo \$ADDR_$1"; }
reg_var() { realpath -m "$REG_TOP/$1"; }

in_region() {
	local ns
	ns=$(reg_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

psql_region() {
	local v
	v=$(reg_var "$1")
	shift
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- psql -X -q -t -A -v ON_ERROR_STOP=1 \
			-h "$v/pg/run" -p 5432 -d strata "$@")
	else
		psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$v/pg/run" -p 5432 -d strata "$@"
	fi
}

# use_region NAME: tests/lib.sh's helpers (req, json, mk_tenant, psql_*)
# now reach NAME.  Source tests/lib.sh once, after the first use_region.
use_region() {
	REG_NOW=$1
	REG_NS=$(reg_ns "$1")
	VAR=$(reg_var "$1")
	export VAR
	# shellcheck disable=SC1091
	. "$VAR/stack.env"
	CA=$REG_TOP/peers.pem
	STRATA="$STRATA_BIN --config $VAR/strata.conf"
}
curl() { ip netns exec "$REG_NS" /usr/bin/curl "$@"; }

# regions_checks: what each tests/regions/[0-9]*.sh check starts with:
# tests/lib.sh's helpers (sourced here, at eu), talking to eu until
# use_region says otherwise.
regions_checks() {
	use_region eu
	# shellcheck disable=SC1091
	. "$ROOT/tests/lib.sh"
	use_region eu
}
# all_headers NAME: the values of header NAME in the last answer, one a line.
all_headers() { grep -i "^$1:" "$TMPD/h" | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
# answer: the last answer's status and body without its request id (each
# edge's own), for comparing two answers.
answer() { printf '%s %s' "$STATUS" "$(jq -cS 'if type == "object" then del(.request_id) else . end' <<<"$BODY" 2>/dev/null || printf '%s' "$BODY")"; }
# tenant_id_in REGION SLUG: the tenant's id in REGION's database ("" if none).
tenant_id_in() { psql_region "$1" -c "SELECT id FROM strata.tenants WHERE slug = '$2'"; }

# The regions file: every region's name, origin, edge and the conninfo its
# database offers the others (core/regions.h).
reg_write_file() {
	local r a
	: >"$REG_TOP/regions.conf"
	for r in $REG_NAMES; do
		a=$(reg_addr "$r")
		printf '%s https://%s.strata.localhost:8443 %s:8443 host=%s port=5432 dbname=strata user=strata_peer password=%s connect_timeout=5\n' \
			"$r" "$r" "$a" "$a" "$PEER_PW" >>"$REG_TOP/regions.conf"
	done
	chmod 644 "$REG_TOP/regions.conf"
}

# reg_pick_net: a 10.x.y.0/24 no interface here uses.
reg_pick_net() {
	local x y
	for _ in $(seq 50); do
		x=$((200 + RANDOM % 50)) y=$((RANDOM % 250))
		ip -o addr | grep -q " 10\.$x\.$y\." || { echo "10.$x.$y"; return 0; }
	done
	return 1
}

reg_netns_up() {
	local id net
	id=$(printf '%04x' $((RANDOM % 65536)))
	net=$(reg_pick_net) || return 1
	cat >"$REG_TOP/regions.env" <<EOF
NS_eu=strata-rg$id-eu
NS_us=strata-rg$id-us
VETH_eu=srg${id}eu
VETH_us=srg${id}us
ADDR_eu=$net.1
ADDR_us=$net.2
NET=$net.0/24
EOF
	reg_env
	ip netns add "$NS_eu" && ip netns add "$NS_us" || return 1
	ip link add "$VETH_eu" netns "$NS_eu" type veth peer name "$VETH_us" netns "$NS_us" || return 1
	in_region eu ip addr add "$ADDR_eu/24" dev "$VETH_eu" &&
		in_region us ip addr add "$ADDR_us/24" dev "$VETH_us" &&
		in_region eu ip link set lo up && in_region us ip link set lo up &&
		in_region eu ip link set "$VETH_eu" up && in_region us ip link set "$VETH_us" up
}

# reg_stack_up NAME: the whole stack of region NAME, inside its namespace
# (the sanitizer build of make test when STRATA_BIN says so).
reg_stack_up() {
	local r=$1
	in_region "$r" env REGION="$r" REGIONS_FILE="$REG_TOP/regions.conf" \
		FORWARD_SECRET_FILE="$REG_TOP/forward.secret" PEERS_CA="$REG_TOP/peers.pem" \
		LISTEN=0.0.0.0 HTTPS_PORT=8443 HTTP_PORT=8080 PG_PORT=5432 SMTP_PORT=2525 \
		PG_LISTEN="$(reg_addr "$r")" PG_HBA_HOST="$NET" PG_LOGICAL=1 \
		PG_BACKREST=1 BACKREST_COMPRESS=none SEED=0 PG_FAST=1 WORKERS=2 \
		TENANT_CONN=64 SCRYPT_LOG2N=12 RATE_RPS=100000 RATE_BURST=200000 \
		AUTH_RATE=200r/s AUTH_BURST=400 SIGNUP_RATE=50r/s SIGNUP_BURST=100 \
		AUDIT_HORIZON=1 STRATA_BIN="$STRATA_BIN" TEMPLATES_DIR="$REG_TOP/templates" \
		SUPER_DATABASE_URL="host=$(reg_var "$r")/pg/run port=5432 dbname=strata user=strata_super password=$SUPER_PW" \
		REGION_ADMIN="ip netns exec ${NS_eu%-eu}-{region} $STRATA_BIN --config $REG_TOP/{region}/strata.conf" \
		"$STACK_SH" up "$REG_TOP/$r" >>"$REG_TOP/up-$r.log" 2>&1
}

# reg_link: each region's database subscribes to every other's
# publication of its own directory rows (sql/021_regions.sql); the peer
# role (REPLICATION, reads the directory only) is what each offers.
reg_link() {
	local r o conn
	for r in $REG_NAMES; do
		# BYPASSRLS: a move's bulk copy reads the tenant's rows, which
		# row-level security hides from every other role; the peer may
		# read the tenant tables only while a move publishes
		# (sql/023_move.sql).  strata_super: super_database_url.
		psql_region "$r" -c "CREATE ROLE strata_peer LOGIN REPLICATION BYPASSRLS PASSWORD '$PEER_PW'" \
			-c "CREATE ROLE strata_super LOGIN SUPERUSER PASSWORD '$SUPER_PW'" \
			-c "GRANT CONNECT ON DATABASE strata TO strata_peer" \
			-c "GRANT USAGE ON SCHEMA strata TO strata_peer" \
			-c "GRANT SELECT ON strata.directory TO strata_peer" || return 1
	done
	for r in $REG_NAMES; do
		for o in $REG_NAMES; do
			[ "$o" = "$r" ] && continue
			conn=$(awk -v n="$o" '$1 == n { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' "$REG_TOP/regions.conf")
			psql_region "$r" -c "SET client_min_messages = warning" -c "CREATE SUBSCRIPTION strata_directory_from_$o CONNECTION '$conn' PUBLICATION strata_directory" ||
				return 1
		done
	done
}

regions_up() {
	local r
	mkdir -p "$REG_TOP"
	chmod 755 "$REG_TOP"
	(umask 077 && openssl rand -hex 16 >"$REG_TOP/forward.secret")
	PEER_PW=$(openssl rand -hex 24)
	SUPER_PW=$(openssl rand -hex 24)
	reg_netns_up || { reg_log "cannot make the namespaces"; return 1; }
	reg_write_file
	# The templates, and one whose limits do not throttle the forwarding
	# cost's load (05_directory_cost.sh), as make bench has.
	mkdir -p "$REG_TOP/templates"
	cp "$ROOT"/sql/templates/*.json "$REG_TOP/templates/"
	jq '.auth.access_token_ttl = 86400 | .limits.requests_per_second = 100000
		| .limits.burst = 100000' "$ROOT/sql/templates/default.json" >"$REG_TOP/templates/bench.json"
	chmod -R a+rX "$REG_TOP/templates"
	for r in $REG_NAMES; do "$STACK_SH" cert "$REG_TOP/$r" >/dev/null || return 1; done
	cat "$REG_TOP"/eu/tls/cert.pem "$REG_TOP"/us/tls/cert.pem >"$REG_TOP/peers.pem"
	chmod 644 "$REG_TOP/peers.pem"
	for r in $REG_NAMES; do
		reg_stack_up "$r" || { reg_log "region $r did not start"; tail -20 "$REG_TOP/up-$r.log" >&2; return 1; }
	done
	reg_link || { reg_log "the directory subscriptions failed"; return 1; }
}

regions_down() {
	local r
	reg_env
	for r in $REG_NAMES; do
		[ -d "$REG_TOP/$r" ] && "$STACK_SH" down "$REG_TOP/$r" >/dev/null 2>&1
	done
	for r in $REG_NAMES; do
		eval "ns=\${NS_$r:-}"
		# shellcheck disable=SC2154
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# directory_wait NAME SQL_CONDITION [SECONDS]: waits until region NAME's
# directory has a row matching the condition (replication is
# asynchronous); 0 when it came.
directory_wait() {
	for _ in $(seq $((${3:-20} * 10))); do
		[ "$(psql_region "$1" -c "SELECT count(*) FROM strata.directory WHERE $2")" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}

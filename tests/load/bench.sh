#!/usr/bin/env bash
# bench.sh - `make bench`: Strata measured against this machine's own
# ceilings, in one run.
#
# Starts its own stack under var/bench on free ports (release build, four
# workers, durable PostgreSQL), seeds BENCH_TENANTS tenants with two users
# each and BENCH_RECORDS records each, then runs wrk (tests/load/*.lua)
# scenario by scenario, BENCH_RUNS rounds interleaved, and reports the
# median of each:
#
#   get         GET one record by id (JWT, user status, RLS, JSON)
#   get_cached  the same with "Cache-Control: max-age=1" on a hot set of
#               64 (user, record) pairs: nginx's microcache answers
#   list        20 records filtered on an indexed field
#   create      POST a record (validation, pivot, counter, audit event)
#   mixed       90 % get / 10 % create over 100 tenants
#   floor       tests/load/floor.c: the same read with nothing else
#   static      nginx serving a 200-byte file
#   noisy       tenant A floods, tenant B sends a paced load: B's p99 alone
#               and under the flood, A's 429s, B's errors
#
# Prints one table and writes var/bench/results.json.  Worker RSS (all
# workers together) is taken after the first round, once every path has
# run, and at the end, with the requests served by then.
#
# Environment: BENCH_TENANTS [1000]  BENCH_RECORDS [1000 per tenant]
#   BENCH_RUNS [3]  BENCH_DURATION [10 s]  BENCH_CONNECTIONS [32]
#   BENCH_WORKERS [4]  BENCH_QUICK=1 (3 tenants x 50 records, 1 s, 1 run:
#   make test's end-to-end check)  BENCH_SCALE=1 (make bench-scale: get at
#   10 tenants and at 10,000 tenants x 1,000 records, and worker RSS after
#   1,000,000 requests)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
LOAD=$ROOT/tests/load
STACK=$ROOT/tests/stack/stack.sh
QUICK=${BENCH_QUICK:-0}
SCALE=${BENCH_SCALE:-0}

if [ "$QUICK" = 1 ]; then
	VAR=$ROOT/var/bench-quick
	T=${BENCH_TENANTS:-3} R=${BENCH_RECORDS:-50} RUNS=${BENCH_RUNS:-1}
	DUR=${BENCH_DURATION:-1} CONNS=${BENCH_CONNECTIONS:-2}
else
	VAR=$ROOT/var/bench
	T=${BENCH_TENANTS:-1000} R=${BENCH_RECORDS:-1000} RUNS=${BENCH_RUNS:-3}
	DUR=${BENCH_DURATION:-10} CONNS=${BENCH_CONNECTIONS:-32}
fi
[ "$SCALE" = 1 ] && T=10
WORKERS=${BENCH_WORKERS:-4}
SAMPLE=10 # records per tenant in the data files
PW="bench-Secret-pass-1"
OUT=$VAR/bench
RESULTS=$OUT/results.json

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# shellcheck disable=SC1091
. "$ROOT/tests/stack/free_port.sh"

for tool in wrk jq curl nginx; do
	command -v "$tool" >/dev/null || die "$tool is missing (make deps)"
done
[ -x build/strata ] && [ -x build/floor ] || die "build/strata and build/floor first (make bench builds them)"

# --- the stack ---------------------------------------------------------
"$STACK" down "$VAR" >/dev/null 2>&1 || true
stop_all() {
	if alive "$VAR/run/floor.pid"; then kill -TERM -- "-$(cat "$VAR/run/floor.pid")" 2>/dev/null || true; fi
	if alive "$VAR/ceil/nginx.pid"; then kill -QUIT "$(cat "$VAR/ceil/nginx.pid")" 2>/dev/null || true; fi
	"$STACK" down "$VAR" >/dev/null 2>&1 || true
}
# BENCH_KEEP=1 leaves the stack running afterwards (for a closer look).
[ "${BENCH_KEEP:-0}" = 1 ] || trap stop_all EXIT
rm -rf "$VAR"
mkdir -p "$VAR/templates" "$OUT" "$VAR/seed"
cp sql/templates/*.json "$VAR/templates/"
# Bench tenants: tokens that outlive the run, limits that do not throttle
# a load spread over many tenants.  The noisy-neighbour tenants keep the
# default template's limits (200 requests/s, burst 400).
jq '.auth.access_token_ttl = 86400 | .limits.requests_per_second = 100000
	| .limits.burst = 100000 | .limits.max_records = 100000000' \
	sql/templates/default.json >"$VAR/templates/bench.json"

HTTPS_PORT=$(free_port) HTTP_PORT=$(free_port) PG_PORT=$(free_port) CEIL_PORT=$(free_port)
export HTTPS_PORT HTTP_PORT PG_PORT
export STRATA_BIN=$ROOT/build/strata WORKERS SEED=0 PG_FAST=0 MAX_REQUESTS=0
export SCRYPT_LOG2N=12 AUTH_RATE=100000r/s AUTH_BURST=100000
export SIGNUP_RATE=100000r/s SIGNUP_BURST=100000 TEMPLATES_DIR=$VAR/templates
log "stack on :$HTTPS_PORT under $VAR (workers $WORKERS, release build)"
"$STACK" up "$VAR" >/dev/null
# shellcheck disable=SC1091
. "$VAR/stack.env"
# shellcheck disable=SC1091
. "$VAR/secrets.env"
STRATA="$STRATA_BIN --config $VAR/strata.conf"
CA=$VAR/tls/cert.pem

psql_super() {
	as_pg psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$VAR/pg/run" -p "$PG_PORT" -d strata "$@"
}
api() { # METHOD SLUG PATH TOKEN BODY
	local args=(-s --cacert "$CA" -X "$1" "https://$2.$BASE:$HTTPS_PORT$3")
	[ -n "$4" ] && args+=(-H "Authorization: Bearer $4")
	[ -n "$5" ] && args+=(-H "Content-Type: application/json" --data-binary "$5")
	curl "${args[@]}"
}

# --- seeding -------------------------------------------------------------
# One tenant: created by the CLI (keys wrapped by the master key), then an
# owner login, the collection, a member and its login through the API.
seed_tenant() { # N TEMPLATE -> VAR/seed/SLUG: "slug tid owner_token member_token"
	local slug=$1 tpl=$2 tid tok mtok
	tid=$(printf '%s\n' "$PW" | $STRATA tenant create --slug "$slug" --name "Bench $slug" \
		--owner-email "owner@$slug.test" --template "$tpl" | jq -r .id)
	tok=$(api POST "$slug" /v1/auth/login "" "{\"email\":\"owner@$slug.test\",\"password\":\"$PW\"}" | jq -r .access_token)
	api POST "$slug" /v1/collections "$tok" '{"name":"items","fields":{"title":{"type":"string","required":true,"max_length":200},"category":{"type":"string","indexed":true},"price":{"type":"number","indexed":true},"qty":{"type":"integer"}}}' >/dev/null
	api POST "$slug" /v1/users "$tok" "{\"email\":\"member@$slug.test\",\"name\":\"Member\",\"password\":\"$PW\",\"roles\":[\"member\"]}" >/dev/null
	mtok=$(api POST "$slug" /v1/auth/login "" "{\"email\":\"member@$slug.test\",\"password\":\"$PW\"}" | jq -r .access_token)
	[ -n "$tid" ] && [ "${#tok}" -gt 40 ] && [ "${#mtok}" -gt 40 ] || { echo "seed $slug failed" >&2; return 1; }
	echo "$slug $tid $tok $mtok" >"$VAR/seed/$slug"
}
export -f seed_tenant api
export STRATA PW VAR CA BASE HTTPS_PORT

# Tenants b00001.. from FROM to TO, then R records each by SQL (a bulk
# import: the API is what is measured, not the seeding).
seed_range() { # FROM TO
	local from=$1 to=$2 t0=$SECONDS
	seq -f 'b%05g' "$from" "$to" | xargs -P 6 -I{} bash -c 'seed_tenant {} bench' ||
		die "seeding tenants failed"
	log "tenants $from..$to created in $((SECONDS - t0)) s; inserting $R records each"
	t0=$SECONDS
	psql_super <<EOF
SET search_path = strata, public;
CREATE TEMP TABLE batch AS SELECT id FROM tenants
	WHERE slug BETWEEN '$(printf 'b%05d' "$from")' AND '$(printf 'b%05d' "$to")';
INSERT INTO records (tenant_id, id, collection, data, schema_version)
SELECT b.id, gen_random_uuid(), 'items',
	jsonb_build_object('title', 'item ' || g, 'category', 'c' || (g % 50),
		'price', (g % 1000) / 10.0, 'qty', g), 1
FROM batch b, generate_series(1, $R) g;
INSERT INTO record_index (tenant_id, collection, field, record_id, v_text)
SELECT r.tenant_id, 'items', 'category', r.id, r.data->>'category'
FROM records r JOIN batch b ON r.tenant_id = b.id;
INSERT INTO record_index (tenant_id, collection, field, record_id, v_num)
SELECT r.tenant_id, 'items', 'price', r.id, (r.data->>'price')::numeric
FROM records r JOIN batch b ON r.tenant_id = b.id;
INSERT INTO tenant_counters (tenant_id, shard, records)
SELECT id, 0, $R FROM batch
ON CONFLICT (tenant_id, shard) DO UPDATE SET records = tenant_counters.records + EXCLUDED.records;
EOF
	# A steady state before measuring: the bulk load's vacuum (visibility
	# map, hint bits) and checkpoint would otherwise land inside the runs.
	psql_super -c "VACUUM (ANALYZE) strata.records" -c "VACUUM (ANALYZE) strata.record_index" \
		-c "VACUUM (ANALYZE) strata.tenant_counters" -c "CHECKPOINT" >/dev/null
	log "records inserted in $((SECONDS - t0)) s"
}

# Data files: every user of every tenant with SAMPLE records of its tenant.
write_data() { # FILE [MAX_TENANTS]
	local file=$1 max=${2:-0}
	psql_super -F ' ' -c "SELECT t.slug, r.tenant_id, r.id FROM (SELECT tenant_id, id,
		row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n FROM strata.records
		WHERE collection = 'items') r JOIN strata.tenants t ON t.id = r.tenant_id
		WHERE r.n <= $SAMPLE AND t.slug LIKE 'b%' ORDER BY t.slug, r.n" >"$OUT/sample.txt"
	awk -v base="$BASE" -v max="$max" '
		FNR == NR { own[$1] = $3; mem[$1] = $4; next }
		($1 in own) {
			if (!($1 in seen)) { seen[$1] = 1; k++ }
			if (max > 0 && k > max) next
			print $1 "." base, $2, own[$1], $3
			print $1 "." base, $2, mem[$1], $3
		}' <(cat "$VAR"/seed/b*) "$OUT/sample.txt" >"$file"
	[ -s "$file" ] || die "no data for $file"
}

# --- the ceilings: a second nginx with the same TLS in front of the floor
# responder and a static file ------------------------------------------
start_ceilings() {
	mkdir -p "$VAR/ceil/tmp" "$VAR/ceil/www"
	head -c 200 /dev/zero | tr '\0' 'x' >"$VAR/ceil/www/static.txt"
	local user_line=""
	[ "$(id -u)" -eq 0 ] && user_line="user www-data;"
	cat >"$VAR/ceil/nginx.conf" <<EOF
$user_line
worker_processes auto;
pid $VAR/ceil/nginx.pid;
error_log $VAR/log/ceil-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	server_tokens off;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	sendfile on;
	client_body_temp_path $VAR/ceil/tmp/body;
	fastcgi_temp_path $VAR/ceil/tmp/fastcgi;
	proxy_temp_path $VAR/ceil/tmp/proxy;
	uwsgi_temp_path $VAR/ceil/tmp/uwsgi;
	scgi_temp_path $VAR/ceil/tmp/scgi;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_session_cache shared:ceil_tls:10m;
	ssl_certificate $VAR/tls/cert.pem;
	ssl_certificate_key $VAR/tls/key.pem;
	server {
		listen 127.0.0.1:$CEIL_PORT ssl;
		server_name _;
		root $VAR/ceil/www;
		location = /static.txt { }
		location = /floor {
			fastcgi_pass unix:$VAR/run/floor.sock;
			fastcgi_keep_conn off;
			fastcgi_param QUERY_STRING \$query_string;
			fastcgi_param REQUEST_METHOD \$request_method;
		}
	}
}
EOF
	FLOOR_DB="host=$VAR/pg/run port=$PG_PORT dbname=strata user=strata_app password=$APP_PW" \
		setsid "$ROOT/build/floor" "$VAR/run/floor.sock" "$WORKERS" >>"$VAR/log/floor.log" 2>&1 </dev/null &
	echo $! >"$VAR/run/floor.pid"
	for _ in $(seq 50); do [ -S "$VAR/run/floor.sock" ] && break; sleep 0.1; done
	nginx -e "$VAR/log/ceil-error.log" -p "$VAR/ceil" -c "$VAR/ceil/nginx.conf"
}

# --- running wrk -----------------------------------------------------------
# run NAME PORT SCRIPT DATA [ENV=V...]: one wrk run; prints its JSON.
run_wrk() {
	local name=$1 port=$2 script=$3 data=$4 d=${DUR} conns=${RUN_CONNS:-$CONNS} threads=2
	shift 4
	local out
	out=$(env BENCH_LUA="$LOAD" BENCH_DATA="$data" "$@" \
		wrk -t"$threads" -c"$conns" -d"${d}s" --latency -s "$LOAD/$script" \
		"https://127.0.0.1:$port" 2>&1) || { log "wrk failed for $name: $out"; return 1; }
	sed -n 's/^BENCH_JSON //p' <<<"$out"
}

worker_rss_kb() { # sum of the workers' RSS
	local master
	master=$(cat "$VAR/run/strata.pid")
	pgrep -P "$master" | while read -r p; do awk '/^VmRSS/ {print $2}' "/proc/$p/status"; done |
		awk '{s += $1; n++} END {printf "%d %d\n", s, n}'
}
served() { # requests counted in /metrics
	curl -s --cacert "$CA" --resolve "$BASE:$HTTPS_PORT:127.0.0.1" "https://$BASE:$HTTPS_PORT/metrics" |
		awk '/^strata_requests_total/ {s += $2} END {printf "%d\n", s}'
}

median() { jq -s 'sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end'; }

# summarize NAME: the median rps, p50 and p99 of $OUT/runs/NAME.*.json
summarize() {
	local f=("$OUT/runs/$1".*.json)
	jq -n --argjson rps "$(jq .rps "${f[@]}" | median)" \
		--argjson p50 "$(jq .p50_ms "${f[@]}" | median)" \
		--argjson p99 "$(jq .p99_ms "${f[@]}" | median)" \
		--argjson non2xx "$(jq -s 'map(.non2xx) | add' "${f[@]}")" \
		--argjson errors "$(jq -s 'map(.socket_errors) | add' "${f[@]}")" \
		--argjson runs "$(jq -s 'map(.rps)' "${f[@]}")" \
		'{rps: $rps, p50_ms: $p50, p99_ms: $p99, non2xx: $non2xx, socket_errors: $errors, runs: $runs}'
}

# --- noisy neighbour -----------------------------------------------------
noisy() { # ROUND
	local n=$1 a b
	for s in noisy-a noisy-b; do
		[ -f "$VAR/seed/$s" ] || {
			seed_tenant "$s" default
			psql_super -c "INSERT INTO strata.records (tenant_id, id, collection, data, schema_version)
				SELECT t.id, gen_random_uuid(), 'items', '{\"title\":\"x\"}', 1 FROM strata.tenants t
				CROSS JOIN generate_series(1, $SAMPLE) WHERE t.slug = '$s'" >/dev/null
			psql_super -F ' ' -c "SELECT '$s.$BASE', r.tenant_id, r.id FROM strata.records r
				JOIN strata.tenants t ON t.id = r.tenant_id WHERE t.slug = '$s'" |
				while read -r h tid rid; do
					read -r _ _ ot mt <"$VAR/seed/$s"
					echo "$h $tid $ot $rid"
					echo "$h $tid $mt $rid"
				done >"$OUT/$s.txt"
		}
	done
	# B alone: two connections, each pausing 20 ms between requests.
	b=$(RUN_CONNS=2 run_wrk noisy-b-alone "$HTTPS_PORT" get.lua "$OUT/noisy-b.txt" BENCH_DELAY_MS=20) || return 1
	echo "$b" >"$OUT/runs/noisy_b_alone.$n.json"
	sleep 1
	# A floods with every connection while B runs the same paced load.
	(run_wrk noisy-a "$HTTPS_PORT" get.lua "$OUT/noisy-a.txt" >"$OUT/runs/noisy_a.$n.json") &
	a=$!
	sleep 0.5
	b=$(RUN_CONNS=2 run_wrk noisy-b-flood "$HTTPS_PORT" get.lua "$OUT/noisy-b.txt" BENCH_DELAY_MS=20) || return 1
	echo "$b" >"$OUT/runs/noisy_b_flood.$n.json"
	wait "$a"
}

# --- the run -----------------------------------------------------------
seed_range 1 "$T"
write_data "$OUT/all.txt"
write_data "$OUT/mixed.txt" 100
# The hot set of get_cached: 64 (user, record) pairs, one per tenant where
# there are enough tenants (nginx lets each tenant host have only
# TENANT_CONN requests in flight).
awk -v k=$((2 * SAMPLE)) 'NR % k == 1 && n < 64 { print; n++ }' "$OUT/all.txt" >"$OUT/hot.txt"
[ "$(wc -l <"$OUT/hot.txt")" -ge 8 ] || awk 'NR <= 64' "$OUT/all.txt" >"$OUT/hot.txt"
start_ceilings
mkdir -p "$OUT/runs"

# Warm-up: every worker connects, prepares and caches.
run_wrk warmup "$HTTPS_PORT" get.lua "$OUT/all.txt" >/dev/null

SCENARIOS=(get get_cached list create mixed floor static)
scenario() { # NAME ROUND
	case $1 in
	get) run_wrk get "$HTTPS_PORT" get.lua "$OUT/all.txt" ;;
	get_cached) run_wrk get_cached "$HTTPS_PORT" get.lua "$OUT/hot.txt" BENCH_CACHED=1 ;;
	list) run_wrk list "$HTTPS_PORT" list.lua "$OUT/all.txt" ;;
	create) run_wrk create "$HTTPS_PORT" create.lua "$OUT/all.txt" ;;
	mixed) run_wrk mixed "$HTTPS_PORT" mixed.lua "$OUT/mixed.txt" ;;
	floor) run_wrk floor "$CEIL_PORT" floor.lua "$OUT/all.txt" ;;
	static) run_wrk static "$CEIL_PORT" static.lua "$OUT/all.txt" ;;
	esac
}
if [ "$SCALE" != 1 ]; then
	for n in $(seq "$RUNS"); do
		for s in "${SCENARIOS[@]}"; do
			log "round $n/$RUNS: $s"
			scenario "$s" "$n" >"$OUT/runs/$s.$n.json" || die "scenario $s failed"
		done
		# Worker memory once every path has run, then at the end: what
		# grows in between grows with requests.
		if [ "$n" = 1 ]; then
			read -r RSS_WARM NWORKERS <<<"$(worker_rss_kb)"
			SERVED_WARM=$(served)
		fi
		log "round $n/$RUNS: noisy neighbour"
		noisy "$n" || die "noisy-neighbour scenario failed"
	done
fi

read -r RSS_END _ <<<"$(worker_rss_kb)"
SERVED_END=$(served)

# --- bench-scale: get at 10 tenants, then at 10,000; RSS after 1M requests
if [ "$SCALE" = 1 ]; then
	read -r RSS_WARM NWORKERS <<<"$(worker_rss_kb)"
	SERVED_WARM=$(served)
	for n in $(seq "$RUNS"); do scenario get "$n" >"$OUT/runs/get_small.$n.json"; done
	seed_range $((T + 1)) "${BENCH_SCALE_TENANTS:-10000}"
	write_data "$OUT/all.txt"
	run_wrk warmup "$HTTPS_PORT" get.lua "$OUT/all.txt" >/dev/null
	for n in $(seq "$RUNS"); do scenario get "$n" >"$OUT/runs/get_large.$n.json"; done
	log "serving 1,000,000 requests for the RSS figure"
	while [ "$(served)" -lt 1000000 ]; do DUR=30 run_wrk long "$HTTPS_PORT" get.lua "$OUT/all.txt" >/dev/null; done
	read -r RSS_END _ <<<"$(worker_rss_kb)"
	SERVED_END=$(served)
	jq -n --argjson small "$(summarize get_small)" --argjson large "$(summarize get_large)" \
		--argjson rss "{\"after_first_kb\":$RSS_WARM,\"served_first\":$SERVED_WARM,\"after_kb\":$RSS_END,\"served\":$SERVED_END,\"workers\":$NWORKERS}" \
		'{get_10_tenants: $small, get_large: $large, p50_ratio: ($large.p50_ms / $small.p50_ms),
		  rss: ($rss + {growth: (($rss.after_kb - $rss.after_first_kb) / $rss.after_first_kb)})}' \
		>"$OUT/scale.json"
	cat "$OUT/scale.json"
	exit 0
fi

# --- results -------------------------------------------------------------
{
	echo "{"
	for s in "${SCENARIOS[@]}"; do echo "\"$s\": $(summarize "$s"),"; done
	echo "\"noisy_b_alone\": $(summarize noisy_b_alone),"
	echo "\"noisy_b_flood\": $(summarize noisy_b_flood),"
	echo "\"noisy_a\": $(summarize noisy_a)"
	echo "}"
} | jq --arg machine "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), $(uname -r)" \
	--argjson cfg "{\"tenants\":$T,\"records_per_tenant\":$R,\"runs\":$RUNS,\"duration_s\":$DUR,\"connections\":$CONNS,\"workers\":$WORKERS}" \
	--argjson rss "{\"after_first_kb\":$RSS_WARM,\"served_first\":$SERVED_WARM,\"after_kb\":$RSS_END,\"served\":$SERVED_END,\"workers\":$NWORKERS}" '
	def r(x; y): (x / y * 100 | round) / 100;
	. as $s |
	(reduce ("get", "get_cached", "list", "create", "mixed", "floor", "static") as $k ({};
		.[$k] = ($s[$k] | {rps, p50_ms, p99_ms, non2xx, socket_errors, runs}))) as $t |
	$t
	| .get.ratio = r($t.get.rps; $t.floor.rps) | .get.ratio_to = "floor"
	| .list.ratio = r($t.list.rps; $t.floor.rps) | .list.ratio_to = "floor"
	| .create.ratio = r($t.create.rps; $t.floor.rps) | .create.ratio_to = "floor"
	| .mixed.ratio = r($t.mixed.rps; $t.floor.rps) | .mixed.ratio_to = "floor"
	| .floor.ratio = r($t.floor.rps; $t.static.rps) | .floor.ratio_to = "static"
	| .get_cached.ratio = r($t.get_cached.rps; $t.static.rps) | .get_cached.ratio_to = "static"
	| .static.ratio = 1 | .static.ratio_to = "static"
	| .noisy = {b_p99_alone_ms: $s.noisy_b_alone.p99_ms, b_p99_flood_ms: $s.noisy_b_flood.p99_ms,
		ratio: r($s.noisy_b_flood.p99_ms; $s.noisy_b_alone.p99_ms),
		b_rps_alone: $s.noisy_b_alone.rps, b_rps_flood: $s.noisy_b_flood.rps,
		b_non2xx: ($s.noisy_b_alone.non2xx + $s.noisy_b_flood.non2xx),
		a_rps: $s.noisy_a.rps, a_non2xx: $s.noisy_a.non2xx}
	| .rss = ($rss + {growth: r($rss.after_kb - $rss.after_first_kb; $rss.after_first_kb)})
	| .machine = $machine | .config = $cfg' >"$RESULTS"

# The table.
jq -r '
	def f(x): if x == null then "-" else (x * 100 | round) / 100 | tostring end;
	"scenario      req/s     p50 ms   p99 ms   ratio          failed",
	(("get", "get_cached", "list", "create", "mixed", "floor", "static") as $k | .[$k] |
		"\($k)\(" " * (12 - ($k | length)))  \(.rps | round | tostring | (" " * (8 - length)) + .)   \(f(.p50_ms) | (" " * (6 - length)) + .)   \(f(.p99_ms) | (" " * (6 - length)) + .)   \(f(.ratio)) x \(.ratio_to)\(" " * (8 - (.ratio_to | length)))\(.non2xx + .socket_errors)"),
	"",
	"noisy neighbour: B p99 alone \(f(.noisy.b_p99_alone_ms)) ms, under A'"'"'s flood \(f(.noisy.b_p99_flood_ms)) ms (\(f(.noisy.ratio)) x); B non-2xx \(.noisy.b_non2xx); A \(.noisy.a_rps | round) req/s, \(.noisy.a_non2xx) answered 429",
	"worker RSS (\(.rss.workers) workers): \(.rss.after_first_kb) kB after \(.rss.served_first) requests, \(.rss.after_kb) kB after \(.rss.served) (\(f(.rss.growth * 100)) %)",
	"machine: \(.machine); \(.config.tenants) tenants x \(.config.records_per_tenant) records, median of \(.config.runs) x \(.config.duration_s) s, \(.config.connections) connections"
' "$RESULTS"

# Targets (reported, never a pass/fail of make test).
jq -r '
	def t(name; ok): "target \(name): \(if ok then "met" else "NOT met" end)";
	t("get >= 0.85 x floor"; .get.ratio >= 0.85),
	t("get_cached >= 0.6 x static"; .get_cached.ratio >= 0.6),
	t("create >= 0.3 x floor"; .create.ratio >= 0.3),
	t("noisy: B p99 under flood <= 2 x alone"; .noisy.ratio <= 2),
	t("noisy: A throttled with 429, B none"; .noisy.a_non2xx > 0 and .noisy.b_non2xx == 0)
' "$RESULTS"
log "results in ${RESULTS#"$ROOT"/}"

# A bench whose requests failed measured nothing: more than 1 % of
# failures in a scenario is an error.  (A few 429s are expected where many
# connections meet few tenants: each tenant may have only WORKERS - 1
# requests in flight.)
bad=$(jq -r '[("get", "get_cached", "list", "create", "mixed", "floor", "static") as $k
	| .[$k] | select((.non2xx + .socket_errors) > 0.01 * (.rps * $cfg.duration_s * $cfg.runs)) | $k]
	| join(" ")' --argjson cfg "$(jq .config "$RESULTS")" "$RESULTS")
[ -z "$bad" ] || die "too many failed requests in: $bad; see $VAR/log"

#!/usr/bin/env bash
# 11_request_path.sh - the request path under load that one tenant can
# make (issue 12, "Stack tests").  Each part says what it settles:
#
# 1. Sealer, many tenants: failed logins at 20 fresh (self-service)
#    tenants within about a second, then a bounded wait (20 s) past the
#    seal horizon (AUDIT_HORIZON=1 here).  The background sealer must chain
#    every event of all 20 tenants (counted in SQL, before any verify call,
#    because GET /v1/audit/verify seals on its own), no worker may crash
#    (strata_worker_crashes_total unchanged), and each tenant's verify says
#    valid with nothing unsealed.
# 2. A PUT /v1/collections/{c} that newly indexes 45 fields (47 of the 100
#    allowed): 200 with the whole definition, a read-back with all 45
#    indexed, a record using them is accepted (201) and found by a filter
#    on one, and the next ~20 requests, some concurrent so both workers
#    serve them, are all answered correctly (no 5xx, no stale definition),
#    and PostgreSQL never sees a BEGIN inside a transaction that the PUT
#    left open (its "already a transaction in progress" warning).
# 3. GET /v1/export of 50,000 records (inserted in SQL as the owner role,
#    the tenant's record counter kept in step): 200, valid JSON, every
#    record in it, and a tenant.export event in the audit trail; a few of
#    the records read back normally through the API.
# 4. GET /v1/audit/verify over 100,000 events (inserted and chained in SQL
#    exactly as the sealer chains them; the test first proves its SQL hash
#    equals the sealer's on the tenant's own sealed events): 200, valid.
# 5. 60 records of ~900 KB each (each body under the 1 MiB limit, created
#    through the API) listed with limit=200: 200, the first page holds fewer
#    than 60 items and a next_cursor, no page exceeds ~1 MiB plus one
#    record, the cursors yield all 60 exactly once, and no worker crashed.
# 6. A change of each kind - user disabled, role edited, session revoked
#    (logout), API key revoked - is seen by the very next requests on every
#    worker: both workers are warmed with the credential first, then ~10
#    requests (sequential and concurrent, checked in the log to have
#    reached both workers) must all be refused (401, or 403 for the role).
. "$(dirname "$0")/../lib.sh"

# The sizes of issue 12; smaller ones (environment) only to check the
# script itself against today's code.
NF=${RP_FIELDS:-45} NX=${RP_EXPORT:-50000} NE=${RP_EVENTS:-100000}
SFX=$(printf '%04x%04x' $((RANDOM)) $((RANDOM)))
PW_SIGNUP="signup-Secret-pass-1"
LOG=$VAR/log/strata.log
enc() { jq -rn --arg v "$1" '$v|@uri'; }
metric() {
	curl -s --cacert "$CA" "https://$BASE:$HTTPS_PORT/metrics" |
		awk -v m="$1" '$1 == m { print $2 }'
}
now_ms() { date +%s%3N; }
# PostgreSQL's warnings that a BEGIN arrived inside an open transaction:
# a request (or the sealer) started on a connection that an earlier
# request left in its transaction.
PGLOG=$VAR/log/postgres.log
open_tx() { grep -c 'there is already a transaction in progress' "$PGLOG"; }
# no_carried_tx MARK WHAT: none since MARK (after the worker's next idle
# pass, about a second, has had its chance to run a transaction too).
no_carried_tx() {
	sleep 1.2
	check "no connection carried a transaction out of $2 (postgres.log)" eq "$(($(open_tx) - $1))" 0
}

# signup SLUG: a self-service tenant; sets TOKEN (its owner's access
# token), TID, STATUS.
signup() {
	json POST apex /v1/signup "{\"slug\":\"$1\",\"name\":\"RP $1\",\"owner\":{\"email\":\"owner@$1.test\",\"password\":\"$PW_SIGNUP\",\"name\":\"Owner\"}}"
	TOKEN=$(jb .access_token)
	TID=$(jb .tenant.id)
}

# hit OUT METHOD HOST PATH TOKEN [curl args...]: the body in OUT and
# "status request-id" in OUT.s; safe to run in the background.
hit() {
	local out=$1 m=$2 host p=$4 tok=$5
	host=$(url_host "$3")
	shift 5
	curl -s -o "$out" -w '%{http_code} %header{x-request-id}\n' \
		--max-time 120 --cacert "$CA" \
		--resolve "$host:$HTTPS_PORT:127.0.0.1" \
		-H "Authorization: Bearer $tok" -X "$m" \
		"https://$host:$HTTPS_PORT$p" "$@" >"$out.s"
}

# seq_burst N HOST PATH TOKEN: N requests one after the other (one
# connection); par_burst: N at once (curl --parallel, one connection each,
# so nginx hands them to the workers together).  Both print one
# "status request-id" line per request.
seq_burst() {
	local host args=() i
	host=$(url_host "$2")
	for i in $(seq "$1"); do args+=(-o /dev/null "https://$host:$HTTPS_PORT$3"); done
	curl -s --max-time 60 --cacert "$CA" --resolve "$host:$HTTPS_PORT:127.0.0.1" \
		-H "Authorization: Bearer $4" -w '%{http_code} %header{x-request-id}\n' "${args[@]}"
}
par_burst() {
	local host args=() i
	host=$(url_host "$2")
	for i in $(seq "$1"); do args+=(-o /dev/null "https://$host:$HTTPS_PORT$3"); done
	curl -s -Z --parallel-immediate --parallel-max "$1" --http1.1 --max-time 60 \
		--cacert "$CA" --resolve "$host:$HTTPS_PORT:127.0.0.1" \
		-H "Authorization: Bearer $4" -w '%{http_code} %header{x-request-id}\n' "${args[@]}" 2>/dev/null
}
# burst HOST PATH TOKEN TAG: 4 sequential and 6 concurrent requests, and
# up to 4 more concurrent rounds of 6 until both workers have served some;
# every "status request-id" line in $TMPD/TAG.
burst() {
	seq_burst 4 "$1" "$2" "$3" >"$TMPD/$4"
	par_burst 6 "$1" "$2" "$3" >>"$TMPD/$4"
	# An idle worker may take every connection (epoll wakes one); more
	# bursts, as wide as nginx lets one client be in flight at a tenant
	# (TENANT_CONN), keep one busy while the other accepts.
	for _ in $(seq 12); do
		[ "$(pids "$4")" -ge "$WORKERS" ] && break
		par_burst "${TENANT_CONN:-8}" "$1" "$2" "$3" >>"$TMPD/$4"
	done
}
codes() { awk '{print $1}' "$TMPD/$1" | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}'; }
# pids TAG: the worker pids that served the requests of a burst (from the
# access log lines, which carry the request id and the pid).
pids() {
	local ids want
	want=$(grep -c . "$TMPD/$1")
	ids=$(awk '{print $2}' "$TMPD/$1" | paste -sd'|')
	for _ in $(seq 30); do
		[ "$(grep -E -c "\"request_id\":\"($ids)\"" "$LOG")" -ge "$want" ] && break
		sleep 0.1
	done
	grep -E "\"request_id\":\"($ids)\"" "$LOG" | jq -r .pid | sort -u | grep -c .
}

CRASHES0=$(metric strata_worker_crashes_total)

# ---------------------------------------------------------------------
# 1. Failed logins at 20 fresh tenants, then the sealer.
T1=()
T1_TOK=()
T1_ID=()
for i in $(seq -w 1 20); do
	signup "rp$SFX-s$i"
	[ "$STATUS" = 201 ] || echo "#   signup rp$SFX-s$i: $STATUS ${BODY:0:200}"
	T1+=("rp$SFX-s$i")
	T1_TOK+=("$TOKEN")
	T1_ID+=("$TID")
done
check "20 tenants signed up" eq "$(printf '%s\n' "${T1_ID[@]}" | grep -c '^[0-9a-f-]\{36\}$')" 20
crashes=$(metric strata_worker_crashes_total)
# All 20 from one curl (--parallel, one connection each): as close
# together as the two workers can take them.
args=()
for i in "${!T1[@]}"; do
	s=${T1[$i]}
	[ "$i" -gt 0 ] && args+=(--next)
	args+=(-s -o /dev/null -w '%{http_code}\n' --http1.1 --max-time 60
		--cacert "$CA" --resolve "$s.$BASE:$HTTPS_PORT:127.0.0.1"
		-H "Content-Type: application/json"
		--data-binary "{\"email\":\"owner@$s.test\",\"password\":\"wrong-password-$i\"}"
		"https://$s.$BASE:$HTTPS_PORT/v1/auth/login")
done
t0=$(now_ms)
curl -Z --parallel-immediate --parallel-max 20 "${args[@]}" >"$TMPD/fl" 2>/dev/null
t1=$(now_ms)
echo "#   20 failed logins took $((t1 - t0)) ms"
check "a failed login at each of the 20 tenants is 401" eq "$(sort "$TMPD/fl" | uniq -c | tr -s ' ')" " 20 401"
ids_sql=$(printf "'%s'," "${T1_ID[@]}")
ids_sql=${ids_sql%,}
unsealed_sql="SELECT count(*) FROM strata.audit_events e WHERE e.tenant_id IN ($ids_sql) AND NOT EXISTS (SELECT 1 FROM strata.audit_links l WHERE l.tenant_id = e.tenant_id AND l.seq = e.seq)"
events_sql="SELECT count(*) FROM strata.audit_events e WHERE e.tenant_id IN ($ids_sql)"
left=-1
while [ $(($(now_ms) - t1)) -lt 20000 ]; do
	sleep 0.5
	left=$(psql_super -c "$unsealed_sql")
	[ "$left" = 0 ] && break
done
total=$(psql_super -c "$events_sql")
echo "#   $total events at the 20 tenants, $left unsealed after $((($(now_ms) - t1) / 1000)) s"
[ "$left" = 0 ] || echo "#   unsealed: $(psql_super -c "SELECT string_agg(a || ' x' || n, ', ') FROM (SELECT e.action || '/' || e.outcome AS a, count(*) AS n FROM strata.audit_events e WHERE e.tenant_id IN ($ids_sql) AND NOT EXISTS (SELECT 1 FROM strata.audit_links l WHERE l.tenant_id = e.tenant_id AND l.seq = e.seq) GROUP BY 1) x")"
check "the background sealer chains every event of the 20 tenants within 20 s" eq "$left" 0
check "the failed logins are among the events" eval '[ "$total" -ge 20 ]'
check "no worker crashed while sealing many tenants" eq "$(metric strata_worker_crashes_total)" "$crashes"
bad=""
for i in "${!T1[@]}"; do
	authed GET "${T1[$i]}" /v1/audit/verify "${T1_TOK[$i]}"
	got="$STATUS/$(jb .valid)/$(jb .unsealed)"
	[ "$got" = "200/true/0" ] || bad="$bad ${T1[$i]}:$got"
done
check "verify at each of the 20 tenants: 200, valid, nothing unsealed" eq "${bad# }" ""

# ---------------------------------------------------------------------
# 2. A PUT that newly indexes 45 fields.
signup "rp$SFX-wide"
W=rp$SFX-wide
WT=$TOKEN
json POST "$W" /v1/collections '{"name":"wide","fields":{"title":{"type":"string","required":true},"n":{"type":"integer"}}}' "$WT"
check "collection wide created with 2 fields" eq "$STATUS/$(jb .version)" "201/1"
types=(string integer number boolean datetime)
fields='"title":{"type":"string","required":true},"n":{"type":"integer"}'
data='"title":"wide one","n":1'
for i in $(seq -f %02g 1 "$NF"); do
	t=${types[$((10#$i % 5))]}
	fields="$fields,\"f$i\":{\"type\":\"$t\",\"indexed\":true}"
	case $t in
	string) v="\"s$i\"" ;;
	integer) v=$((10#$i * 10)) ;;
	number) v="$((10#$i)).5" ;;
	boolean) v=true ;;
	datetime) v="\"2026-01-$i""T00:00:00Z\"" ; [ "$((10#$i))" -gt 28 ] && v='"2026-02-01T00:00:00Z"' ;;
	esac
	data="$data,\"f$i\":$v"
done
DEF="{\"name\":\"wide\",\"fields\":{$fields}}"
indexed45='[.fields | to_entries[] | select(.key | startswith("f")) | select(.value.indexed == true)] | length'
crashes=$(metric strata_worker_crashes_total)
tx0=$(open_tx)
json PUT "$W" /v1/collections/wide "$DEF" "$WT"
check "PUT newly indexing $NF fields: 200 with the whole definition" eq "$STATUS/$(jb .version)/$(jb '.fields|length')/$(jb "$indexed45")" "200/2/$((NF + 2))/$NF"
echo "#   PUT answer: $STATUS, ETag $(header etag), $(header content-length) bytes: ${BODY:0:100}"
authed GET "$W" /v1/collections/wide "$WT"
check "read back: version 2, all $NF fields indexed" eq "$STATUS/$(jb .version)/$(jb '.fields|length')/$(jb "$indexed45")" "200/2/$((NF + 2))/$NF"
json POST "$W" /v1/collections/wide/records "{\"data\":{$data}}" "$WT"
WREC=$(jb .id)
check "a record using the new fields is accepted (201)" eq "$STATUS/$(jb .data.f05)" "201/s05"
[ "$STATUS" = 201 ] || echo "#   ${BODY:0:300}"
authed GET "$W" "/v1/collections/wide/records?filter%5Bf05%5D=s05" "$WT"
check "and found by a filter on a new indexed field" eq "$STATUS/$(jb '[.items[].id]|join(",")')" "200/$WREC"
# The next requests, on both workers: reads of the definition, the record
# and a filtered list, and writes using the new fields.
rm -f "$TMPD"/w.*
n=0
for path in /v1/collections/wide "/v1/collections/wide/records/$WREC" "/v1/collections/wide/records?filter%5Bf01%5D=10" "/v1/collections/wide/records?filter%5Bf05%5D=s05"; do
	for _ in 1 2; do n=$((n + 1)); hit "$TMPD/w.$n" GET "$W" "$path" "$WT"; done
	for _ in 1 2 3; do n=$((n + 1)); hit "$TMPD/w.$n" GET "$W" "$path" "$WT" & done
done
wait
for _ in 1 2 3 4; do
	n=$((n + 1))
	hit "$TMPD/w.$n" POST "$W" /v1/collections/wide/records "$WT" -H "Content-Type: application/json" --data-binary "{\"data\":{$data}}" &
done
wait
cat "$TMPD"/w.*.s >"$TMPD/wide"
bad="" nbad=0
for f in "$TMPD"/w.*.s; do
	b=${f%.s}
	s=$(awk '{print $1}' "$f")
	case $s in
	201) jq -e '.data.f05 == "s05"' "$b" >/dev/null || bad="$bad $s:$(head -c 120 "$b")" ;;
	200) jq -e '(.version == 2 and (.fields|length) == '$((NF + 2))') or .id == "'"$WREC"'" or (.items|length) >= 1' "$b" >/dev/null ||
		bad="$bad $s:$(head -c 120 "$b")" ;;
	*) bad="$bad $s:$(head -c 120 "$b")" ;;
	esac
done
nbad=$(grep -o ' [0-9][0-9][0-9]:{' <<<"$bad" | wc -l)
[ -n "$bad" ] && bad="$nbad wrong, e.g.${bad:0:400}"
check "the next $n requests ($(codes wide)) are all answered correctly" eq "${bad# }" ""
check "none of them is a 5xx" eval '! grep -q "^5" "$TMPD/wide"'
check "they reached both workers" eval '[ "$(pids wide)" -ge "$WORKERS" ]'
check "no worker crashed after the wide PUT" eq "$(metric strata_worker_crashes_total)" "$crashes"
no_carried_tx "$tx0" "the wide PUT"

# ---------------------------------------------------------------------
# 3. An export of 50,000 records.
signup "rp$SFX-exp"
X=rp$SFX-exp
XT=$TOKEN
XTID=$TID
authed GET "$X" /v1/me "$XT"
XOWNER=$(jb .user.id)
json POST "$X" /v1/collections '{"name":"bulk","fields":{"n":{"type":"integer"},"s":{"type":"string"}}}' "$XT"
check "collection bulk created" eq "$STATUS" 201
# Records as the workers write them (records_insert): schema_version is
# the collection's version, created_by the user id, no subject; the
# tenant's record count lives in 16 counter shards (any shard counts).
# As the superuser: on Citus a bulk INSERT ... SELECT goes through COPY,
# which a table under forced RLS refuses to its owner.
psql_super >/dev/null <<SQL
BEGIN;
SET LOCAL strata.tenant_id = '$XTID';
INSERT INTO strata.records (tenant_id, id, collection, data, schema_version, created_by)
SELECT '$XTID', gen_random_uuid(), 'bulk',
       jsonb_build_object('n', g, 's', 'row ' || g), 1, '$XOWNER'
FROM generate_series(1, $NX) g;
INSERT INTO strata.tenant_counters AS c (tenant_id, shard, records)
VALUES ('$XTID', 0, $NX)
ON CONFLICT (tenant_id, shard) DO UPDATE SET records = c.records + excluded.records;
COMMIT;
SQL
psql_owner -c "ANALYZE strata.records, strata.tenant_counters" >/dev/null
stored=$(psql_super -c "SELECT count(*) FROM strata.records WHERE tenant_id = '$XTID'")
check "$NX records stored by SQL" eq "$stored" "$NX"
authed GET "$X" /v1/usage "$XT"
check "the usage counter agrees" eq "$(jb .records)" "$NX"
t0=$(now_ms)
tx0=$(open_tx)
hit "$TMPD/export" GET "$X" /v1/export "$XT"
read -r xs _ <"$TMPD/export.s"
echo "#   export: status $xs, $(wc -c <"$TMPD/export") bytes in $(($(now_ms) - t0)) ms"
check "the export of $NX records is 200" eq "$xs" 200
check "it is valid JSON" eval 'jq -e "type == \"object\"" "$TMPD/export" >/dev/null'
check "it holds every record" eq "$(jq '.records|length' "$TMPD/export" 2>/dev/null)" "$stored"
check "each exactly once" eq "$(jq '[.records[].id]|unique|length' "$TMPD/export" 2>/dev/null)" "$stored"
authed GET "$X" "/v1/audit?action=tenant.export" "$XT"
check "the export is audited" eq "$STATUS/$(jb '[.items[]|select(.outcome=="success")]|length')/$(jb '.items[0].details.records')" "200/1/$stored"
bad=""
while read -r id n; do
	authed GET "$X" "/v1/collections/bulk/records/$id" "$XT"
	[ "$STATUS/$(jb .data.n)/$(jb .version)" = "200/$n/1" ] || bad="$bad $id:$STATUS"
done < <(psql_super -F ' ' -c "SELECT id, (data->>'n') FROM strata.records WHERE tenant_id = '$XTID' AND (data->>'n')::int IN (1, $((NX / 2)), $NX)")
check "records inserted by SQL read back through the API" eq "${bad# }" ""
authed GET "$X" "/v1/collections/bulk/records?limit=5" "$XT"
check "and list" eq "$STATUS/$(jb '.items|length')" "200/5"
no_carried_tx "$tx0" "the export"

# ---------------------------------------------------------------------
# 4. Verify over 100,000 events.
signup "rp$SFX-aud"
A=rp$SFX-aud
AT=$TOKEN
ATID=$TID
json POST "$A" /v1/collections '{"name":"notes","fields":{"t":{"type":"string"}}}' "$AT"
json POST "$A" /v1/collections/notes/records '{"data":{"t":"a \"quoted\" ü"}}' "$AT"
sleep 1.2
authed GET "$A" /v1/audit/verify "$AT"
check "the new tenant's own chain verifies" eq "$STATUS/$(jb .valid)/$(jb .unsealed)" "200/true/0"
# The sealer's chain (lib/data/audit.c): link n holds hash_n =
# SHA-256(hash_{n-1} || canonical(event)), hash_0 = 32 zero bytes, and
# canonical is "<byte length>:<text>;" for each of seq, at in epoch
# microseconds, actor_type, actor_id, action, target_type, target_id,
# outcome, request_id, client_addr, details::text.
CANON="octet_length(e.seq::text) || ':' || e.seq::text || ';' ||
 octet_length(((extract(epoch FROM e.at) * 1000000)::bigint)::text) || ':' || ((extract(epoch FROM e.at) * 1000000)::bigint)::text || ';' ||
 octet_length(e.actor_type) || ':' || e.actor_type || ';' ||
 octet_length(e.actor_id) || ':' || e.actor_id || ';' ||
 octet_length(e.action) || ':' || e.action || ';' ||
 octet_length(e.target_type) || ':' || e.target_type || ';' ||
 octet_length(e.target_id) || ':' || e.target_id || ';' ||
 octet_length(e.outcome) || ':' || e.outcome || ';' ||
 octet_length(e.request_id) || ':' || e.request_id || ';' ||
 octet_length(e.client_addr) || ':' || e.client_addr || ';' ||
 octet_length(e.details::text) || ':' || e.details::text || ';'"
same=$(psql_super -c "SELECT count(*) FILTER (WHERE l.hash = sha256(l.prev_hash || convert_to($CANON, 'UTF8'))) || '/' || count(*) FROM strata.audit_links l JOIN strata.audit_events e ON e.tenant_id = l.tenant_id AND e.seq = l.seq WHERE l.tenant_id = '$ATID' AND l.kind = 'event'")
check "the test's SQL hash equals the sealer's on every sealed event ($same)" eval '[ "${same%/*}" = "${same#*/}" ] && [ "${same#*/}" -ge 2 ]'
t0=$(now_ms)
# As the superuser: on Citus a bulk INSERT ... SELECT goes through COPY,
# which a table under forced RLS refuses to its owner.
psql_super >/dev/null <<SQL
BEGIN;
SET LOCAL strata.tenant_id = '$ATID';
SELECT pg_advisory_xact_lock(hashtextextended('audit-seal:' || '$ATID', 0));
INSERT INTO strata.audit_events (tenant_id, at, actor_type, actor_id, action, target_type, target_id, outcome, details)
SELECT '$ATID', now() - interval '10 minutes', 'system', '', 'bulk.test', 'record', g::text, 'success', jsonb_build_object('n', g)
FROM generate_series(1, $NE) g;
DO \$\$
DECLARE
	t uuid := '$ATID';
	n bigint := 0;
	prev bytea := '\\x0000000000000000000000000000000000000000000000000000000000000000';
	last bigint := 0;
	ns bigint[] := '{}';
	ss bigint[] := '{}';
	ps bytea[] := '{}';
	hs bytea[] := '{}';
	h bytea;
	r record;
BEGIN
	SELECT l.link_no, l.hash INTO n, prev FROM strata.audit_links l
	WHERE l.tenant_id = t ORDER BY l.link_no DESC LIMIT 1;
	SELECT coalesce(greatest(max(l.seq), max(l.purged_through)), 0) INTO last
	FROM strata.audit_links l WHERE l.tenant_id = t;
	IF n IS NULL THEN
		n := 0;
		prev := '\\x0000000000000000000000000000000000000000000000000000000000000000';
	END IF;
	FOR r IN SELECT e.seq, convert_to($CANON, 'UTF8') AS c
	         FROM strata.audit_events e WHERE e.tenant_id = t AND e.seq > last
	         ORDER BY e.seq LOOP
		h := sha256(prev || r.c);
		n := n + 1;
		ns := ns || n;
		ss := ss || r.seq;
		ps := ps || prev;
		hs := hs || h;
		prev := h;
	END LOOP;
	INSERT INTO strata.audit_links (tenant_id, link_no, kind, seq, prev_hash, hash)
	SELECT t, u.n, 'event', u.s, u.p, u.h FROM unnest(ns, ss, ps, hs) AS u(n, s, p, h);
END
\$\$;
COMMIT;
SQL
# As autovacuum would after such growth: the planner sees the new rows.
psql_owner -c "ANALYZE strata.audit_events, strata.audit_links" >/dev/null
links=$(psql_super -c "SELECT count(*) FROM strata.audit_links WHERE tenant_id = '$ATID'")
echo "#   $NE events inserted and chained in $(($(now_ms) - t0)) ms ($links links)"
check "$NE more events are chained" eval '[ "$links" -gt "$NE" ]'
t0=$(now_ms)
tx0=$(open_tx)
hit "$TMPD/verify" GET "$A" /v1/audit/verify "$AT"
read -r vs _ <"$TMPD/verify.s"
echo "#   verify: status $vs in $(($(now_ms) - t0)) ms: $(head -c 300 "$TMPD/verify")"
check "verify over $NE events is 200 and valid, covering them all" eq "$vs/$(jq -r '.valid' "$TMPD/verify" 2>/dev/null)/$(jq -r '.events' "$TMPD/verify" 2>/dev/null)" "200/true/$links"
authed GET "$A" /v1/collections/notes "$AT"
check "the next request at that tenant is answered" eq "$STATUS" 200
no_carried_tx "$tx0" "the long verify"

# ---------------------------------------------------------------------
# 5. 60 records of ~900 KB listed with limit=200.
signup "rp$SFX-big"
B=rp$SFX-big
BT=$TOKEN
json POST "$B" /v1/collections '{"name":"blobs","fields":{"i":{"type":"integer"},"blob":{"type":"string"}}}' "$BT"
check "collection blobs created" eq "$STATUS" 201
head -c 675000 /dev/urandom | base64 -w0 >"$TMPD/blob" # 900,000 characters
crashes=$(metric strata_worker_crashes_total)
for i in $(seq 1 60); do
	printf '{"data":{"i":%d,"blob":"%s"}}' "$i" "$(cat "$TMPD/blob")" >"$TMPD/big.$i.json"
done
echo "#   record body: $(wc -c <"$TMPD/big.1.json") bytes"
for i in $(seq 1 60); do
	hit "$TMPD/bigc.$i" POST "$B" /v1/collections/blobs/records "$BT" \
		-H "Content-Type: application/json" --data-binary "@$TMPD/big.$i.json" &
	[ $((i % 4)) = 0 ] && wait
done
wait
check "60 records of ~900 KB created (201 each)" eq "$(cat "$TMPD"/bigc.*.s | awk '{print $1}' | sort | uniq -c | tr -s ' ')" " 60 201"
RECSZ=$(jq -c . "$TMPD/bigc.1" | wc -c)
CAP=$((1048576 + RECSZ + 4096))
hit "$TMPD/page1" GET "$B" "/v1/collections/blobs/records?limit=200" "$BT"
read -r ps _ <"$TMPD/page1.s"
echo "#   first page: status $ps, $(wc -c <"$TMPD/page1") bytes, $(jq '.items|length' "$TMPD/page1" 2>/dev/null) items"
check "listing them with limit=200 is 200" eq "$ps" 200
check "the first page is cut by size: fewer than 60 items and a next_cursor" \
	eval '[ "$(jq ".items|length" "$TMPD/page1")" -lt 60 ] && [ "$(jq -r ".next_cursor // empty" "$TMPD/page1")" != "" ]'
: >"$TMPD/big.ids"
pages=0 over=0 fails=""
page=$TMPD/page1
while [ "$pages" -lt 80 ]; do
	read -r ps _ <"$page.s"
	[ "$ps" = 200 ] || { fails="page $((pages + 1)): $ps"; break; }
	pages=$((pages + 1))
	[ "$(wc -c <"$page")" -le "$CAP" ] || over=$((over + 1))
	jq -r '.items[].id' "$page" >>"$TMPD/big.ids"
	cur=$(jq -r '.next_cursor // empty' "$page")
	[ -n "$cur" ] || break
	hit "$TMPD/pageN" GET "$B" "/v1/collections/blobs/records?limit=200&cursor=$(enc "$cur")" "$BT"
	page=$TMPD/pageN
done
echo "#   $pages pages, $(wc -l <"$TMPD/big.ids") items ${fails:+($fails)}"
check "every page is 200" eq "$fails" ""
check "no page is over ~1 MiB plus one record" eq "$over" 0
check "the cursors yield all 60 records exactly once" eq "$(wc -l <"$TMPD/big.ids")/$(sort -u "$TMPD/big.ids" | wc -l)" "60/60"
check "no worker crashed listing big records" eq "$(metric strata_worker_crashes_total)" "$crashes"

# ---------------------------------------------------------------------
# 6. Auth changes seen by the next request on every worker.
signup "rp$SFX-auth"
U=rp$SFX-auth
UT=$TOKEN
crashes=$(metric strata_worker_crashes_total)
json POST "$U" /v1/roles '{"name":"lister","permissions":["records:read","users:read"]}' "$UT"
check "role lister created" eq "$STATUS" 201
mk_user "$U" "$UT" "dis@$U.test" member
DIS_ID=$NEW_ID
mk_user "$U" "$UT" "lis@$U.test" lister
mk_user "$U" "$UT" "ses@$U.test" member
login "$U" "dis@$U.test" "$PW_USER"
DIS=$TOKEN
login "$U" "lis@$U.test" "$PW_USER"
LIS=$TOKEN
login "$U" "ses@$U.test" "$PW_USER"
SES=$TOKEN
SES_RT=$(jq -r .refresh_token <<<"$LOGIN_BODY")
json POST "$U" /v1/api-keys '{"name":"k","permissions":["records:read"]}' "$UT"
KEY=$(jb .key)
KEY_ID=$(jb .id)

# change NAME PATH TOKEN EXPECTED: warm both workers, run the change (the
# command after --), then every one of the next requests (10 or more) must
# answer EXPECTED, and both workers must have served some of them.
change() {
	local name=$1 path=$2 tok=$3 want=$4
	shift 5
	burst "$U" "$path" "$tok" warm
	check "$name: warm-up requests succeed on both workers ($(codes warm))" \
		eval '[ "$(awk "\$1 != 200" "$TMPD/warm" | wc -l)" = 0 ] && [ "$(pids warm)" -ge "$WORKERS" ]'
	"$@"
	burst "$U" "$path" "$tok" after
	check "$name: every next request is $want ($(codes after))" eq "$(awk '{print $1}' "$TMPD/after" | sort -u | paste -sd' ')" "$want"
	check "$name: those requests reached both workers" eval '[ "$(pids after)" -ge "$WORKERS" ]'
}
disable() {
	json PATCH "$U" "/v1/users/$DIS_ID" '{"status":"disabled"}' "$UT"
	check "user disabled (200)" eq "$STATUS/$(jb .status)" "200/disabled"
}
edit_role() {
	json PATCH "$U" /v1/roles/lister '{"permissions":["records:read"]}' "$UT"
	check "role lister loses users:read (200)" eq "$STATUS" 200
}
logout() {
	json POST "$U" /v1/auth/logout "{\"refresh_token\":\"$SES_RT\"}" "$SES"
	check "logout (204)" eq "$STATUS" 204
}
revoke() {
	req DELETE "$U" "/v1/api-keys/$KEY_ID" -H "Authorization: Bearer $UT"
	check "API key revoked (204)" eq "$STATUS" 204
}
change "user disabled" /v1/me "$DIS" 401 -- disable
change "role edited" /v1/users "$LIS" 403 -- edit_role
change "session revoked" /v1/me "$SES" 401 -- logout
change "API key revoked" /v1/me "$KEY" 401 -- revoke
check "no worker crashed during the auth changes" eq "$(metric strata_worker_crashes_total)" "$crashes"
check "no worker crashed during the whole script" eq "$(metric strata_worker_crashes_total)" "$CRASHES0"
finish

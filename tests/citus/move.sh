#!/usr/bin/env bash
# move.sh - `strata tenant isolate` and `strata tenant place` on the Citus
# cluster in VAR (tests/citus/run.sh) while a writer creates records for
# the tenant through the API (about 200 a second), a reader reads them and
# another tenant is read as well.  Checks: every 201's id is readable
# afterwards (no acknowledged write lost); any error is a 503 with
# Retry-After; the other tenant saw no error.  Reported, never asserted:
# each operation's duration, the window in which the writer saw errors,
# and the longest request of each load (how long writes waited).
. "$(dirname "$0")/../lib.sh"

mk_tenant mv-a
mk_tenant mv-b
login mv-a owner@mv-a.test "$PW_OWNER"
A=$TOKEN
login mv-b owner@mv-b.test "$PW_OWNER"
B=$TOKEN
COLL='{"name":"notes","fields":{"title":{"type":"string","indexed":true},"n":{"type":"integer","indexed":true}}}'
json POST mv-a /v1/collections "$COLL" "$A"
json POST mv-b /v1/collections "$COLL" "$B"
json POST mv-b /v1/collections/notes/records '{"data":{"title":"b","n":1}}' "$B"
B_ID=$(jb .id)
json POST mv-a /v1/collections/notes/records '{"data":{"title":"a","n":0}}' "$A"
A_ID=$(jb .id)

URL=https://127.0.0.1:$HTTPS_PORT
# load NAME TENANT TOKEN METHOD PATH CONNECTIONS SECONDS: wrk in the
# background, its answers in $TMPD/NAME.*, its summary in $TMPD/NAME.out.
load() {
	local extra=()
	[ "$4" = POST ] && extra=(-H "Content-Type: application/json")
	OUT=$TMPD/$1 METHOD=$4 DELAY_MS=${DELAY:-20} wrk -t 1 -c "$6" -d "$7s" --latency \
		-s "$ROOT/tests/citus/load.lua" -H "Host: $2.$BASE" \
		-H "Authorization: Bearer $3" "${extra[@]}" "$URL$5" >"$TMPD/$1.out" 2>&1 &
}
move_window() { # the seconds between the writer's first and last error
	cat "$TMPD"/writer.[0-9]* | awk '$2 !~ /^2/ { if (!f) f = $1; l = $1 } END { print (f ? l - f + 1 : 0) }'
}

shards_of() { # PORT ARGS...: psql_worker with the shards visible
	PGOPTIONS="-c citus.override_table_visibility=off" psql_worker "$@"
}
# where_lost WHAT T0 T1: for acknowledged ids missing after WHAT, when
# each was answered against the operation's span, and which of the
# workers' record shards hold them (a moved shard's source is kept while
# the drills run: citus.defer_shard_delete_interval is -1 until the end).
where_lost() {
	local ids port rel
	ids=$(paste -sd, "$TMPD/$1.lost")
	echo "# $1: the lost ids' answers (the operation ran from $(printf %.0f "$2") to $(printf %.0f "$3")):"
	grep -F -f "$TMPD/$1.lost" "$TMPD/$1.writes" | sed 's/^/#   /'
	for port in "$CITUS_W1_PORT" "$CITUS_W2_PORT"; do
		for rel in $(shards_of "$port" -c "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'strata' AND c.relname ~ '^records_[0-9]+\$'"); do
			echo "#   :$port $rel holds $(shards_of "$port" -c "SELECT count(*) FROM strata.$rel WHERE id = ANY (string_to_array('$ids', ',')::uuid[])") of them"
		done
		echo "#   :$port prepared transactions: $(psql_worker "$port" -c "SELECT count(*) FROM pg_prepared_xacts")"
	done
	echo "#   cleanup records on the coordinator: $(psql_super -c "SELECT count(*) FROM pg_dist_cleanup")"
}
keep_moved_shards() { # on|off
	if [ "$1" = on ]; then
		psql_super -c "ALTER SYSTEM SET citus.defer_shard_delete_interval = -1" -c "SELECT pg_reload_conf()" >/dev/null
	else
		psql_super -c "ALTER SYSTEM RESET citus.defer_shard_delete_interval" -c "SELECT pg_reload_conf()" >/dev/null
	fi
}

run_drill() { # WHAT COMMAND...
	local what=$1 t0 t1 pids
	shift
	rm -f "$TMPD"/writer.* "$TMPD"/reader.* "$TMPD"/other.*
	# Six connections (with the reader, under nginx's in-flight cap of a
	# tenant, TENANT_CONN 8), one create each every 50 ms at most: with
	# the reader's 50 a second, under the default plan's 200 (at 25 ms a
	# machine fast enough to keep up met the tenant's own rate limit, and
	# the drill counted 429s that say nothing about the move).
	DELAY=${MOVE_DELAY_MS:-50} load writer mv-a "$A" POST /v1/collections/notes/records "${MOVE_WRITERS:-6}" 40
	load reader mv-a "$A" GET "/v1/collections/notes/records/$A_ID" 1 40
	load other mv-b "$B" GET "/v1/collections/notes/records/$B_ID" 1 40
	pids=$(jobs -p)
	sleep 8
	t0=$(date +%s.%N)
	"$@" >"$TMPD/$what.json" 2>"$TMPD/$what.err"
	echo $? >"$TMPD/$what.rc"
	t1=$(date +%s.%N)
	# shellcheck disable=SC2086
	wait $pids
	check "$what: the command succeeded" eq "$(cat "$TMPD/$what.rc")/$(cat "$TMPD/$what.err")" "0/"
	echo "# $what: $(cat "$TMPD/$what.json"), took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	cat "$TMPD"/writer.[0-9]* >"$TMPD/$what.writes"
	local acked errs bad lost other_err
	acked=$(awk '$2 == 201 && $4 != "-" { print $4 }' "$TMPD/$what.writes" | sort -u)
	errs=$(awk '$2 !~ /^2/' "$TMPD/$what.writes" "$TMPD"/reader.[0-9]* | wc -l)
	bad=$(awk '$2 !~ /^2/ && !($2 == 503 && $3 != "-")' "$TMPD/$what.writes" "$TMPD"/reader.[0-9]* | awk '{ print $2 }' | sort | uniq -c | tr '\n' ' ')
	other_err=$(awk '$2 !~ /^2/' "$TMPD"/other.[0-9]* | wc -l)
	echo "# $what: writer $(wc -l <"$TMPD/$what.writes") answers in 40 s, $(wc -l <<<"$acked") created, $errs errors in a window of $(move_window) s; longest write $(awk '/Latency/ { print $4; exit }' "$TMPD/writer.out"), read $(awk '/Latency/ { print $4; exit }' "$TMPD/reader.out"), other tenant $(awk '/Latency/ { print $4; exit }' "$TMPD/other.out")"
	check "$what: the writer ran through the operation" test "$(wc -l <<<"$acked")" -gt 100
	check "$what: every 201 named its record" eq "$(awk '$2 == 201 && $4 == "-"' "$TMPD/$what.writes" | wc -l)" 0
	# Every acknowledged id, read back as the superuser (RLS aside).
	printf '%s\n' "$acked" | sort >"$TMPD/ids"
	psql_super -c "SELECT id FROM strata.records WHERE tenant_id = (SELECT id FROM strata.tenants WHERE slug = 'mv-a')" |
		sort >"$TMPD/present"
	comm -23 "$TMPD/ids" "$TMPD/present" >"$TMPD/$what.lost"
	lost=$(wc -l <"$TMPD/$what.lost")
	[ "$lost" -eq 0 ] || where_lost "$what" "$t0" "$t1"
	check "$what: no acknowledged write is lost" eq "$lost" 0
	check "$what: errors are only 503 with Retry-After" eq "$bad" ""
	check "$what: the other tenant saw no error" eq "$other_err" 0
}

# The ids are checked through the API as well, a few of them.
keep_moved_shards on
# Back to Citus's default however the drill ends (lib.sh's own EXIT trap
# removes TMPD).
trap 'keep_moved_shards off; rm -rf "$TMPD"' EXIT
run_drill isolate $STRATA tenant isolate mv-a
check "isolate: mv-a has a shard of its own" eq "$(jq -r .alone "$TMPD/isolate.json")" true
for id in $(awk '$2 == 201 && $4 != "-" { print $4 }' "$TMPD/isolate.writes" | shuf -n 5 --random-source=/dev/zero); do
	authed GET mv-a "/v1/collections/notes/records/$id" "$A"
	check "isolate: a record written during the move reads back" eq "$STATUS" 200
done
from=$(jq -r .node "$TMPD/isolate.json")
case $from in
*:$CITUS_W1_PORT) to=127.0.0.1:$CITUS_W2_PORT ;;
*) to=127.0.0.1:$CITUS_W1_PORT ;;
esac
run_drill place $STRATA tenant place mv-a --node "$to"
check "place: mv-a's shard is on $to" eq "$(jq -r .node "$TMPD/place.json")" "$to"
finish

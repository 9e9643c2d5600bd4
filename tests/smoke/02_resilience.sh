#!/usr/bin/env bash
# 02_resilience.sh - the process model and the database link: a killed
# worker is replaced, SIGHUP restarts workers one by one, workers recycle
# after max_requests, and a stopped database means 503 + Retry-After until
# it is back, with nothing restarted by hand.
. "$(dirname "$0")/../lib.sh"

# The enterprise template (on the enterprise plan, the one that offers
# it): a burst of 2000, so the load below measures the process model, not
# the tenant's rate limit.
# Its owner signs in: the load (GET /v1/me) is a signed-in client's,
# charged to the tenant (anonymous requests share only a quarter of its
# rate per address).
echo "$PW_OWNER" | $STRATA tenant create --slug res-one --name "Resilience" --template enterprise --plan enterprise \
	--owner-email owner@res-one.test >/dev/null
login res-one owner@res-one.test "$PW_OWNER"
master=$(cat "$VAR/run/strata.pid")
# Request workers are named "strata"; background processes "strata-<name>".
workers() { pgrep -x -P "$master" strata | sort | tr '\n' ' '; }
sealer() { pgrep -x -P "$master" strata-sealer; }
url="https://res-one.$BASE:$HTTPS_PORT/v1/me"

# load N: N requests over one connection, one status code per line.
load() {
	local args=()
	for _ in $(seq "$1"); do args+=(-o /dev/null "$url"); done
	curl -s --cacert "$CA" -H "Cache-Control: no-cache" \
		-H "Authorization: Bearer $TOKEN" -w '%{http_code}\n' "${args[@]}"
}
metric() {
	curl -s --cacert "$CA" "https://$BASE:$HTTPS_PORT/metrics" |
		awk -v m="$1" '$1 == m { print $2 }'
}

# A worker killed with SIGKILL under load.
before=$(workers)
crashes_before=$(metric strata_worker_crashes_total)
load 600 >"$TMPD/codes" &
loader=$!
sleep 0.3
victim=$(pgrep -x -P "$master" strata | head -1)
kill -9 "$victim"
wait "$loader"
failed=$(grep -vc '^200$' "$TMPD/codes")
check "600 requests while a worker is killed: at most 2 fail" eval '[ "$failed" -le 2 ] || { echo "#   $failed failed"; false; }'
sleep 0.5
check "the master replaced the killed worker" eval '[ "$(pgrep -x -P "$master" strata | wc -l)" -eq "$WORKERS" ] && ! pgrep -P "$master" | grep -qx "$victim"'
# counted_since N: the crash counter rose above N (polled for up to 3 s, and
# the values seen printed when it did not).
counted_since() {
	local now=
	for _ in $(seq 30); do
		now=$(metric strata_worker_crashes_total)
		[ "${now:-0}" -gt "${1:-0}" ] && return 0
		sleep 0.1
	done
	echo "#   strata_worker_crashes_total: before ${1:-none}, now ${now:-none}"
	curl -s --cacert "$CA" -o /dev/null -w '#   /metrics answered %{http_code}\n' "https://$BASE:$HTTPS_PORT/metrics"
	false
}
check "the crash is counted in metrics" counted_since "$crashes_before"
check "the master survives" kill -0 "$master"

# The audit sealer: one process beside the workers, restarted when killed.
s1=$(sealer)
check "one audit sealer runs beside the workers" eq "$(wc -w <<<"$s1")" 1
crashes_before=$(metric strata_worker_crashes_total)
kill -9 "$s1"
for _ in $(seq 30); do s2=$(sealer); [ -n "$s2" ] && [ "$s2" != "$s1" ] && break; sleep 0.1; done
check "the master restarted the killed sealer" eval '[ -n "$s2" ] && [ "$s2" != "$s1" ] && [ "$(wc -w <<<"$s2")" -eq 1 ]'
check "the sealer's crash is counted" counted_since "$crashes_before"

# Access lines of res-one's GET /v1/me (the log is buffered per worker).
access_lines() { grep '"msg":"request"' "$VAR/log/strata.log" | grep '"tenant":"res-one"' | grep -c '"method":"GET","route":"/v1/me"'; }

# Rolling restart on SIGHUP: every worker replaced, no request lost.
sleep 1.2
lines_before=$(access_lines)
before=$(workers)
load 800 >"$TMPD/codes" &
loader=$!
kill -HUP "$master"
for _ in $(seq 100); do
	now=$(workers)
	overlap=$(comm -12 <(tr ' ' '\n' <<<"$before" | grep . | sort) <(tr ' ' '\n' <<<"$now" | grep . | sort) | wc -l)
	[ "$overlap" -eq 0 ] && [ "$(wc -w <<<"$now")" -eq "$WORKERS" ] && break
	sleep 0.1
done
wait "$loader"
check "SIGHUP replaced every worker" eq "$overlap" 0
for _ in $(seq 30); do s3=$(sealer); [ -n "$s3" ] && [ "$s3" != "$s2" ] && break; sleep 0.1; done
check "SIGHUP replaced the sealer too" eval '[ -n "$s3" ] && [ "$s3" != "$s2" ]'
check "no request failed during the rolling restart" eq "$(grep -vc '^200$' "$TMPD/codes")" 0
sleep 1.2
check "workers stopped by SIGTERM wrote every access line first (800)" eq "$(($(access_lines) - lines_before))" 800

# Workers recycle after max_requests (300 in the test stack).
recycles_before=$(metric strata_worker_recycles_total)
lines_before=$(access_lines)
load $((MAX_REQUESTS * WORKERS + 50)) >"$TMPD/codes"
check "recycling loses no request" eq "$(grep -vc '^200$' "$TMPD/codes")" 0
sleep 1.2
check "recycled workers wrote every access line first" eq "$(($(access_lines) - lines_before))" $((MAX_REQUESTS * WORKERS + 50))
check "workers recycled after max_requests" eval '[ "$(metric strata_worker_recycles_total)" -gt "${recycles_before:-0}" ]'

# The database goes away and comes back.
"$ROOT/tests/stack/stack.sh" pg-stop "$VAR"
req GET apex /readyz
check "readyz is 503 while the database is down" is_problem 503 service_unavailable
check "503 carries Retry-After" eq "$(header retry-after)" 1
$STRATA tenant create --slug res-two --name X >/dev/null 2>&1
req GET res-one /healthz
check "healthz still 200 (the worker runs)" eq "$STATUS" 200
codes=$(load 20 | sort -u | tr '\n' ' ')
check "cached tenant facts still answer or 503, never 5xx crash" eval '[[ "$codes" =~ ^(200 |503 )+$ ]]'
"$ROOT/tests/stack/stack.sh" pg-start "$VAR"
start=$(date +%s%N)
back=0
for _ in $(seq 50); do
	req GET apex /readyz
	if [ "$STATUS" = 200 ]; then back=1; break; fi
	sleep 0.1
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "answers are 200 again within 5 s of the database's return (${ms} ms)" eq "$back" 1
# Workers that tried while it was down wait out their backoff (at most 1 s).
for _ in $(seq 25); do
	codes=$(load 20 | sort -u | tr '\n' ' ')
	[ "$codes" = "200 " ] && break
	sleep 0.2
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "every worker reconnected by itself within 5 s (${ms} ms)" eval '[ "$codes" = "200 " ] && [ "$ms" -le 5000 ]'
check "the master was never restarted" eq "$(cat "$VAR/run/strata.pid")" "$master"
finish

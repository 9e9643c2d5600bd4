#!/usr/bin/env bash
# 18_sandbox.sh - workers give up what they do not need (issue 13, item
# 15): every request worker and background process runs with
# no_new_privs and a seccomp filter; a call outside the allow-list kills
# the worker, the master logs SIGSYS and restarts it, and the service keeps
# answering; key material sits in pages marked dontdump.  The denied call
# comes from a hook that only the sanitizer build has (SIGUSR2 makes the
# worker call execve); the release binary is checked to have no such hook.
. "$(dirname "$0")/../lib.sh"

master=$(cat "$VAR/run/strata.pid")
workers() { pgrep -x -P "$master" strata | sort | tr '\n' ' '; }
log=$VAR/log/strata.log

# The scripts before this one used the stack with the filter on: none of
# their requests may have met a call outside the list.
check "no process was killed by the filter before this script" \
	eval '! grep -q "SIGSYS" "$log" || { grep -m3 SIGSYS "$log" | sed "s/^/#   /"; false; }'
check "no call outside the list was reported (seccomp = log)" \
	eval '! grep -q "outside the allow-list" "$log" || { grep -m3 "outside the allow-list" "$log" | sed "s/^/#   /"; false; }'

# status_of PID KEY: a field of /proc/PID/status.
status_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# Some traffic first: logins load tenant keyrings into the workers.
mk_tenant sbx-one
for _ in 1 2 3 4 5 6; do login sbx-one "owner@sbx-one.test" "$PW_OWNER"; done
check "a login works in the sandbox" status_is 200
authed GET sbx-one /v1/users "$TOKEN"
check "an authenticated read works in the sandbox" status_is 200

# Every process the master started: the workers and each background
# process (sealer, deliverer, stream, reporter, ...).
children=$(pgrep -P "$master" | tr '\n' ' ')
check "the master has workers and background processes" eval '[ "$(wc -w <<<"$children")" -gt "$(wc -w <<<"$(workers)")" ]'
for pid in $children; do
	name=$(cat "/proc/$pid/comm")
	check "$name $pid has NoNewPrivs: 1" eq "$(status_of "$pid" NoNewPrivs)" 1
	check "$name $pid has Seccomp: 2 (a filter)" eq "$(status_of "$pid" Seccomp)" 2
done

# secret_maps PID: "flags" of each strata-secret mapping, one per line.
secret_maps() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { s = ($0 ~ /memfd:strata-secret/) }
	     s && /^VmFlags:/ { print }' "/proc/$1/smaps"
}
# all_dontdump PID: at least MIN secret mappings, and each marked dd.
all_dontdump() {
	local maps n
	maps=$(secret_maps "$1")
	n=$(grep -c . <<<"$maps")
	if [ "$n" -lt "$2" ]; then
		echo "#   $n secret mappings in $1, expected at least $2"
		return 1
	fi
	if grep -v ' dd ' <<<"$maps" | grep -q .; then
		echo "#   a secret mapping of $1 is not dontdump: $(grep -v ' dd ' <<<"$maps" | head -1)"
		return 1
	fi
}
check "the master's key page is marked dontdump" all_dontdump "$master" 1
most=0
for pid in $(workers); do
	check "worker $pid keeps its keys only in dontdump pages" all_dontdump "$pid" 1
	n=$(secret_maps "$pid" | grep -c .)
	[ "$n" -gt "$most" ] && most=$n
done
# The master key, the cursor key and the tenant keyring cache: a worker
# that served the logins has more than the inherited master key.
check "a worker that signed tokens holds its keyring in secret pages" \
	eval '[ "$most" -ge 2 ] || { echo "#   at most $most secret mappings per worker"; false; }'

# A denied call: the worker dies of SIGSYS, the master says so and
# starts another, and the service never stops answering.
before=$(workers)
victim=$(awk '{ print $1 }' <<<"$before")
lines_before=$(grep -c "killed by signal 31" "$log")
# The signal goes first, to an idle worker: under load the victim could
# reach max_requests and recycle (a clean exit) before it is delivered.
kill -USR2 "$victim"
# Signed in (/v1/me): the tenant's bucket, not the quarter of it that one
# address gets without a credential, which 200 requests in under two
# seconds empty on a fast machine (429s that say nothing about the kill).
( for _ in $(seq 200); do
	curl -s -o /dev/null -w '%{http_code}\n' --cacert "$CA" \
		-H "Authorization: Bearer $TOKEN" "https://sbx-one.$BASE:$HTTPS_PORT/v1/me"
done ) >"$TMPD/codes" &
loader=$!
for _ in $(seq 50); do kill -0 "$victim" 2>/dev/null || break; sleep 0.1; done
check "the worker that made a denied call is gone" eval '! kill -0 "$victim" 2>/dev/null'
for _ in $(seq 50); do
	grep "killed by signal 31" "$log" | grep -q "worker $victim " && break
	sleep 0.1
done
check "the master logs the kill as SIGSYS from seccomp" \
	eval 'grep "killed by signal 31 (SIGSYS: seccomp" "$log" | grep -q "worker $victim "'
check "one kill is logged" eval '[ "$(grep -c "killed by signal 31" "$log")" -eq $((lines_before + 1)) ]'
for _ in $(seq 50); do
	now=$(workers)
	[ "$(wc -w <<<"$now")" -eq "$WORKERS" ] && ! grep -qw "$victim" <<<"$now" && break
	sleep 0.1
done
check "the master started a replacement worker" \
	eval '[ "$(wc -w <<<"$now")" -eq "$WORKERS" ] && ! grep -qw "$victim" <<<"$now"'
for pid in $now; do
	grep -qw "$pid" <<<"$before" && continue
	check "the replacement $pid is sandboxed too" eq "$(status_of "$pid" Seccomp)" 2
done
wait "$loader"
failed=$(grep -vc '^200$' "$TMPD/codes")
check "200 requests across the kill: at most 1 fails" \
	eval '[ "$failed" -le 1 ] || { echo "#   $failed failed"; false; }'
req GET sbx-one /v1/tenant
check "the service answers after the kill" status_is 200

# The hook exists only where it was compiled in: the sanitizer build has
# it (so this check can tell), the release binary must not.
check "the sanitizer build has the test-only hook" \
	eval 'nm "$ROOT/build/asan/strata" | grep -q on_test_violation'
check "the release binary has no way to trigger a denied call" \
	eval '[ -x "$ROOT/build/strata" ] && ! nm "$ROOT/build/strata" | grep -q on_test_violation'
finish

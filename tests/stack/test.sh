#!/usr/bin/env bash
# test.sh UNIT_BINARY... - everything `make test` runs after building the
# sanitizer flavour: the Check unit binaries, then a fresh stack under
# var/test on free ports (ASan/UBSan build of strata) and every script in
# tests/smoke/ and tests/isolation/ against it (the stack is always
# stopped), the console in headless Chromium (tests/browser/run.sh; with
# TESTS set only when BROWSER_IN_TESTS=1), each fuzz harness briefly
# (tests/fuzz/run.sh; with TESTS set only when FUZZ_IN_TESTS=1), the
# disaster-recovery and two-region drills (tests/dr/run.sh, tests/regions/
# run.sh; with TESTS set only when DR_IN_TESTS=1, REGIONS_IN_TESTS=1), then
# `make bench` on a tiny data set (BENCH_QUICK=1) and the Ansible
# deployment test (ansible/test-deploy.sh; DEPLOY_IN_TESTS=0 skips it).
# TESTS="tests/smoke/05_records.sh ..." runs only those stack scripts
# (TESTS=none: none, for make test-browser).  make test-citus
# (tests/citus/run.sh) runs too (CITUS_IN_TESTS=0 leaves it out), with
# TESTS set only when CITUS_IN_TESTS=1.
# Ends with one line "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
VAR=$ROOT/var/test
STACK=$ROOT/tests/stack/stack.sh

# shellcheck disable=SC1091
. "$ROOT/tests/stack/free_port.sh"

passed=0 failed=0

# 2. A fresh stack of our own.
"$STACK" down "$VAR" >/dev/null 2>&1
rm -rf "$VAR"
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
PG_PORT=$(free_port)
SMTP_PORT=$(free_port)
export HTTPS_PORT HTTP_PORT PG_PORT SMTP_PORT
export STRATA_BIN=$ROOT/build/asan/strata WORKERS=2 SEED=0 PG_FAST=1
export SCRYPT_LOG2N=${SCRYPT_LOG2N:-12} MAX_REQUESTS=${MAX_REQUESTS:-300}
export AUTH_RATE=${AUTH_RATE:-200r/s} AUTH_BURST=${AUTH_BURST:-400}
export SIGNUP_RATE=${SIGNUP_RATE:-50r/s} SIGNUP_BURST=${SIGNUP_BURST:-100}
export RATE_RPS=${RATE_RPS:-2000} RATE_BURST=${RATE_BURST:-4000}
export AUDIT_HORIZON=${AUDIT_HORIZON:-1}
# Webhook retries run their whole schedule in 30 s (20_webhooks.sh).
export WEBHOOK_TIMEOUT_MS=${WEBHOOK_TIMEOUT_MS:-1500}
export WEBHOOK_RETRY_WINDOW_S=${WEBHOOK_RETRY_WINDOW_S:-30}
# Mail retries likewise (the sink of stack.sh takes every mail).
export MAIL_RETRY_WINDOW_S=${MAIL_RETRY_WINDOW_S:-30}
trap '"$STACK" down "$VAR" >/dev/null 2>&1' EXIT
echo "== stack on https://*.strata.localhost:$HTTPS_PORT (var/test)"
stack_ok=1
"$STACK" up "$VAR" || stack_ok=0
# Where the stack's files are: var/test may link elsewhere (stack.sh), and
# the postgres user must be given a path it can follow.
VAR=$(realpath -m "$VAR")

# 1. Unit tests (those that need PostgreSQL use the stack's, as the app
# role: STRATA_TEST_DATABASE_URL).
if [ "$stack_ok" = 1 ]; then
	STRATA_TEST_DATABASE_URL=$(sed -n 's/^database_url = //p' "$VAR/strata.conf")
	export STRATA_TEST_DATABASE_URL
fi
unit_out=$(tests/stack/unit.sh "$@" 2>&1)
printf '%s\n' "$unit_out"
line=$(tail -1 <<<"$unit_out")
passed=$((passed + $(sed -nE 's/unit: ([0-9]+) passed.*/\1/p' <<<"$line")))
failed=$((failed + $(sed -nE 's/.* ([0-9]+) failed/\1/p' <<<"$line")))


if [ "$stack_ok" = 0 ]; then
	echo "stack: could not start; logs:"
	tail -20 "$VAR"/log/*.log 2>/dev/null
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi

# 3. Stack tests, each a bash script printing "ok - ..." / "not ok - ...".
export VAR ROOT
# TESTS="tests/smoke/08_config.sh ..." runs a selection (development).
for t in ${TESTS:-tests/smoke/*.sh tests/isolation/*.sh tests/final/*.sh}; do
	[ -f "$t" ] || continue
	echo "== $t"
	out=$(timeout 900 bash "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(not ok|ok|#)' | grep -vE '^ok' || true
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with $rc"
		printf '%s\n' "$out" | tail -20
		f=1
	fi
	echo "   $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
done

# 3b. The console in a real browser (tests/browser/run.sh: headless
# Chromium and Selenium, through nginx with TLS on the tenants' host names),
# with TESTS set only when BROWSER_IN_TESTS=1; one line and no check on a
# machine without Chromium.  Screenshots in var/test/screens.
if [ -z "${TESTS:-}" ] || [ "${BROWSER_IN_TESTS:-0}" = 1 ]; then
	echo "== tests/browser/run.sh"
	out=$(timeout 900 bash tests/browser/run.sh 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(not ok|#)' | grep -v '^#   (network)' || true
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - tests/browser/run.sh exited with $rc"
		printf '%s\n' "$out" | tail -20
		f=1
	fi
	echo "   $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
fi

# 4. Sanitizer reports from the server count as failures.
for f in "$VAR"/log/asan.* "$VAR"/log/ubsan.*; do
	[ -f "$f" ] || continue
	echo "not ok - sanitizer report $f"
	head -30 "$f"
	failed=$((failed + 1))
done
if grep -q "runtime error:" "$VAR/log/strata.log" 2>/dev/null; then
	echo "not ok - UBSan runtime error in strata.log"
	grep -m5 "runtime error:" "$VAR/log/strata.log"
	failed=$((failed + 1))
fi

# 4b. make fuzz briefly: each libFuzzer harness of tests/fuzz/ for
# FUZZ_TEST_SECONDS (18) seconds, one check each (about 3 minutes in all);
# one line and no check on a machine without clang and libFuzzer.
if [ -z "${TESTS:-}" ] || [ "${FUZZ_IN_TESTS:-0}" = 1 ]; then
	echo "== make fuzz (FUZZ_SECONDS=${FUZZ_TEST_SECONDS:-18} each)"
	out=$(FUZZ_SECONDS=${FUZZ_TEST_SECONDS:-18} FUZZ_VAR=$VAR/fuzz \
		tests/fuzz/run.sh 2>&1)
	printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
	passed=$((passed + $(grep -c '^ok ' <<<"$out")))
	failed=$((failed + $(grep -c '^not ok ' <<<"$out")))
fi

# drill SCRIPT TIMEOUT: a drill that starts what it needs (the sanitizer
# build, as every other part) and prints ok / not ok lines; its counts go
# to the totals, and a drill that fails without saying what counts once.
drill() {
	local out rc p f
	"$STACK" down "$VAR" >/dev/null 2>&1
	echo "== $1"
	out=$(STRATA_BIN=$ROOT/build/asan/strata timeout "$2" "$1" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(not ok|#)' || true
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $1 exited with $rc"
		printf '%s\n' "$out" | tail -20
		f=1
	fi
	echo "   $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
}

# 4c. The disaster-recovery drill (make test-dr, tests/dr/run.sh) on a
# two-node stack of its own, with TESTS set only when DR_IN_TESTS=1; one
# line and no check without patroni, etcd, pgbackrest.
if [ -z "${TESTS:-}" ] || [ "${DR_IN_TESTS:-0}" = 1 ]; then
	drill tests/dr/run.sh 900
fi

# 4d. The two-region drill (make test-regions, tests/regions/run.sh): two
# whole stacks in two network namespaces, with TESTS set only when
# REGIONS_IN_TESTS=1; one line and no check where ip netns is refused.
if [ -z "${TESTS:-}" ] || [ "${REGIONS_IN_TESTS:-0}" = 1 ]; then
	drill tests/regions/run.sh 1200
fi

# 4e. make test-citus: the same product on a Citus coordinator with two
# workers (tests/citus/run.sh; builds Citus once per machine).  Its checks
# count here; a machine without Citus or its source prints one line.  On
# by default (CITUS_IN_TESTS=0 leaves it out); with TESTS set only when
# CITUS_IN_TESTS=1.  The whole smoke and isolation suites run on the
# cluster, with the drills (about 20 minutes here); CITUS_SUITES=0 runs
# only the drills, CITUS_TESTS names the scripts to run.
if { [ -z "${TESTS:-}" ] && [ "${CITUS_IN_TESTS:-1}" != 0 ]; } ||
	[ "${CITUS_IN_TESTS:-}" = 1 ]; then
	"$STACK" down "$VAR" >/dev/null 2>&1
	echo "== make test-citus"
	out=$(CITUS_SUITES=${CITUS_SUITES:-1} CITUS_TESTS=${CITUS_TESTS:-} \
		timeout 3000 tests/citus/run.sh 2>&1)
	printf '%s\n' "$out" | grep -E '^(not ok|#|skip|==|   [0-9])'
	line=$(tail -1 <<<"$out")
	p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' <<<"$line")
	f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$line")
	if [ -z "$p" ]; then
		echo "not ok - tests/citus/run.sh did not finish"
		printf '%s\n' "$out" | tail -20
		p=0 f=1
	fi
	echo "   $p passed, $f failed (Citus)"
	passed=$((passed + p))
	failed=$((failed + f))
fi

# 5. make bench end to end on a tiny data set (its own stack, release
# build): it must seed, run every scenario and write results.json.  The
# figures themselves are never asserted here.
if [ -z "${TESTS:-}" ] || [ "${BENCH_IN_TESTS:-0}" = 1 ]; then
	"$STACK" down "$VAR" >/dev/null 2>&1
	echo "== make bench (BENCH_QUICK=1)"
	if out=$(BENCH_QUICK=1 timeout 900 tests/load/bench.sh 2>&1) &&
		jq -e '[.get, .get_cached, .list, .create, .mixed, .floor, .static
			| .rps > 0] + [.noisy.b_p99_alone_ms > 0] | all' \
			var/bench-quick/bench/results.json >/dev/null; then
		echo "ok - make bench runs end to end (BENCH_QUICK=1)"
		passed=$((passed + 1))
	else
		echo "not ok - make bench runs end to end (BENCH_QUICK=1)"
		printf '%s\n' "$out" | tail -20
		failed=$((failed + 1))
	fi
fi

# 6. The Ansible deployment, for real (make test-deploy): as root only (it
# installs packages and a service user), on its own prefix and ports.
if [ -z "${TESTS:-}" ] && [ "${DEPLOY_IN_TESTS:-1}" = 1 ]; then
	echo "== ansible/test-deploy.sh"
	if [ "$(id -u)" -ne 0 ]; then
		echo "not ok - make test-deploy needs root (DEPLOY_IN_TESTS=0 skips it)"
		failed=$((failed + 1))
	else
		# Every layout, two regions included (about 11 minutes of the
		# run; DEPLOY_VARIANTS picks others).
		out=$(DEPLOY_VARIANTS=${DEPLOY_VARIANTS:-single split regions} \
			timeout 2400 ansible/test-deploy.sh 2>&1)
		printf '%s\n' "$out" | grep -E '^(not ok|#)' || true
		line=$(tail -1 <<<"$out")
		p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' <<<"$line")
		f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$line")
		if [ -z "$p" ]; then
			echo "not ok - ansible/test-deploy.sh did not finish"
			printf '%s\n' "$out" | tail -20
			p=0 f=1
		fi
		echo "   $p passed, $f failed"
		passed=$((passed + p))
		failed=$((failed + f))
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

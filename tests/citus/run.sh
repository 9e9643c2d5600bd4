#!/usr/bin/env bash
# run.sh - `make test-citus`: Strata on a three-node Citus cluster.
#
# tests/citus/build.sh makes sure PostgreSQL 15 has Citus (an installed
# citus.so, or a build from CITUS_SRC or ../shared/vendor, once per
# machine).  Then tests/stack/stack.sh starts a stack in var/citus whose
# PostgreSQL is a coordinator with two workers of its own (CITUS=1, free
# ports) and `strata migrate --citus` distributes the schema, and this
# runs against it:
#   1. the schema: every table distributed on tenant_id in records'
#      co-location group, or a reference table; nothing left local;
#   2. tests/citus/tenant_load.sh: citus_stat_tenants in /metrics and
#      `strata tenant stats`;
#   3. the smoke and isolation suites (tests/smoke, tests/isolation);
#      CITUS_SUITES=0 leaves them out, CITUS_TESTS="..." picks scripts;
#   4. tests/citus/router.sh: hot statements are single-shard router plans,
#      a tenant's requests touch only its shards (workers' statistics);
#   5. tests/citus/move.sh: isolate and place a tenant under live writes;
#   6. tests/citus/compare.sh: get and create, one node against the
#      cluster (reported, never asserted).
# Ends with "N passed, N failed".  A machine with neither citus.so nor the
# source prints one line and counts as skipped: "0 passed, 0 failed".
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
STACK=$ROOT/tests/stack/stack.sh
VAR=$ROOT/var/citus
# shellcheck disable=SC1091
. "$ROOT/tests/stack/free_port.sh"
passed=0 failed=0
count() { # OUTPUT: adds its ok / not ok lines
	passed=$((passed + $(grep -c '^ok ' <<<"$1")))
	failed=$((failed + $(grep -c '^not ok ' <<<"$1")))
}

t0=$(date +%s)
out=$(tests/citus/build.sh 2>&1)
rc=$?
if [ "$rc" = 2 ]; then
	echo "skip - Citus: $out; make test-citus skipped"
	echo "0 passed, 0 failed"
	exit 0
fi
printf '%s\n' "$out" | grep -v '^$' | sed 's/^/# /'
if [ "$rc" != 0 ]; then
	echo "not ok - Citus could be neither found nor built"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "# Citus ready in $(($(date +%s) - t0)) s"

"$STACK" down "$VAR" >/dev/null 2>&1
rm -rf "$VAR"
HTTPS_PORT=$(free_port) HTTP_PORT=$(free_port) PG_PORT=$(free_port)
CITUS_W1_PORT=$(free_port) CITUS_W2_PORT=$(free_port) SMTP_PORT=$(free_port)
export HTTPS_PORT HTTP_PORT PG_PORT CITUS_W1_PORT CITUS_W2_PORT SMTP_PORT
# The sanitizer build when there is one (make test, make test-citus): the
# suites' test hooks (smoke 18's denied call) exist only in it.
if [ -z "${STRATA_BIN:-}" ]; then
	STRATA_BIN=$ROOT/build/strata
	[ -x "$ROOT/build/asan/strata" ] && STRATA_BIN=$ROOT/build/asan/strata
fi
export STRATA_BIN CITUS=1 WORKERS=2 SEED=0 PG_FAST=1
export SCRYPT_LOG2N=${SCRYPT_LOG2N:-12} MAX_REQUESTS=${MAX_REQUESTS:-300}
export AUTH_RATE=${AUTH_RATE:-200r/s} AUTH_BURST=${AUTH_BURST:-400}
export SIGNUP_RATE=${SIGNUP_RATE:-50r/s} SIGNUP_BURST=${SIGNUP_BURST:-100}
export RATE_RPS=${RATE_RPS:-2000} RATE_BURST=${RATE_BURST:-4000}
export AUDIT_HORIZON=${AUDIT_HORIZON:-1}
# The suites' retry schedules as tests/stack/test.sh sets them (smoke 20
# and 22 wait for a retried webhook or mail to be given up in 30 s).
export WEBHOOK_TIMEOUT_MS=${WEBHOOK_TIMEOUT_MS:-1500}
export WEBHOOK_RETRY_WINDOW_S=${WEBHOOK_RETRY_WINDOW_S:-30}
export MAIL_RETRY_WINDOW_S=${MAIL_RETRY_WINDOW_S:-30}
trap '"$STACK" down "$VAR" >/dev/null 2>&1' EXIT
echo "== Citus stack: coordinator :$PG_PORT, workers :$CITUS_W1_PORT :$CITUS_W2_PORT (var/citus)"
t0=$(date +%s)
if ! "$STACK" up "$VAR"; then
	echo "not ok - the Citus stack could not start"
	tail -20 "$VAR"/log/*.log 2>/dev/null
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi
VAR=$(realpath -m "$VAR")
export VAR ROOT
echo "# stack with the migrated cluster up in $(($(date +%s) - t0)) s"

# 1. The schema as Citus holds it.
out=$(bash tests/citus/schema.sh 2>&1)
printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
count "$out"

# 2-6. The suites, then the drills.
# The per-tenant load drill first: after the suites, hundreds of their
# tenants' background rounds (sealer, deliverer, mailer) fill Citus's
# tracked set, and the burst's tenant may not rank among them.
scripts=${CITUS_TESTS:-}
if [ -z "$scripts" ]; then
	scripts="tests/citus/tenant_load.sh"
	[ "${CITUS_SUITES:-1}" = 1 ] && scripts="$scripts tests/smoke/*.sh tests/isolation/*.sh"
	scripts="$scripts tests/citus/router.sh tests/citus/move.sh tests/citus/compare.sh"
fi
for t in $scripts; do
	[ -f "$t" ] || continue
	echo "== $t (Citus)"
	ts=$(date +%s)
	out=$(timeout 900 bash "$t" 2>&1)
	rc=$?
	ts=$(($(date +%s) - ts))
	case $t in
	tests/citus/*) printf '%s\n' "$out" | grep -E '^(not ok|#)' ;;
	*) printf '%s\n' "$out" | grep -E '^(not ok|#)' | grep -v '^#   ' ;;
	esac
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with $rc"
		printf '%s\n' "$out" | tail -10
		f=1
	fi
	echo "   $p passed, $f failed ($ts s)"
	passed=$((passed + p))
	failed=$((failed + f))
done

for f in "$VAR"/log/asan.* "$VAR"/log/ubsan.*; do
	[ -f "$f" ] || continue
	echo "not ok - sanitizer report $f"
	head -30 "$f"
	failed=$((failed + 1))
done
if grep -q "terminated by signal" "$VAR"/log/postgres.log "$VAR"/log/citus-w*.log 2>/dev/null; then
	echo "not ok - a PostgreSQL backend of the cluster crashed"
	grep -h -A1 "terminated by signal" "$VAR"/log/postgres.log "$VAR"/log/citus-w*.log | head -6
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# unit.sh BINARY... - run Check unit binaries; print each summary and a
# line "unit: N passed, N failed" (checks).  Exit 1 when any check failed.
set -uo pipefail
passed=0 failed=0
for b in "$@"; do
	out=$(CK_FORK=yes ASAN_OPTIONS=detect_leaks=1 "$b" 2>&1)
	rc=$?
	summary=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks:' | tail -1)
	printf '%-28s %s\n' "$(basename "$b")" "${summary:-no summary (rc=$rc)}"
	checks=$(sed -nE 's/.*Checks: ([0-9]+).*/\1/p' <<<"$summary")
	fails=$(sed -nE 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/p' <<<"$summary")
	fails=$((${fails:-0}))
	if [ -z "$checks" ] || [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		fails=1
		checks=${checks:-1}
	fi
	[ "$fails" -gt 0 ] && printf '%s\n' "$out" | grep -vE '^[0-9]+%: Checks:' | head -40
	passed=$((passed + checks - fails))
	failed=$((failed + fails))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

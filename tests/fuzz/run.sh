#!/usr/bin/env bash
# run.sh - `make fuzz`: builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c)
# and runs each in turn for FUZZ_SECONDS seconds (default 600), starting
# from its seeds in tests/fuzz/corpus/<name>/ and the inputs earlier runs
# kept in $FUZZ_VAR/<name>/corpus/ (var/fuzz).  FUZZ_ONLY="json jwt" runs
# only those; BUILD=dir builds and runs them under dir/fuzz/.
# Prints one line per harness, "ok - fuzz <name>: ..." with the executions
# per second and libFuzzer's coverage (cov: edges, ft: features) at the
# end, or "not ok - ..." with the input that broke it ($FUZZ_VAR/<name>/),
# and exits 1 when any failed.  Without clang and libFuzzer it says so in
# one line and exits 0.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
SECONDS_EACH=${FUZZ_SECONDS:-600}
BUILD=${BUILD:-build}
FUZZ_VAR=${FUZZ_VAR:-var/fuzz}

if ! command -v clang >/dev/null 2>&1 ||
	! echo 'int LLVMFuzzerTestOneInput(const char *d, long n)
		{ (void)d; (void)n; return 0; }' |
	clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
	echo "# fuzz: skipped: no clang with libFuzzer (Debian: clang libclang-rt-14-dev)"
	exit 0
fi
if ! out=$(make --no-print-directory BUILD="$BUILD" fuzz-build 2>&1); then
	printf '%s\n' "$out" | tail -20
	echo "not ok - fuzz: the harnesses do not build"
	exit 1
fi

failed=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	if [ -n "${FUZZ_ONLY:-}" ] && ! grep -qw "$name" <<<"$FUZZ_ONLY"; then
		continue
	fi
	work=$FUZZ_VAR/$name
	mkdir -p "$work/corpus" "tests/fuzz/corpus/$name"
	rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
	start=$(date +%s)
	"$BUILD/fuzz/bin/fuzz_$name" -max_total_time="$SECONDS_EACH" \
		-timeout=25 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$work/" \
		"$work/corpus" "tests/fuzz/corpus/$name" >"$work/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -1)
	[ -n "$done_line" ] ||
		done_line=$(grep -E '^#[0-9]+[[:space:]]' "$work/log" | tail -1)
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
	eps=$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$done_line")
	runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$done_line")
	artifact=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* \
		"$work"/oom-* 2>/dev/null | head -1)
	if [ "$rc" -eq 0 ] && [ -z "$artifact" ]; then
		echo "ok - fuzz $name: ${took} s, ${runs:-0} runs, ${eps:-0} exec/s, cov ${cov:-0}, ft ${ft:-0}"
	else
		echo "not ok - fuzz $name: exit $rc after ${took} s; input ${artifact:-none}; log $work/log"
		grep -E 'ERROR|invariant broken|runtime error|SUMMARY' "$work/log" |
			head -5 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]

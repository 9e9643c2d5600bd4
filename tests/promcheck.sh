#!/usr/bin/env bash
# promcheck.sh FILE - a small parser of the Prometheus text exposition
# format (0.0.4): every sample line is name{labels} value, label values are
# quoted, each family's TYPE comes before its samples and is declared once.
# Used by the stack tests; not a test on its own (no ok/not ok lines).
exec awk '
function fail(msg) { printf "#   promcheck line %d: %s: %s\n", NR, msg, $0; bad = 1 }
/^# HELP / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("bad HELP name"); next }
/^# TYPE / {
	if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("bad TYPE name")
	if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("bad type")
	if ($3 in typed) fail("TYPE declared twice")
	typed[$3] = $4; next
}
/^#/ { next }
/^$/ { next }
{
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { fail("bad metric name"); next }
	name = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1)
	if (substr(rest, 1, 1) == "{") {
		if (!match(rest, /^\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\}/)) { fail("bad labels"); next }
		rest = substr(rest, RLENGTH + 1)
	}
	if (rest !~ /^ (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|\+Inf|-Inf)( [0-9]+)?$/) { fail("bad value"); next }
	base = name; sub(/_(bucket|sum|count)$/, "", base)
	if (!(name in typed) && !(base in typed)) fail("sample before its TYPE")
	samples++
}
END { if (samples == 0) { print "#   promcheck: no samples"; bad = 1 } exit bad }
' "$1"

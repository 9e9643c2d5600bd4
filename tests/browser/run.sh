#!/usr/bin/env bash
# tests/browser/run.sh - the console (nginx/console/) in a real headless
# Chromium driven by Selenium (tests/browser/console.py), against the
# running stack in VAR, through nginx with TLS on the real host names
# (*.strata.localhost is loopback to Chromium).  Chromium trusts the
# stack's self-signed certificate by its public key only
# (--ignore-certificate-errors-spki-list): no other certificate error is
# ignored.  First a few checks with curl of what nginx serves (these need
# no browser).  Prints "ok - ..." / "not ok - ..." lines; screenshots go to
# VAR/screens (var/test/screens under make test), and to docs/img/ as well
# with DOCS_SCREENS=1.  Without Chromium, its driver or Selenium it prints
# one line and runs no browser scenario (skipped, never passed).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${VAR:?VAR must name the running stack}"
# shellcheck disable=SC1091
. "$ROOT/tests/lib.sh"
# What nginx serves, without a browser: the policy, the types, the two
# consoles, and nothing else.
csp_strict() {
	req GET "$1" /console/
	local csp
	csp=$(header content-security-policy)
	[ "$STATUS" = 200 ] && [ "$(header content-type)" = "text/html; charset=utf-8" ] &&
		grep -q "script-src 'self';" <<<"$csp" && grep -q "style-src 'self';" <<<"$csp" &&
		grep -q "default-src 'none'" <<<"$csp" && ! grep -qi "unsafe" <<<"$csp" ||
		{ echo "#   $STATUS $(header content-type) [$csp]"; return 1; }
}
mk_tenant "console-s-$$" || not_ok "browser: a tenant for the static checks"
check "console: the tenant console's page has the strict CSP" csp_strict "console-s-$$"
check "console: the operator console's page has the strict CSP" csp_strict apex
served() { # HOST PATH TYPE WORD: 200, that type, and WORD in the body
	req GET "$1" "$2"
	[ "$STATUS" = 200 ] && [ "$(header content-type)" = "$3" ] && grep -q "$4" <<<"$BODY" ||
		{ echo "#   $STATUS $(header content-type)"; return 1; }
}
check "console: tenant hosts serve the tenant console's modules" \
	served "console-s-$$" /console/app.js "text/javascript; charset=utf-8" "The tenant console"
check "console: the apex serves the operator console's modules" \
	served apex /console/app.js "text/javascript; charset=utf-8" "The operator console"
check "console: the shared style sheet" \
	served apex /console/lib/style.css "text/css; charset=utf-8" "prefers-color-scheme"
req POST "console-s-$$" /console/ -H 'Content-Type: application/json' --data-binary '{}'
check "console: POST is 405 method_not_allowed" is_problem 405 method_not_allowed
req GET "console-s-$$" /console/nope.js
check "console: an unknown file is 404 not_found" is_problem 404 not_found
req GET "console-s-$$" /console/lib/../../strata.conf --path-as-is
check "console: no path out of the console's files" is_problem 404 not_found
req GET "console-s-$$" /console
check "console: /console redirects to /console/" \
	eq "$STATUS $(header location)" "301 https://console-s-$$.$BASE:$HTTPS_PORT/console/"

PY=/usr/bin/python3
for need in /usr/bin/chromium /usr/bin/chromedriver; do
	if [ ! -x "$need" ]; then
		echo "# skipped: browser tests need $need (Debian chromium, chromium-driver)"
		exit 0
	fi
done
if ! "$PY" -c 'import selenium' 2>/dev/null; then
	echo "# skipped: browser tests need Selenium for $PY (Debian python3-selenium)"
	exit 0
fi

# The tenants (A and B for isolation, C to be suspended, D to be
# deleted, E with single sign-on), the users the scenarios sign in as, and an operator.
run=$$
TA=console-a-$run TB=console-b-$run TC=console-c-$run TD=console-d-$run
TE=console-e-$run # single sign-on (its own tenant: auth.oidc set)
for t in "$TA" "$TB" "$TC" "$TD" "$TE"; do
	mk_tenant "$t" || { not_ok "browser: tenant $t created"; exit 1; }
done
login "$TA" "owner@$TA.test" "$PW_OWNER"
A_TOKEN=$TOKEN
mk_user "$TA" "$A_TOKEN" "viewer@$TA.test" viewer
json POST "$TA" /v1/roles '{"name":"people-admin","permissions":["users:read","users:manage","roles:manage","records:read"]}' "$A_TOKEN"
json POST "$TA" /v1/users "{\"email\":\"manager@$TA.test\",\"name\":\"Manager\",\"password\":\"$PW_USER\",\"roles\":[\"people-admin\"]}" "$A_TOKEN"
[ "$STATUS" = 201 ] || { not_ok "browser: manager user created ($STATUS)"; exit 1; }
# Tenant B's data, which no page of A may ever show.
login "$TB" "owner@$TB.test" "$PW_OWNER"
json POST "$TB" /v1/collections '{"name":"b_private","fields":{"secret":{"type":"string"}}}' "$TOKEN"
json POST "$TB" /v1/collections/b_private/records '{"data":{"secret":"tenant-b-marker-7f3a"}}' "$TOKEN"
[ "$STATUS" = 201 ] || { not_ok "browser: tenant B's record created ($STATUS)"; exit 1; }
OP_EMAIL="ops-$run@console.test" OP_PW="operator-Secret-pass-1"
echo "$OP_PW" | $STRATA operator create --email "$OP_EMAIL" >/dev/null ||
	{ not_ok "browser: operator created"; exit 1; }

SPKI=$(openssl x509 -in "$CA" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
SCREENS=$VAR/screens
mkdir -p "$SCREENS"
DOCS_IMG=""
[ "${DOCS_SCREENS:-0}" = 1 ] && DOCS_IMG=$ROOT/docs/img
export BASE HTTPS_PORT CA SPKI SCREENS DOCS_IMG TA TB TC TD TE PW_OWNER PW_USER OP_EMAIL OP_PW
"$PY" "$ROOT/tests/browser/console.py"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || echo "not ok - console.py exited with $rc"
exit 0

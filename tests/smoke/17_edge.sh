#!/usr/bin/env bash
# 17_edge.sh - fairness and the nginx edge (issue 13, items 9-13):
# anonymous traffic is limited per client address and never drains the
# bucket signed-in users draw on; trickled bodies from one address leave
# the tenant's other clients alone; a Host outside the service reaches
# nothing and /metrics only the apex from loopback; verified custom
# domains get HTTPS, a redirect and the subdomains' limits; HEAD does not
# poison the microcache; nginx's own errors are problem+json.
. "$(dirname "$0")/../lib.sh"

mk_tenant edge-a
mk_tenant edge-b
login edge-a owner@edge-a.test "$PW_OWNER"
OWNER=$TOKEN
H_A=edge-a.$BASE

# curl over one connection to HOST: status codes, one per line.
codes() { # host path n [curl args...]
	local host=$1 path=$2 n=$3 args=()
	shift 3
	for _ in $(seq "$n"); do args+=(-o /dev/null "https://$host:$HTTPS_PORT$path"); done
	curl -s -k --resolve "$host:$HTTPS_PORT:127.0.0.1" -w '%{http_code}\n' "$@" "${args[@]}"
}
count() { grep -c "^$1\$" || true; }

# The nginx access log line of a request id (buffered: polled).
log_of() {
	local line=""
	for _ in $(seq 30); do
		line=$(grep -F "\"request_id\":\"$1\"" "$VAR/log/nginx-access.log" 2>/dev/null | head -1)
		[ -n "$line" ] && break
		sleep 0.2
	done
	printf '%s' "$line"
}
# Whether the request with this id reached the workers.
went_upstream() {
	local line
	line=$(log_of "$1")
	[ -n "$line" ] || { echo "#   no access log line for $1"; return 0; }
	[ "$(jq -r .upstream_time <<<"$line")" != "" ]
}

# 13. nginx's own errors are problem+json with their status.
req GET edge-a "/v1/collections/people%00/records" --path-as-is --http1.1
check "an encoded NUL in the path is a problem+json 400, not 500" eval 'status_is 400 && is_problem 400 bad_request'
req GET edge-a "/v1/collections/people%00/records" --path-as-is
check "and over HTTP/2" eval 'status_is 400 && is_problem 400 bad_request'
long=$(head -c 9000 /dev/zero | tr '\0' a)
req GET edge-a "/v1/$long" --http1.1
check "a request line over the buffers is a problem+json 414" eval 'status_is 414 && is_problem 414 uri_too_long'
req GET edge-a /v1/tenant --http1.1 -H "X-Big: $long"
check "a header over the buffers is a problem+json 431" eval 'status_is 431 && is_problem 431 header_too_large'
head -c 1100000 /dev/zero | tr '\0' 'a' >"$TMPD/big"
req POST edge-a /v1/collections -H "Content-Type: application/json" --data-binary @"$TMPD/big"
check "a body over 1 MiB is a problem+json 413" eval 'status_is 413 && is_problem 413 body_too_large'
# A body that stops arriving: nginx gives up (408) after its body timeout.
python3 - "$HTTPS_PORT" "$H_A" >"$TMPD/408" 2>&1 <<'PY' &
import socket, ssl, sys
port, host = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname=host)
s.sendall(("POST /v1/collections HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
           "Content-Length: 100\r\n\r\n{" % host).encode())
s.settimeout(40)
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            print("closed")
            break
        data += chunk
except Exception as e:
    print("error", e)
print(data.decode(errors="replace"))
PY
P408=$!

# 12. HEAD does not poison the microcache.
# (curl -I writes the head where the body would go: no JSON in it.)
req HEAD edge-a /v1/tenant -I -H "Cache-Control: max-age=1"
check "a cacheable HEAD answers 200 without a body" eval 'status_is 200 && ! grep -q "slug" "$TMPD/b"'
req GET edge-a /v1/tenant -H "Cache-Control: max-age=1"
check "the next GET of that key still gets its body" eq "$STATUS/$(jb .slug)" "200/edge-a"
req GET edge-a /v1/tenant -H "Cache-Control: max-age=1"
check "and is served from the cache" eq "$STATUS/$(jb .slug)/$(header x-cache-status)" "200/edge-a/HIT"
req HEAD edge-a /v1/tenant -I -H "Cache-Control: max-age=1"
check "a HEAD after the GET is still body-less" eval 'status_is 200 && ! grep -q "slug" "$TMPD/b"'

# 11. A Host outside the service reaches nothing.
req GET evil.example /v1/tenant -k
check "an unknown Host over HTTPS is a problem+json 421" eval 'status_is 421 && is_problem 421 misdirected_request'
check "and never reached the workers" eval '! went_upstream "$(header x-request-id)"'
req GET "x.edge-a.$BASE" /v1/tenant -k
check "a name under a tenant's host (x.edge-a.<base>) is a 421 too" eval 'status_is 421 && is_problem 421 misdirected_request'
check "and never reached the workers" eval '! went_upstream "$(header x-request-id)"'
req GET evil.example /metrics -k
check "/metrics for an unknown Host over HTTPS is 421" eval 'status_is 421 && ! grep -q strata_ "$TMPD/b"'
hreq() { # host path: plain HTTP
	STATUS=$(curl -s -o "$TMPD/b" -D "$TMPD/h" -w '%{http_code}' \
		--resolve "$1:$HTTP_PORT:127.0.0.1" "http://$1:$HTTP_PORT$2")
	BODY=$(cat "$TMPD/b")
}
hreq evil.example /metrics
check "/metrics for an unknown Host over HTTP is 421" eval 'status_is 421 && ! grep -q strata_ "$TMPD/b"'
check "and never reached the workers" eval '! went_upstream "$(header x-request-id)"'
hreq evil.example /v1/tenant
check "an unknown Host over HTTP is a problem+json 421" eval 'status_is 421 && is_problem 421 misdirected_request'
req GET apex /metrics
check "/metrics on the apex from loopback" eval 'status_is 200 && grep -q "^strata_requests_total" "$TMPD/b"'
req GET apex /metrics --interface 127.0.0.2
check "/metrics on the apex from another address is 403" eval 'status_is 403 && is_problem 403 forbidden'
req GET edge-a /metrics
check "/metrics on a tenant host is 404" eval 'status_is 404 && is_problem 404 not_found && ! grep -q strata_ "$TMPD/b"'
hreq "$BASE" /metrics
check "/metrics over HTTP redirects to HTTPS" eq "$STATUS" 301

# Custom domains: HTTPS with the operator's certificate, HTTP redirects,
# the subdomains' login and in-flight limits.
CD=api.edge-a-custom.test
json PATCH edge-a /v1/config "{\"settings\":{\"domains\":[\"$CD\",\"other.edge-a-custom.test\"]}}" "$OWNER"
check "custom domains recorded" status_is 200
req GET "$CD" /v1/tenant -k
check "an unverified custom domain is 421" eval 'status_is 421 && is_problem 421 misdirected_request'
$STRATA tenant domain verify --tenant edge-a --domain "$CD" >/dev/null
check "verifying a domain updates nginx's map" eval 'grep -q "^$CD " "$VAR/nginx/domains.map"'
ok=0
for _ in $(seq 30); do
	req GET "$CD" /v1/tenant -k
	[ "$STATUS" = 200 ] && { ok=1; break; }
	sleep 0.2
done
check "a verified custom domain serves its tenant over HTTPS" eq "$ok/$(jb .slug)" "1/edge-a"
fp() { openssl x509 -noout -fingerprint -sha256; }
served=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$CD" </dev/null 2>/dev/null | fp)
check "with the operator's certificate" eq "$served" "$(fp <"$CA")"
loc=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --resolve "$CD:$HTTP_PORT:127.0.0.1" "http://$CD:$HTTP_PORT/v1/tenant?a=1")
check "its plain HTTP redirects to HTTPS" eq "$loc" "301 https://$CD:$HTTPS_PORT/v1/tenant?a=1"
req GET other.edge-a-custom.test /v1/tenant -k
check "a name still unverified stays 421" status_is 421
req GET "$CD" /metrics -k
check "/metrics is not served on a custom domain" eval '[ "$STATUS" = 404 ] && ! grep -q strata_ "$TMPD/b"'
# The login limit (per address, AUTH_RATE/AUTH_BURST) applies there too.
urls=()
for _ in $(seq 1500); do urls+=(-o /dev/null "https://$CD:$HTTPS_PORT/v1/auth/nothing"); done
got=$(curl -s -k --parallel --parallel-max 40 --resolve "$CD:$HTTPS_PORT:127.0.0.1" -w '%{http_code}\n' "${urls[@]}" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
check "the login limit answers 429 on a custom domain ($got)" eval 'grep -q " 429;" <<<"$got"'
sleep 3

# 10. Trickled bodies: one address's uploads in progress count against
# that address, not against the tenant's other clients.
trickle() { # host source n seconds: n bodies trickled one byte at a time
	python3 - "$HTTPS_PORT" "$1" "$2" "$3" "$4" <<'PY' &
import socket, ssl, sys, time
port, host, src, n, secs = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
socks = []
for _ in range(n):
    raw = socket.create_connection(("127.0.0.1", port), source_address=(src, 0))
    s = ctx.wrap_socket(raw, server_hostname=host)
    s.sendall(("POST /v1/collections HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
               "Content-Length: 100000\r\n\r\n{" % host).encode())
    socks.append(s)
end = time.time() + secs
while time.time() < end:
    time.sleep(2)
    for s in socks:
        try:
            s.sendall(b" ")
        except Exception:
            pass
for s in socks:
    s.close()
PY
	TRICKLE=$!
	sleep 3
}
trickle "$H_A" 127.0.0.1 24 20
got=$(codes "$H_A" /v1/tenant 3 --interface 127.0.0.2 | sort -u | tr '\n' ' ')
check "24 trickled bodies from one address leave another client answered" eq "$got" "200 "
got=$(codes "$H_A" /v1/tenant 1 | tr -d '\n')
# The trickled uploads are sometimes ended early by the machine (the
# cause is not yet known: nginx logs them as closed by the client); the
# cap is then tried once more with fresh ones before it counts as broken.
if [ "$got" != 429 ]; then
	echo "#   the trickling address got $got; trickling again"
	kill "$TRICKLE" 2>/dev/null
	wait "$TRICKLE" 2>/dev/null
	trickle "$H_A" 127.0.0.1 24 20
	got=$(codes "$H_A" /v1/tenant 1 | tr -d '\n')
fi
check "while the trickling address itself is over its in-flight cap" eq "$got" 429
got=$(codes "edge-b.$BASE" /v1/tenant 1 | tr -d '\n')
check "and other tenants are unaffected" eq "$got" 200
kill "$TRICKLE" 2>/dev/null
wait "$TRICKLE" 2>/dev/null
trickle "$CD" 127.0.0.1 24 12
got=$(codes "$CD" /v1/tenant 1 | tr -d '\n')
check "a custom domain has the same in-flight cap" eq "$got" 429
got=$(codes "$CD" /v1/tenant 2 --interface 127.0.0.2 | sort -u | tr '\n' ' ')
check "and its other clients are answered" eq "$got" "200 "
kill "$TRICKLE" 2>/dev/null
wait "$TRICKLE" 2>/dev/null

# 9. Anonymous traffic cannot starve signed-in users.
json PATCH edge-a /v1/config '{"settings":{"limits":{"requests_per_second":2,"burst":8}}}' "$OWNER"
check "a low rate for the tenant" status_is 200
sleep 4
got=$(codes "$H_A" /v1/tenant 40 | sort | uniq -c | tr -s ' ' | tr '\n' ';')
check "an anonymous flood from one address is limited ($got)" eval 'grep -q " 429;" <<<"$got"'
got=$(codes "$H_A" /v1/tenant 30 -H "X-Forwarded-For: 10.9.8.7" | sort -u | tr '\n' ' ')
check "a client-set X-Forwarded-For does not open a new allowance" eq "$got" "429 "
# Counted as signed in, the first 8 (the burst) would reach the credential
# check (401); as anonymous, only what the address's spent allowance
# refills while they run (a slow, shared machine refills one or two).
got=$(codes "$H_A" /v1/me 20 -H "Authorization: Bearer not-a-token")
n401=$(count 401 <<<"$got")
check "an invalid credential counts as anonymous ($n401 of 20 reached the credential check, the rest 429)" \
	test "$n401" -le 2 -a "$(count 429 <<<"$got")" = $((20 - n401))
got=$(codes "$H_A" /v1/me 4 -H "Authorization: Bearer $OWNER" | sort -u | tr '\n' ' ')
check "a signed-in user of that address is still answered 200" eq "$got" "200 "
got=$(codes "$H_A" /v1/tenant 1 --interface 127.0.0.2 | tr -d '\n')
check "another address has its own anonymous allowance" eq "$got" 200
req GET edge-a /v1/tenant --interface 127.0.0.3
check "whose ceiling is a share of the tenant's rate" eval '[ "$(header ratelimit-limit)" -ge 1 ] && [ "$(header ratelimit-limit)" -lt 8 ]'
json PATCH edge-a /v1/config '{"settings":{"limits":{"requests_per_second":1000,"burst":2000}}}' "$OWNER"

# 408, from the request started above.
wait "$P408"
check "a body that stops arriving ends in 408 problem+json or a close" eval 'grep -q "^HTTP/1.1 408" "$TMPD/408" && grep -q "\"code\":\"request_timeout\"" "$TMPD/408" || { grep -q "^closed" "$TMPD/408" && ! grep -q "^HTTP/" "$TMPD/408"; }'
finish

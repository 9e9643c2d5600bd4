#!/usr/bin/env bash
# 21_event_stream.sh - GET /v1/events/stream (issue 19): Server-Sent Events
# through nginx without buffering, served by the stream process (FastCGI
# workers are not held by open streams), authentication and permission
# checks, the collection filter, masks, tenant isolation, resume with
# Last-Event-ID, permission loss mid-stream; and 1,000 open streams with
# the memory each costs, reported.
. "$(dirname "$0")/../lib.sh"

tid() { curl -s --cacert "$CA" "https://$1.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id; }
# stream NAME TOKEN [QUERY] [curl args...]: an open stream in the
# background, its output in $TMPD/NAME.out, its pid in $TMPD/NAME.pid.
stream() {
	local name=$1 tok=$2 q=${3:-}
	shift 3 2>/dev/null || shift $#
	curl -sN --max-time 120 --cacert "$CA" -D "$TMPD/$name.h" \
		-H "Authorization: Bearer $tok" "$@" \
		"https://es-a.$BASE:$HTTPS_PORT/v1/events/stream$q" >"$TMPD/$name.out" 2>/dev/null &
	echo $! >"$TMPD/$name.pid"
	for _ in $(seq 50); do grep -q '^retry:' "$TMPD/$name.out" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
alive() { kill -0 "$(cat "$TMPD/$1.pid")" 2>/dev/null; }
stop() { kill "$(cat "$TMPD/$1.pid")" 2>/dev/null; wait "$(cat "$TMPD/$1.pid")" 2>/dev/null; return 0; }
# got NAME TEXT SECONDS: until TEXT is in the stream's output.
got() {
	for _ in $(seq $(($3 * 10))); do
		grep -q -- "$2" "$TMPD/$1.out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
cleanup() {
	for p in "$TMPD"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	rm -rf "$TMPD"
	return 0
}
trap cleanup EXIT

mk_tenant es-a
mk_tenant es-b
login es-a owner@es-a.test "$PW_OWNER"
OWNER=$TOKEN
login es-b owner@es-b.test "$PW_OWNER"
OWNER_B=$TOKEN
json POST es-a /v1/roles '{"name":"reader","permissions":["records:read"]}' "$OWNER"
json POST es-a /v1/roles '{"name":"nothing","permissions":["config:read"]}' "$OWNER"
mk_user es-a "$OWNER" reader@es-a.test reader
login es-a reader@es-a.test "$PW_USER"
READER=$TOKEN
mk_user es-a "$OWNER" nothing@es-a.test nothing
login es-a nothing@es-a.test "$PW_USER"
NOTHING=$TOKEN
json POST es-a /v1/collections '{"name":"notes","fields":{"title":{"type":"string"},"email":{"type":"string","pii":true,"mask":"email"}}}' "$OWNER"
json POST es-a /v1/collections '{"name":"other","fields":{"title":{"type":"string"}}}' "$OWNER"
json POST es-b /v1/collections '{"name":"notes","fields":{"title":{"type":"string"}}}' "$OWNER_B"

# --- Refusals ---------------------------------------------------------------
req GET es-a /v1/events/stream
check "no token: 401 with WWW-Authenticate" eq "$STATUS/$(header www-authenticate)/$(header content-type)" "401/Bearer/application/problem+json"
req GET es-a /v1/events/stream -H "Authorization: Bearer $OWNER_B"
check "another tenant's token: 401" eq "$STATUS" 401
req GET es-a /v1/events/stream -H "Authorization: Bearer not.a.token"
check "a malformed token: 401" eq "$STATUS" 401
req GET es-a /v1/events/stream -H "Authorization: Bearer $NOTHING"
check "without records:read: 403" eq "$STATUS/$(jb .code)" "403/forbidden"
req GET es-a "/v1/events/stream?collection=Bad%20Name" -H "Authorization: Bearer $OWNER"
check "a malformed collection: 400" eq "$STATUS" 400
req POST es-a /v1/events/stream -H "Authorization: Bearer $OWNER"
check "only GET (405)" eq "$STATUS" 405

# --- Streaming through nginx -------------------------------------------------
check "the owner's stream opens" stream all "$OWNER" ""
check "as text/event-stream, not buffered" eq "$(grep -i '^content-type:' "$TMPD/all.h" | tr -d '\r' | cut -d' ' -f2)" "text/event-stream"
check "the reader's stream of notes opens" stream notes "$READER" "?collection=notes"
json POST es-a /v1/collections/notes/records '{"data":{"title":"first","email":"grace.hopper@example.com"}}' "$OWNER"
N1=$(jb .id)
check "a record event arrives on the open stream" got all "$N1" 15
check "with its type and id lines" eval 'grep -q "^event: record.created" "$TMPD/all.out" && grep -q "^id: [0-9]" "$TMPD/all.out"'
check "and its personal data masked" eval 'grep "$N1" "$TMPD/all.out" | grep -q "g\*\*\*@e\*\*\*.com" && ! grep -q "grace.hopper" "$TMPD/all.out"'
check "the filtered stream gets it too" got notes "$N1" 15
json POST es-a /v1/collections/other/records '{"data":{"title":"elsewhere"}}' "$OWNER"
O1=$(jb .id)
check "another collection's event reaches the unfiltered stream" got all "$O1" 15
check "but not the stream filtered on notes" eval '! grep -q "$O1" "$TMPD/notes.out"'
json POST es-b /v1/collections/notes/records '{"data":{"title":"tenant b"}}' "$OWNER_B"
B1=$(jb .id)
json POST es-a /v1/collections/notes/records '{"data":{"title":"fence"}}' "$OWNER"
F1=$(jb .id)
check "a later event of A arrives" got all "$F1" 15
check "tenant B's record never reaches A's stream" eval '! grep -q "$B1" "$TMPD/all.out"'

# --- Resume with Last-Event-ID -------------------------------------------------
stop notes
LAST=$(grep -B2 "$F1" "$TMPD/all.out" | sed -n 's/^id: //p' | head -1)
check "the stream names each event's position" eval '[ -n "$LAST" ]'
# shellcheck disable=SC2034
for t in gap1 gap2; do
	json POST es-a /v1/collections/notes/records "{\"data\":{\"title\":\"$t\"}}" "$OWNER"
	eval "G_$t=\$(jb .id)"
done
check "a resumed stream opens" stream resumed "$READER" "?collection=notes" -H "Last-Event-ID: $LAST"
check "it gets the events missed while away" eval 'got resumed "$G_gap1" 15 && got resumed "$G_gap2" 15'
check "and not those before Last-Event-ID" eval '! grep -q "$F1\|$N1" "$TMPD/resumed.out"'
stop resumed

# --- Permission loss mid-stream ------------------------------------------------
check "the reader streams again" stream reader "$READER" ""
json POST es-a /v1/collections/notes/records '{"data":{"title":"before loss"}}' "$OWNER"
P1=$(jb .id)
check "the reader gets events while it may read" got reader "$P1" 15
json PATCH es-a /v1/roles/reader '{"permissions":["config:read"]}' "$OWNER"
check "its role loses records:read (200)" eq "$STATUS" 200
json POST es-a /v1/collections/notes/records '{"data":{"title":"after loss"}}' "$OWNER"
P2=$(jb .id)
check "the owner's stream still gets the next event" got all "$P2" 15
sleep 1
check "the reader's stream never gets it" eval '! grep -q "$P2" "$TMPD/reader.out"'
closed() {
	for _ in $(seq 50); do
		alive reader || return 0
		sleep 0.1
	done
	return 1
}
check "and is closed" closed

# --- Workers are not held by open streams ---------------------------------------
# More streams than the stack has workers (WORKERS), then ordinary requests.
for i in 1 2 3 4 5; do stream "idle$i" "$OWNER" "" >/dev/null; done
okn=0
for _ in $(seq 20); do
	authed GET es-a /v1/me "$OWNER"
	[ "$STATUS" = 200 ] && okn=$((okn + 1))
done
check "with 6 streams open on $WORKERS workers, requests are still answered" eq "$okn" 20
for i in 1 2 3 4 5; do stop "idle$i"; done

# --- 1,000 open streams, memory per stream (reported) -----------------------------
SPID=$(pgrep -x -P "$(cat "$VAR/run/strata.pid")" strata-stream | head -1)
check "the stream process runs under the seccomp allow-list" eq \
	"$([ -n "$SPID" ] && awk '/^Seccomp:/ { print $2 }' "/proc/$SPID/status")" 2
if [ -z "$SPID" ] || [ ! -S "$VAR/run/stream.sock" ]; then
	echo "# 1,000 streams: no strata-stream process or socket found; skipped"
else
	cat >"$TMPD/many.py" <<'EOF'
import socket, sys, time
path, host, tok, n, ready, go = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(("GET /v1/events/stream HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n" % (host, tok)).encode())
    socks.append(s)
opened = 0
bufs = []
for s in socks:
    s.settimeout(30)
    b = b""
    while b"retry:" not in b:
        d = s.recv(4096)
        if not d:
            break
        b += d
    opened += b.startswith(b"HTTP/1.1 200")
    bufs.append(b)
open(ready, "w").write(str(opened))
while True:
    try:
        want = open(go).read().strip()
        if want:
            break
    except FileNotFoundError:
        pass
    time.sleep(0.1)
got = 0
deadline = time.time() + 30
for i, s in enumerate(socks):
    b = bufs[i]
    while want.encode() not in b and time.time() < deadline:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        b += d
    got += want.encode() in b
print(got)
EOF
	rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SPID/status"; }
	case $STRATA_BIN in */asan/*) flavour=ASan ;; *) flavour=release ;; esac
	before=$(rss)
	rm -f "$TMPD/ready" "$TMPD/go"
	python3 "$TMPD/many.py" "$VAR/run/stream.sock" "es-a.$BASE" "$OWNER" 1000 "$TMPD/ready" "$TMPD/go" >"$TMPD/many.out" &
	MANY=$!
	for _ in $(seq 600); do [ -s "$TMPD/ready" ] && break; sleep 0.1; done
	opened=$(cat "$TMPD/ready" 2>/dev/null)
	after=$(rss)
	check "1,000 streams open at once" eq "$opened" 1000
	json POST es-a /v1/collections/notes/records '{"data":{"title":"to a thousand"}}' "$OWNER"
	echo "$(jb .id)" >"$TMPD/go"
	wait "$MANY"
	check "each of the 1,000 streams gets the next event" eq "$(cat "$TMPD/many.out")" 1000
	echo "# 1,000 open streams: strata-stream RSS ${before} kB -> ${after} kB, $(( (after - before) * 1024 / 1000 )) bytes per stream (user-space, $flavour build; nginx is not in this path); $(ps -o nlwp= -p "$SPID" | tr -d ' ') thread(s)"
fi
stop all
finish

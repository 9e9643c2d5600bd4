#!/usr/bin/env bash
# 20_webhooks.sh - the outbox and webhooks (issue 19): CRUD and its
# refusals (permission, validation, SSRF, other tenants), signatures that
# verify with the documented algorithm, masked personal data, atomicity
# (a failed write makes no event, every committed one is delivered),
# order per object, retries then disabling with an audit event, no
# redirect followed, redelivery, the owner's permissions re-checked at
# delivery, retention, and the fairness measurement (a hanging endpoint
# beside a healthy tenant), reported.
. "$(dirname "$0")/../lib.sh"

# A receiver on loopback (the test stack allows loopback: WEBHOOK_ALLOW).
# Every request is one JSON line in $RECV; /ok answers 204, /fail 500,
# /hang never in time, /redirect 302 to /target.
RECV=$TMPD/recv.log
cat >"$TMPD/recv.py" <<'EOF'
import http.server, json, sys, time, threading
log = open(sys.argv[1], "a", buffering=1)
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        rec = {"path": self.path, "at_ms": int(time.time() * 1000),
               "id": self.headers.get("webhook-id"),
               "ts": self.headers.get("webhook-timestamp"),
               "sig": self.headers.get("webhook-signature"), "body": body}
        with lock:
            log.write(json.dumps(rec) + "\n")
        if self.path.startswith("/hang"):
            time.sleep(30)
            return
        if self.path.startswith("/fail"):
            code, extra = 500, {}
        elif self.path.startswith("/redirect"):
            code, extra = 302, {"Location": "http://127.0.0.1:%d/target" % port}
        else:
            code, extra = 204, {}
        self.send_response(code)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
srv = S(("127.0.0.1", 0), H)
port = srv.server_address[1]
open(sys.argv[2], "w").write(str(port))
srv.serve_forever()
EOF
# The documented verification (docs/api.md, "Verifying a delivery").
cat >"$TMPD/verify.py" <<'EOF'
import base64, hashlib, hmac, json, sys
secret, line = sys.argv[1], json.loads(sys.argv[2])
key = base64.b64decode(secret.removeprefix("whsec_"))
signed = f"{line['id']}.{line['ts']}.{line['body']}".encode()
want = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
ok = any(hmac.compare_digest(want, s) for s in line["sig"].split(" "))
sys.exit(0 if ok else 1)
EOF
: >"$RECV"
python3 "$TMPD/recv.py" "$RECV" "$TMPD/port" &
RECV_PID=$!
cleanup() {
	kill "$RECV_PID" 2>/dev/null
	rm -rf "$TMPD"
	return 0
}
trap cleanup EXIT
for _ in $(seq 50); do [ -s "$TMPD/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMPD/port")
HOOK=http://127.0.0.1:$PORT

# lines PATH-PREFIX: the receiver's lines for that path.
lines() { jq -c --arg p "$1" 'select(.path | startswith($p))' "$RECV"; }
count() { lines "$1" | wc -l; }
# wait_count PATH N SECONDS: until at least N requests reached PATH.
wait_count() {
	for _ in $(seq $(($3 * 10))); do
		[ "$(count "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "#   $(count "$1") of $2 requests reached $1 in $3 s"
	return 1
}
# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
	local s=$1
	shift
	for _ in $(seq $((s * 5))); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
tid() { curl -s --cacert "$CA" "https://$1.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id; }

mk_tenant wh-a
mk_tenant wh-b
login wh-a owner@wh-a.test "$PW_OWNER"
OWNER=$TOKEN
login wh-b owner@wh-b.test "$PW_OWNER"
OWNER_B=$TOKEN
mk_user wh-a "$OWNER" member@wh-a.test member
login wh-a member@wh-a.test "$PW_USER"
MEMBER=$TOKEN
TA=$(tid wh-a)

# --- The API and its refusals --------------------------------------------
authed GET wh-a /v1/webhooks "$MEMBER"
check "a member lacks webhooks:manage (403)" is_problem 403 forbidden
authed GET wh-a /v1/me "$OWNER"
check "the owner holds webhooks:manage" eq "$(jb '.permissions | index("webhooks:manage") != null')" true
authed GET wh-a /v1/webhooks "$OWNER"
check "no webhooks yet" eq "$STATUS/$(jb '.items | length')/$(jb .next_cursor)" "200/0/null"
json POST wh-a /v1/webhooks '{"url":"https://example.com/","events":["record.created"]}' "$MEMBER"
check "a member cannot create one" is_problem 403 forbidden
json POST wh-a /v1/webhooks '{"url":' "$OWNER"
check "malformed JSON is 400" is_problem 400 invalid_json
for bad in '{"url":"ftp://example.com/","events":["*"]}' \
	'{"url":"https://example.com/","events":[]}' \
	'{"url":"https://example.com/","events":["record.exploded"]}' \
	'{"url":"https://example.com/","events":"record.created"}' \
	'{"url":42,"events":["*"]}' \
	'{"url":"https://u:p@example.com/","events":["*"]}' \
	'{"url":"https://example.com/","events":["*"],"secret":"hunter2"}' \
	'{"url":"https://example.com/","events":["*"],"secret":"whsec_c2hvcnQ="}'; do
	json POST wh-a /v1/webhooks "$bad" "$OWNER"
	check "refused: ${bad:0:70} (422)" is_problem 422 validation_failed
done
json POST wh-a /v1/webhooks '{"url":"https://example.com/","events":["*"],"tenant_id":"x"}' "$OWNER"
check "an unknown member is refused" eval '[ "$STATUS" = 400 ] || [ "$STATUS" = 422 ]'
# SSRF: private, link-local, metadata and reserved addresses, in any
# spelling, are refused when the webhook is made (names at delivery).
for url in http://10.0.0.1/ http://192.168.1.1:8080/x http://172.16.5.4/ \
	http://169.254.169.254/latest/meta-data/ 'http://[::ffff:10.0.0.1]/' \
	'http://[fe80::1]/' 'http://[fd00:ec2::254]/' http://0.0.0.0/ \
	http://0xa9.254.169.254/ http://2852039166/; do
	json POST wh-a /v1/webhooks "{\"url\":\"$url\",\"events\":[\"*\"]}" "$OWNER"
	check "SSRF: $url refused (422 on url)" eq "$STATUS/$(jb '.errors[0].field')" "422/url"
done

SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
json POST wh-a /v1/webhooks "{\"url\":\"$HOOK/ok/a\",\"events\":[\"record.*\"],\"secret\":\"$SECRET\"}" "$OWNER"
W1=$(jb .id)
check "a webhook is made (201, Location, secret shown once)" eq "$STATUS/$(header location)/$(jb .secret)/$(jb .enabled)/$(jb .pii)" "201//v1/webhooks/$W1/$SECRET/true/true"
authed GET wh-a "/v1/webhooks/$W1" "$OWNER"
check "its read never shows the secret" eq "$STATUS/$(jb 'has("secret")')/$(jb .url)" "200/false/$HOOK/ok/a"
check "the stored secret is sealed, not in clear" eq \
	"$(psql_super -c "SELECT secret LIKE 'enc:v1:%' AND position('MfKQ9r8G' IN secret) = 0 FROM strata.webhooks WHERE id = '$W1'")" t
json POST wh-b /v1/webhooks "{\"url\":\"$HOOK/ok/b\",\"events\":[\"*\"]}" "$OWNER_B"
WB=$(jb .id)
SECRET_B=$(jb .secret)
check "a made secret is whsec_ and base64 of 32 bytes" eq "$(base64 -d <<<"${SECRET_B#whsec_}" | wc -c)" 32
authed GET wh-a "/v1/webhooks/$WB" "$OWNER"
check "another tenant's webhook is 404" is_problem 404 not_found
authed GET wh-a "/v1/webhooks/$WB/deliveries" "$OWNER"
check "and so are its deliveries" is_problem 404 not_found
authed DELETE wh-a "/v1/webhooks/$WB" "$OWNER"
check "nor can it be deleted (404)" is_problem 404 not_found
authed GET wh-a /v1/webhooks/not-a-uuid "$OWNER"
check "a malformed id is 404" is_problem 404 not_found

# --- Delivery, signature, masks, isolation --------------------------------
json POST wh-a /v1/collections '{"name":"people","fields":{"name":{"type":"string"},"email":{"type":"string","pii":true,"mask":"email"},"secret_note":{"type":"string","pii":true,"mask":"none"}}}' "$OWNER"
json POST wh-b /v1/collections '{"name":"people","fields":{"name":{"type":"string"}}}' "$OWNER_B"
json POST wh-a /v1/collections/people/records '{"data":{"name":"Ada","email":"ada.lovelace@example.org","secret_note":"clear-note-xyz"}}' "$OWNER"
R1=$(jb .id)
check "a record is written (201)" eq "$STATUS" 201
check "its event reaches tenant A's webhook" wait_count /ok/a 1 15
L1=$(lines /ok/a | head -1)
check "Standard Webhooks headers are sent" eval '[ "$(jq -r .id <<<"$L1")" != null ] && [ "$(jq -r .ts <<<"$L1")" -gt 0 ] && [[ "$(jq -r .sig <<<"$L1")" == v1,* ]]'
check "the signature verifies with the documented algorithm" python3 "$TMPD/verify.py" "$SECRET" "$L1"
check "and not with another secret" eval '! python3 "$TMPD/verify.py" "$SECRET_B" "$L1"'
EV1=$(jq -r .body <<<"$L1")
check "the body names type, time and the record" eq \
	"$(jq -r '[.type, .data.id, .data.collection, .data.version, .data.data.name] | join("/")' <<<"$EV1")" \
	"record.created/$R1/people/1/Ada"
check "a pii field is delivered masked" eq "$(jq -r .data.data.email <<<"$EV1")" "a***@e***.org"
check "a pii field without a mask is left out" eq "$(jq -r '.data.data | has("secret_note")' <<<"$EV1")" false
check "no personal data in clear in the body" eval '! grep -q "lovelace\|clear-note-xyz" <<<"$EV1"'
check "the outbox holds no personal data in clear" eq \
	"$(psql_super -c "SELECT count(*) FROM strata.events WHERE payload::text LIKE '%lovelace%' OR payload::text LIKE '%clear-note%'")" 0
json POST wh-b /v1/collections/people/records '{"data":{"name":"Bob"}}' "$OWNER_B"
RB=$(jb .id)
check "tenant B's own event reaches B" wait_count /ok/b 1 15
check "tenant A's record never reaches B's webhook" eval '! lines /ok/b | grep -q "$R1"'
check "tenant B's record never reaches A's webhook" eval '! lines /ok/a | grep -q "$RB"'
# A URL by name: libcurl resolves it on a thread of its own, inside the
# deliverer's sandbox (core/sandbox.h, sandbox_enter_threads).
json POST wh-b /v1/webhooks "{\"url\":\"http://localhost:$PORT/byname/b\",\"events\":[\"record.created\"]}" "$OWNER_B"
WN=$(jb .id)
json POST wh-b /v1/collections/people/records '{"data":{"name":"Named"}}' "$OWNER_B"
check "a webhook named by host name is delivered (resolved inside the sandbox)" wait_count /byname/b 1 15
authed DELETE wh-b "/v1/webhooks/$WN" "$OWNER_B"

# --- Atomicity -------------------------------------------------------------
events_a() { psql_super -c "SELECT count(*) FROM strata.events WHERE tenant_id = '$TA'"; }
before=$(events_a)
json POST wh-a /v1/collections/people/records '{"data":{"name":42}}' "$OWNER"
check "an invalid record is refused (422)" eq "$STATUS" 422
mk_user wh-a "$OWNER" member@wh-a.test member
check "a user whose e-mail is taken fails at commit (409)" eq "$STATUS" 409
json PATCH wh-a "/v1/collections/people/records/$R1" '{"data":{"name":"Ada L"}}' "$OWNER" -H 'If-Match: "7"'
check "a stale If-Match is refused (412)" eq "$STATUS" 412
check "failed writes made no event" eq "$(events_a)" "$before"
args=()
for i in $(seq 20); do
	args+=(--next -s -o /dev/null --cacert "$CA" -H "Authorization: Bearer $OWNER"
		-H "Content-Type: application/json" --data-binary "{\"data\":{\"name\":\"p$i\"}}"
		"https://wh-a.$BASE:$HTTPS_PORT/v1/collections/people/records")
done
curl --parallel --parallel-max 8 "${args[@]:1}"
committed=$(psql_super -c "SELECT count(*) FROM strata.records WHERE tenant_id = '$TA' AND collection = 'people'")
check "every committed write is delivered" wait_count /ok/a "$committed" 30
check "each exactly as an event of the outbox" eq "$(events_a)" "$((before + 20))"

# --- Order per object -------------------------------------------------------
for v in 2 3 4 5 6; do
	json PATCH wh-a "/v1/collections/people/records/$R1" "{\"data\":{\"name\":\"v$v\"}}" "$OWNER"
done
check "five updates are delivered" wait_for 20 eval '[ "$(lines /ok/a | jq -r .body | jq -r --arg r "$R1" "select(.data.id == \$r and .type == \"record.updated\") | .data.version" | wc -l)" -ge 5 ]'
check "in order per object" eq "$(lines /ok/a | jq -r .body | jq -r --arg r "$R1" 'select(.data.id == $r) | .data.version' | paste -sd,)" "1,2,3,4,5,6"
authed DELETE wh-a "/v1/collections/people/records/$R1" "$OWNER"
check "a delete is delivered as record.deleted" wait_for 15 eval 'lines /ok/a | jq -r .body | jq -e --arg r "$R1" "select(.data.id == \$r and .type == \"record.deleted\")" >/dev/null'

# --- Retries, disabling, redirects, redelivery -------------------------------
json POST wh-a /v1/webhooks "{\"url\":\"$HOOK/fail\",\"events\":[\"record.created\"]}" "$OWNER"
WF=$(jb .id)
json POST wh-a /v1/webhooks "{\"url\":\"$HOOK/redirect\",\"events\":[\"record.created\"]}" "$OWNER"
WR=$(jb .id)
fail_start=$(date +%s)
json POST wh-a /v1/collections/people/records '{"data":{"name":"retry me"}}' "$OWNER"
check "a failing endpoint is tried again" wait_count /fail 3 15
attempt_ids=$(lines /fail | jq -r .id | sort -u | wc -l)
check "every attempt carries the same webhook-id" eq "$attempt_ids" 1
authed GET wh-a "/v1/webhooks/$WF/deliveries" "$OWNER"
check "its deliveries show attempts and the status" eq "$STATUS/$(jb '.items[0].status')/$(jb '.items[0].last_status')/$(jb '.items[0].attempts >= 3')" "200/pending/500/true"
check "each attempt is in the history" eval '[ "$(jb ".items[0].history | length")" -ge 3 ]'
disabled() { authed GET wh-a "/v1/webhooks/$WF" "$OWNER"; [ "$(jb .enabled)" = false ]; }
# The stack's retry window is WEBHOOK_RETRY_WINDOW_S (30 s in make test).
check "after the retry window the webhook is disabled" wait_for $((WEBHOOK_RETRY_WINDOW_S + 30)) disabled
echo "# disabled after $(($(date +%s) - fail_start)) s and $(count /fail) attempts (window ${WEBHOOK_RETRY_WINDOW_S} s)"
check "with the reason" eval '[ "$(jb .disabled_reason)" != null ]'
authed GET wh-a "/v1/webhooks/$WF/deliveries" "$OWNER"
check "the delivery is failed" eq "$(jb '.items[0].status')" failed
authed GET wh-a "/v1/audit?action=webhook.disabled" "$OWNER"
check "the owner is told through an audit event" eq "$(jb --arg w "$WF" '[.items[] | select(.target.id == $w)] | length')" 1
n=$(count /fail)
json POST wh-a /v1/collections/people/records '{"data":{"name":"after disable"}}' "$OWNER"
sleep 2
check "a disabled webhook gets nothing" eq "$(count /fail)" "$n"
check "a redirect was answered" eval '[ "$(count /redirect)" -ge 1 ]'
check "but never followed" eq "$(count /target)" 0
authed GET wh-a "/v1/webhooks/$WR/deliveries" "$OWNER"
check "and the delivery says so" eq "$(jb '.items[0].last_error')" "redirects are not followed"
json PATCH wh-a "/v1/webhooks/$WR" '{"enabled":"yes"}' "$OWNER"
check "PATCH enabled must be a boolean (422)" is_problem 422 validation_failed
authed DELETE wh-a "/v1/webhooks/$WR" "$OWNER"
check "a webhook is deleted (204)" eq "$STATUS" 204
authed GET wh-a "/v1/webhooks/$WR" "$OWNER"
check "then gone (404)" eq "$STATUS" 404

authed GET wh-a "/v1/webhooks/$W1/deliveries?limit=2" "$OWNER"
check "deliveries are paged" eq "$STATUS/$(jb '.items | length')/$(jb '.next_cursor != null')" "200/2/true"
D1=$(jb '.items[1].id')
E1=$(jb '.items[1].event_id')
authed GET wh-a "/v1/webhooks/$W1/deliveries?limit=2&cursor=$(jb .next_cursor)" "$OWNER"
check "the next page goes on below" eq "$STATUS/$(jb '.items | length')" "200/2"
authed GET wh-a "/v1/webhooks/$W1/deliveries?cursor=bogus" "$OWNER"
check "a bad cursor is 400" eq "$STATUS" 400
n=$(lines /ok/a | jq -r .id | grep -c "^$E1\$")
authed POST wh-a "/v1/webhooks/$W1/deliveries/$D1/redeliver" "$OWNER"
check "redeliver answers 202, pending" eq "$STATUS/$(jb .status)" "202/pending"
check "the event is sent again with its webhook-id" wait_for 15 eval '[ "$(lines /ok/a | jq -r .id | grep -c "^$E1\$")" -gt "$n" ]'
authed POST wh-b "/v1/webhooks/$WB/deliveries/$D1/redeliver" "$OWNER_B"
check "another tenant's delivery cannot be resent (404)" is_problem 404 not_found

# --- The owner's permissions, re-checked at delivery ---------------------------
json POST wh-a /v1/api-keys '{"name":"hooks","permissions":["webhooks:manage","records:read"]}' "$OWNER"
KEY=$(jb .key)
KEY_ID=$(jb .id)
json POST wh-a /v1/webhooks "{\"url\":\"$HOOK/ok/key\",\"events\":[\"record.created\"]}" "$KEY"
WK=$(jb .id)
check "an API key makes a webhook; no pii:read, so pii false" eq "$STATUS/$(jb .pii)/$(jb .owner.type)" "201/false/api_key"
json POST wh-a /v1/collections/people/records '{"data":{"name":"k1"}}' "$OWNER"
check "while the key lives its webhook receives" wait_count /ok/key 1 15
authed DELETE wh-a "/v1/api-keys/$KEY_ID" "$OWNER"
n=$(count /ok/key)
json POST wh-a /v1/collections/people/records '{"data":{"name":"k2"}}' "$OWNER"
skipped() { authed GET wh-a "/v1/webhooks/$WK/deliveries" "$OWNER"; [ "$(jb '.items[0].status')" = skipped ]; }
check "once revoked, the delivery is skipped" wait_for 15 skipped
check "and nothing is sent" eq "$(count /ok/key)" "$n"

# --- Fairness: a hanging endpoint beside a healthy tenant ---------------------
mk_tenant wh-hang
mk_tenant wh-fair
login wh-hang owner@wh-hang.test "$PW_OWNER"
HANG=$TOKEN
login wh-fair owner@wh-fair.test "$PW_OWNER"
FAIR=$TOKEN
json POST wh-hang /v1/collections '{"name":"n","fields":{"v":{"type":"integer"}}}' "$HANG"
json POST wh-fair /v1/collections '{"name":"n","fields":{"v":{"type":"integer"}}}' "$FAIR"
json POST wh-hang /v1/webhooks "{\"url\":\"$HOOK/hang\",\"events\":[\"record.created\"]}" "$HANG"
json POST wh-fair /v1/webhooks "{\"url\":\"$HOOK/ok/fair\",\"events\":[\"record.created\"]}" "$FAIR"
# The fair tenant's deliveries: latency and percentiles.
# latency ROUND: each delivery's latency (arrival - event time), ms, sorted.
latency() {
	lines "/ok/fair/$1" | jq -r '(.body | fromjson | .timestamp) as $t | .at_ms - (($t | sub("\\.[0-9]+Z$"; "Z") | fromdate * 1000) + ($t | capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber))' |
		sort -n
}
# pct ROUND P: the P-th percentile of latency ROUND.
pct() { latency "$1" | awk -v p="$2" '{ a[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print a[i] }'; }
fair_round() {
	json PATCH wh-fair "/v1/webhooks/$(authed GET wh-fair /v1/webhooks "$FAIR"; jb '.items[0].id')" "{\"url\":\"$HOOK/ok/fair/$1\"}" "$FAIR"
	for i in $(seq 40); do
		json POST wh-fair /v1/collections/n/records "{\"data\":{\"v\":$i}}" "$FAIR"
		sleep 0.05
	done
	wait_count "/ok/fair/$1" 40 60
}
check "the fair tenant alone: 40 deliveries" fair_round alone
alone=$(pct alone 99)
alone50=$(pct alone 50)
for i in $(seq 40); do json POST wh-hang /v1/collections/n/records "{\"data\":{\"v\":$i}}" "$HANG"; done
check "the hanging endpoint holds its tenant's slots" wait_count /hang 4 15
check "beside the hanging tenant: 40 deliveries" fair_round beside
beside=$(pct beside 99)
beside50=$(pct beside 50)
echo "# fairness: healthy tenant's delivery latency alone p50 ${alone50} ms p99 ${alone} ms, beside a hanging endpoint p50 ${beside50} ms p99 ${beside} ms ($(awk -v a="$alone" -v b="$beside" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')x); hanging endpoint reached $(count /hang) times, timeout ${WEBHOOK_TIMEOUT_MS} ms"
check "sanity: the healthy tenant's p99 beside the hang is under the endpoint timeout x 4" eval '[ "$beside" -lt $((WEBHOOK_TIMEOUT_MS * 4)) ]'

# --- Retention -------------------------------------------------------------
json PATCH wh-b /v1/config '{"settings":{"retention":{"events_days":0}}}' "$OWNER_B" -H 'If-Match: *'
check "retention.events_days below 1 is refused (422)" eq "$STATUS" 422
json PATCH wh-b /v1/config '{"settings":{"retention":{"events_days":2}}}' "$OWNER_B" -H 'If-Match: *'
check "retention.events_days is a setting" eq "$STATUS/$(jb .settings.retention.events_days)" "200/2"
TB=$(tid wh-b)
check "tenant B's delivered events are in the outbox" wait_for 15 eval '[ "$(psql_super -c "SELECT count(*) FROM strata.events WHERE tenant_id = '"'$TB'"' AND fanned")" -ge 2 ]'
psql_super -c "UPDATE strata.events SET at = now() - interval '3 days' WHERE tenant_id = '$TB'" >/dev/null
psql_super -c "UPDATE strata.events SET at = now() - interval '1 day' WHERE tenant_id = '$TA'" >/dev/null
gone_b() { [ "$(psql_super -c "SELECT count(*) FROM strata.events WHERE tenant_id = '$TB'")" = 0 ]; }
check "events past retention.events_days are purged (off the request path)" wait_for 30 gone_b
check "with their deliveries" eq "$(psql_super -c "SELECT count(*) FROM strata.webhook_deliveries WHERE tenant_id = '$TB'")" 0
check "another tenant's younger events stay (default 7 days)" eval '[ "$(events_a)" -gt 0 ]'

DPID=$(pgrep -x -P "$(cat "$VAR/run/strata.pid")" strata-deliver | head -1)
check "the deliverer is a process of its own, with no_new_privs" eq \
	"$([ -n "$DPID" ] && awk '/^NoNewPrivs/ { print $2 }' "/proc/$DPID/status")" 1
authed GET wh-a /v1/webhooks "$OWNER"
check "the list shows the tenant's webhooks only" eq "$(jb '[.items[].id] | index("'"$WB"'")')" null
check "no secret in the logs" eval '! grep -rq "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\|${SECRET_B#whsec_}" "$VAR/log/"'
finish

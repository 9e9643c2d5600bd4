# lib.sh - sourced by every stack test (tests/smoke, tests/isolation).
#
# VAR is the running stack's directory (var/test under make test).  Each
# check prints "ok - what" or "not ok - what"; test.sh counts them.
# shellcheck disable=SC1091
. "$VAR/stack.env"
CA=$VAR/tls/cert.pem
STRATA="$STRATA_BIN --config $VAR/strata.conf"
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
T_FAILED=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; T_FAILED=$((T_FAILED + 1)); }

# check "description" command...: ok when the command succeeds.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# eq ACTUAL EXPECTED: with a note on mismatch.
eq() {
	[ "$1" = "$2" ] && return 0
	echo "#   expected [$2] got [$1]"
	return 1
}

# req METHOD HOST PATH [curl args...]: sets STATUS and BODY; headers in
# $TMPD/h.  HOST is a tenant slug, "apex", or a full host name.
url_host() {
	case $1 in
	apex) echo "$BASE" ;;
	*.*) echo "$1" ;;
	*) echo "$1.$BASE" ;;
	esac
}
req() {
	local method=$1 host
	host=$(url_host "$2")
	local path=$3
	shift 3
	STATUS=$(curl -s -o "$TMPD/b" -D "$TMPD/h" -w '%{http_code}' \
		--cacert "$CA" --resolve "$host:$HTTPS_PORT:127.0.0.1" \
		-X "$method" "https://$host:$HTTPS_PORT$path" "$@")
	BODY=$(cat "$TMPD/b")
}
# json METHOD HOST PATH BODY [TOKEN] [curl args...]
json() {
	local m=$1 h=$2 p=$3 b=$4 tok=${5:-}
	shift 4
	[ $# -gt 0 ] && shift
	if [ -n "$tok" ]; then
		req "$m" "$h" "$p" -H "Content-Type: application/json" \
			-H "Authorization: Bearer $tok" --data-binary "$b" "$@"
	else
		req "$m" "$h" "$p" -H "Content-Type: application/json" \
			--data-binary "$b" "$@"
	fi
	remember_secrets
}
# Every credential the stack hands out is remembered, so the last test can
# prove none of them reached a log file.
remember_secrets() {
	case $BODY in
	*access_token* | *refresh_token* | *'"key"'*)
		jq -r '.access_token // empty, .refresh_token // empty, .key // empty' \
			<<<"$BODY" 2>/dev/null >>"$VAR/secrets-seen" ;;
	esac
}
# authed METHOD HOST PATH TOKEN [curl args...]
authed() {
	local m=$1 h=$2 p=$3 tok=$4
	shift 4
	req "$m" "$h" "$p" -H "Authorization: Bearer $tok" "$@"
}
header() { grep -i "^$1:" "$TMPD/h" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
jb() { jq -r "$@" <<<"$BODY" 2>/dev/null; }
is_problem() {
	[ "$(header content-type)" = "application/problem+json" ] &&
		[ "$(jb .status)" = "$1" ] && [ "$(jb .code)" = "$2" ] &&
		[ -n "$(jb .request_id)" ] && [ "$(jb .request_id)" != null ]
}
# status_is CODE: STATUS equals CODE (with the body on mismatch).
status_is() {
	[ "$STATUS" = "$1" ] && return 0
	echo "#   expected status $1 got $STATUS: ${BODY:0:300}"
	return 1
}

psql_owner() {
	# shellcheck disable=SC1091
	. "$VAR/secrets.env"
	PGPASSWORD=$OWNER_PW psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$VAR/pg/run" \
		-p "$PG_PORT" -U strata_owner -d strata "$@"
}
# The cluster's superuser: sees every row (row-level security does not
# apply to it).  For checks on raw storage only.
psql_super() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- psql -X -q -t -A -v ON_ERROR_STOP=1 \
			-h "$VAR/pg/run" -p "$PG_PORT" -d strata "$@"
	else
		psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$VAR/pg/run" \
			-p "$PG_PORT" -d strata "$@"
	fi
}
# The superuser on a worker of the Citus stack, by its port
# (CITUS_W1_PORT or CITUS_W2_PORT).  Citus hides the shards from
# pg_class there unless the session sets citus.override_table_visibility
# to off.
psql_worker() { # PORT ARGS...
	local run=$VAR/citus-w1/run port=$1
	[ "$port" = "$CITUS_W2_PORT" ] && run=$VAR/citus-w2/run
	shift
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- psql -X -q -t -A -v ON_ERROR_STOP=1 \
			-h "$run" -p "$port" -d strata "$@"
	else
		psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$run" -p "$port" \
			-d strata "$@"
	fi
}
psql_app() {
	# shellcheck disable=SC1091
	. "$VAR/secrets.env"
	PGPASSWORD=$APP_PW psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$VAR/pg/run" \
		-p "$PG_PORT" -U strata_app -d strata "$@"
}

# mk_tenant SLUG: a tenant with owner owner@SLUG.test / PW_OWNER.
PW_OWNER="owner-Secret-pass-1"
mk_tenant() {
	echo "$PW_OWNER" | $STRATA tenant create --slug "$1" --name "Tenant $1" \
		--owner-email "owner@$1.test" >/dev/null
}
# login SLUG EMAIL PASSWORD: sets TOKEN (the access token), STATUS, BODY
# and LOGIN_BODY (the whole answer: refresh token, expiry).
login() {
	json POST "$1" /v1/auth/login "{\"email\":\"$2\",\"password\":\"$3\"}"
	LOGIN_BODY=$BODY
	TOKEN=$(jb .access_token)
}
# mk_user SLUG TOKEN EMAIL ROLE [PASSWORD]: creates a user; sets NEW_ID,
# STATUS and BODY.
PW_USER="user-Secret-pass-12"
mk_user() {
	json POST "$1" /v1/users "{\"email\":\"$3\",\"name\":\"$4 user\",\"password\":\"${5:-$PW_USER}\",\"roles\":[\"$4\"]}" "$2"
	NEW_ID=$(jb .id)
}

# mail_wait RCPT [SINCE_FILE]: waits (up to 20 s) for a mail to RCPT in
# the stack's SMTP sink (VAR/mail/new, stack.sh) newer than SINCE_FILE;
# sets MAIL to its file ("" when none came).  mail_link KIND: the token of
# KIND (sin, spr, sjn) in MAIL.
mail_wait() {
	local f
	MAIL=""
	for _ in $(seq 200); do
		for f in $(ls -t "$VAR"/mail/new/ 2>/dev/null); do
			f=$VAR/mail/new/$f
			[ -n "${2:-}" ] && [ ! "$f" -nt "$2" ] && continue
			if grep -qx "X-RcptTo: $1" "$f"; then MAIL=$f; return 0; fi
		done
		sleep 0.1
	done
	return 1
}
# Each token read is remembered with the other credentials (no log line
# may hold one: tests/final/no_secrets_in_logs.sh).
mail_link() {
	local t
	t=$(grep -o "token=$1_[A-Za-z0-9_-]*" "$MAIL" | head -1 | cut -d= -f2)
	[ -n "$t" ] && echo "$t" >>"$VAR/secrets-seen"
	echo "$t"
}
# mail_count RCPT: how many mails RCPT has had.
mail_count() { grep -lx "X-RcptTo: $1" "$VAR"/mail/new/* 2>/dev/null | wc -l; }

finish() { exit 0; }

#!/usr/bin/env bash
# test-deploy.sh - `make test-deploy`: the Ansible deployment, for real.
#
# Lints the playbook, then deploys Strata with it onto this machine
# (connection local, supervisor mode: no systemd needed) twice over:
#   single  one host in both inventory groups; strata reaches PostgreSQL
#           over its unix socket (the common case)
#   split   a "db" and an "app" inventory host (both this machine): strata
#           reaches PostgreSQL over TCP with TLS, the passwords are read from
#           the database host, as with a separate database server
#   regions two regions, eu and us (inventory groups region_eu, region_us;
#           docs/regions.md), each a whole deployment of its own prefix,
#           PostgreSQL cluster, service user and nginx, on loopback with the
#           edges on their own ports: a signup for eu at us's edge, a request
#           forwarded from us's edge to eu, the directory replicated both
#           ways, a tenant moved from eu to us (region_admin,
#           super_database_url, the peer role)
# Each deployment gets its own prefix, ports, PostgreSQL cluster and service
# user, so it never meets `make run` (var/, 8443/8080/5433) or `make test`
# (var/test); each is smoke-tested over HTTPS, run a second time (which must
# change nothing) and torn down: everything it started is stopped by pid
# file and everything it created is removed.
#
# Environment (defaults in brackets):
#   DEPLOY_PREFIX [/opt/strata-deploy-test]  (the variant name is appended)
#   DEPLOY_HTTPS_PORT [9443]  DEPLOY_HTTP_PORT [9080]  DEPLOY_PG_PORT [5499]
#   DEPLOY_DOMAIN [deploy.localhost]  DEPLOY_USER [strata-deploytest]
#   DEPLOY_VARIANTS ["single split"] (or regions)  KEEP [0] (1: leave the
#   last one running).  regions: us has the ports above, eu each plus 10,
#   the service users are DEPLOY_USER-eu and -us.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ANS=$ROOT/ansible
PREFIX_BASE=$(realpath -m "${DEPLOY_PREFIX:-/opt/strata-deploy-test}")
HTTPS_PORT=${DEPLOY_HTTPS_PORT:-9443}
HTTP_PORT=${DEPLOY_HTTP_PORT:-9080}
PG_PORT=${DEPLOY_PG_PORT:-5499}
DOMAIN=${DEPLOY_DOMAIN:-deploy.localhost}
SVC=${DEPLOY_USER:-strata-deploytest}
VARIANTS=${DEPLOY_VARIANTS:-single split}
KEEP=${KEEP:-0}
PGBIN=/usr/lib/postgresql/15/bin

PASSED=0
FAILED=0
V=""
ok() { echo "ok - ${V:+[$V] }$*"; PASSED=$((PASSED + 1)); }
not_ok() { echo "not ok - ${V:+[$V] }$*"; FAILED=$((FAILED + 1)); }
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
note() { echo "# $*"; }
eq() {
	[ "$1" = "$2" ] && return 0
	echo "#   expected [$2] got [$1]"
	return 1
}
perm() { stat -c '%a %U' "$1" 2>/dev/null; }
finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

if [ "$(id -u)" -ne 0 ]; then
	echo "test-deploy: run as root (it installs packages, users and services)" >&2
	not_ok "running as root"
	finish
	exit 1
fi

LOGS=$(mktemp -d /tmp/strata-deploy-test.XXXXXX)

# ---------------------------------------------------------------- teardown

alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

# stop_pid PIDFILE SIGNAL: signal the pid in the file, wait up to 20 s,
# then KILL.
stop_pid() {
	local f=$1 sig=$2 pid
	alive "$f" || return 0
	pid=$(head -1 "$f")
	kill "-$sig" "$pid" 2>/dev/null
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	sleep 0.2
}

# teardown PREFIX [USER]: everything a deployment may have started, by pid
# file, then its files, then the service user it made (recognised by its
# home; USER defaults to DEPLOY_USER).
teardown() {
	local p=$1 SVC=${2:-$SVC}
	stop_pid "$p/nginx/nginx.pid" QUIT
	stop_pid "$p/run/strata.pid" TERM
	stop_pid "$p/pg/data/postmaster.pid" INT
	case $p in
	/ | /opt | /usr | /etc | /var | /tmp | "") ;;
	*) rm -rf "$p" ;;
	esac
	if id -u "$SVC" >/dev/null 2>&1 && [ "$(getent passwd "$SVC" | cut -d: -f6)" = "$p" ]; then
		userdel "$SVC" 2>/dev/null
		getent group "$SVC" >/dev/null && groupdel "$SVC" 2>/dev/null
	fi
	return 0
}

CURRENT=""
on_exit() {
	local rc=$?
	if [ -n "$CURRENT" ]; then
		if [ "$KEEP" = 1 ]; then
			note "KEEP=1: the deployment is left running under $CURRENT (logs: $LOGS)"
		else
			# "PREFIX[=USER] ...": one entry per deployment (regions: two).
			for c in $CURRENT; do teardown "${c%%=*}" "$(sed -n 's/^[^=]*=//p' <<<"$c")"; done
		fi
	fi
	exit $rc
}
trap on_exit EXIT

# ---------------------------------------------------------------- tools

# ansible, ansible-lint, sudo for become (Debian packages); nothing starts a
# system service while installing (deps.sh).
"$ROOT/tests/stack/deps.sh" ansible ansible-lint sudo curl jq openssl \
	nginx postgresql-15 >"$LOGS/deps.log" 2>&1
check "ansible, ansible-lint and sudo are installed" \
	sh -c 'command -v ansible-playbook && command -v ansible-lint && command -v sudo' >/dev/null

export ANSIBLE_CONFIG=$ANS/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

if ansible-playbook -i "$ANS/inventory.example.yml" --syntax-check "$ANS/site.yml" \
	>"$LOGS/syntax.log" 2>&1; then
	ok "ansible-playbook --syntax-check"
else
	not_ok "ansible-playbook --syntax-check"
	sed 's/^/#   /' "$LOGS/syntax.log"
fi

if (cd "$ANS" && ansible-lint --nocolor) >"$LOGS/lint.log" 2>&1; then
	ok "ansible-lint: $(tail -1 "$LOGS/lint.log")"
else
	not_ok "ansible-lint"
	sed 's/^/#   /' "$LOGS/lint.log" | tail -40
fi
rm -rf "$ANS/.cache"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Every deployment uses one snapshot of the sources, so that edits made
# meanwhile in the work tree cannot make a second run rebuild.
SRC=$LOGS/src
mkdir -p "$SRC"
cp -a "$ROOT"/Makefile "$ROOT"/cgi-bin "$ROOT"/lib "$ROOT"/sql "$ROOT"/nginx "$SRC"/

# ---------------------------------------------------------------- one deployment

# deploy VARIANT: the whole cycle for one inventory layout.
deploy() {
	V=$1
	local P=$PREFIX_BASE-$V L=$LOGS/$V
	local CA=$P/nginx/tls/cert.pem CONF=$P/etc/strata.conf
	local STRATA="$P/bin/strata --config $P/etc/strata.conf"
	mkdir -p "$L"

	if [ -e "$P" ]; then
		note "removing the leftovers of an earlier run under $P"
		teardown "$P"
	fi
	if id -u "$SVC" >/dev/null 2>&1; then
		not_ok "user $SVC exists already (not made by this test); set DEPLOY_USER"
		return
	fi
	if ! port_free "$HTTPS_PORT" || ! port_free "$HTTP_PORT" || ! port_free "$PG_PORT"; then
		not_ok "ports $HTTPS_PORT/$HTTP_PORT/$PG_PORT are in use; set DEPLOY_*_PORT"
		return
	fi
	CURRENT=$P

	# -------------------------------------------------------- inventory
	local db=localhost app=localhost listen='""'
	[ "$V" = split ] && db=db app=app listen=127.0.0.1
	cat >"$L/inventory.yml" <<EOF
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: /usr/bin/python3
  children:
    strata_db:
      hosts:
        $db:
    strata_app:
      hosts:
        $app:
EOF
	cat >"$L/vars.yml" <<EOF
strata_service_manager: supervisor
strata_source_dir: $SRC
strata_domain: $DOMAIN
strata_prefix: $P
strata_config_dir: $P/etc
strata_run_dir: $P/run
strata_log_dir: $P/log
strata_user: $SVC
strata_group: $SVC
strata_https_port: $HTTPS_PORT
strata_http_port: $HTTP_PORT
strata_listen_addresses: ["127.0.0.1"]
strata_db_port: $PG_PORT
strata_db_socket_dir: $P/pg/run
strata_backup_dir: $P/backups
strata_workers: 2
postgresql_data_dir: $P/pg/data
postgresql_listen_addresses: $listen
postgresql_shared_buffers: 128MB
postgresql_effective_cache_size: 512MB
postgresql_max_connections: 50
EOF
	if [ "$V" = split ]; then
		# PostgreSQL's TLS certificate: the test's own, not Debian's snakeoil
		# in /etc/ssl, so that nothing outside the prefix is left behind.
		mkdir -p "$P/pgtls"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-days 2 -subj /CN=127.0.0.1 -keyout "$P/pgtls/key.pem" -out "$P/pgtls/cert.pem" 2>/dev/null
		chown postgres "$P/pgtls/key.pem"
		chmod 600 "$P/pgtls/key.pem"
		cat >>"$L/vars.yml" <<EOF
strata_db_host: 127.0.0.1
postgresql_allowed_clients: ["127.0.0.1/32"]
postgresql_ssl_cert_file: $P/pgtls/cert.pem
postgresql_ssl_key_file: $P/pgtls/key.pem
EOF
	fi
	local PLAY=(ansible-playbook -i "$L/inventory.yml" -e "@$L/vars.yml" "$ANS/site.yml")

	# -------------------------------------------------------- first run
	local t0
	t0=$(date +%s)
	if "${PLAY[@]}" >"$L/run1.log" 2>&1; then
		ok "first run of site.yml ($(($(date +%s) - t0)) s): $(recap "$L/run1.log")"
	else
		not_ok "first run of site.yml"
		tail -40 "$L/run1.log" | sed 's/^/#   /'
		return
	fi

	check "PostgreSQL runs (pid file $P/pg/data/postmaster.pid)" alive "$P/pg/data/postmaster.pid"
	check "strata runs (pid file $P/run/strata.pid)" alive "$P/run/strata.pid"
	check "nginx runs (pid file $P/nginx/nginx.pid)" alive "$P/nginx/nginx.pid"
	check "strata runs as $SVC" \
		eq "$(stat -c %U "/proc/$(cat "$P/run/strata.pid" 2>/dev/null)" 2>/dev/null)" "$SVC"

	# -------------------------------------------------------- secrets
	check "master key: 32 bytes" eq "$(stat -c %s "$P/etc/master.key" 2>/dev/null)" 32
	check "master key: mode 0600, owned by $SVC" eq "$(perm "$P/etc/master.key")" "600 $SVC"
	check "strata.conf: mode 0600, owned by $SVC" eq "$(perm "$CONF")" "600 $SVC"
	check "database passwords file: mode 0600, root only" eq "$(perm "$P/etc/database.secrets")" "600 root"
	check "config directory: no access for others" eq "$(stat -c '%a' "$P/etc")" 750
	check "TLS key: mode 0600" eq "$(perm "$P/nginx/tls/key.pem")" "600 root"
	sed -n 's/^[a-z]*: //p' "$P/etc/database.secrets" >"$L/pw"
	check "no generated password in the repository's ansible/ tree" \
		sh -c "[ -s $L/pw ] && ! grep -rqF -f $L/pw $ANS"
	local key_sum secrets_sum
	key_sum=$(sha256sum "$P/etc/master.key" | cut -d' ' -f1)
	secrets_sum=$(sha256sum "$P/etc/database.secrets" | cut -d' ' -f1)

	# -------------------------------------------------------- nginx = nginx/
	# The repository's nginx/ is the source of truth: the snippets are
	# rendered from it, and the deployed configuration (nginx -T) carries the
	# same directives as nginx/nginx.conf.in rendered the way
	# tests/stack/stack.sh renders it (the site moves the http-level ones to
	# strata-server.conf, so lines are compared as sets, without comments and
	# indentation).
	norm() { sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v '^$' | sort -u; }
	repo_nginx() {
		sed -e "s|@VAR@|$P|g" -e "s|@NGINX_DIR@|$P/nginx|g" -e "s|@USER_LINE@|user www-data;|g" \
			-e "s|@BASE@|$DOMAIN|g" -e "s|@BASE_RE@|${DOMAIN//./\\\\.}|g" -e "s|@LISTEN@|127.0.0.1|g" -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
			-e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@SOCKET@|$P/run/strata.sock|g" -e "s|@STREAM_SOCKET@|$P/run/stream.sock|g" \
			-e "s|@TLS_CERT@|$P/nginx/tls/cert.pem|g" -e "s|@TLS_KEY@|$P/nginx/tls/key.pem|g" \
			-e "s|@PUBLIC_PORT_SUFFIX@|:$HTTPS_PORT|g" -e "s|@AUTH_RATE@|10r/s|g" \
			-e "s|@AUTH_BURST@|20|g" -e "s|@SIGNUP_RATE@|2r/s|g" -e "s|@SIGNUP_BURST@|5|g" \
			-e "s|@TENANT_CONN@|8|g" -e "s|@TENANT_HOST_CONN@|64|g" \
			"$SRC/nginx/nginx.conf.in" "$SRC"/nginx/{headers,fastcgi,microcache,problems,locations,console,refuse}.conf
	}
	deployed_nginx() {
		nginx -T -q -e "$P/log/nginx-error.log" -p "$P/nginx" -c "$P/nginx/nginx.conf" 2>/dev/null
	}
	if diff <(repo_nginx | norm) <(deployed_nginx |
		grep -v -e 'strata-server.conf;' -e 'site.conf;' -e '^[[:space:]]*access_log off;' |
		norm) >"$L/nginx.diff"; then
		ok "deployed nginx configuration has the directives of nginx/nginx.conf.in"
	else
		not_ok "deployed nginx configuration has the directives of nginx/nginx.conf.in (< repo, > deployed)"
		sed 's/^/#   /' "$L/nginx.diff"
	fi
	same_snippet() {
		diff <(sed "s|@NGINX_DIR@|$P/nginx|g" "$SRC/nginx/$1") <(tail -n +2 "$P/nginx/$1") |
			sed 's/^/#   /' | grep . && return 1
		return 0
	}
	for f in headers fastcgi microcache problems locations console refuse; do
		check "nginx/$f.conf rendered into the deployment as it is" same_snippet "$f.conf"
	done
	check "no @PLACEHOLDER@ left in the deployed nginx configuration" \
		sh -c "! nginx -T -q -e $P/log/nginx-error.log -p $P/nginx -c $P/nginx/nginx.conf 2>/dev/null | grep -E '@[A-Z_]+@'"

	# -------------------------------------------------------- smoke
	local A=https://$DOMAIN:$HTTPS_PORT T=https://dep-a.$DOMAIN:$HTTPS_PORT
	local C=(curl -s --cacert "$CA" -o "$L/body" -D "$L/head" -w '%{http_code}')
	hdr() { grep -i "^$1:" "$L/head" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
	local code=000 out token id
	for _ in $(seq 100); do
		code=$("${C[@]}" "$A/readyz" 2>/dev/null)
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	check "GET /readyz through nginx over HTTPS: 200" eq "$code" 200

	if out=$($STRATA tenant create --slug dep-a --name Dep --owner-email owner@dep.test \
		--owner-password 'deploy-owner-pass-1' 2>&1); then
		ok "strata tenant create dep-a (CLI, deployed config)"
	else
		not_ok "strata tenant create dep-a: $out"
	fi

	code=$("${C[@]}" "$T/v1/auth/login" -H 'Content-Type: application/json' \
		-d '{"email":"owner@dep.test","password":"deploy-owner-pass-1"}')
	token=$(jq -r '.access_token // empty' "$L/body" 2>/dev/null)
	check "login at dep-a: 200 with an access token" sh -c "[ $code = 200 ] && [ -n '$token' ]"
	local H="Authorization: Bearer $token"

	code=$("${C[@]}" "$T/v1/collections" -H "$H" -H 'Content-Type: application/json' \
		-d '{"name":"notes","fields":{"text":{"type":"string","required":true}}}')
	check "create collection notes: 201" eq "$code" 201

	code=$("${C[@]}" "$T/v1/collections/notes/records" -H "$H" -H 'Content-Type: application/json' \
		-d '{"data":{"text":"hello"}}')
	id=$(jq -r '.id // empty' "$L/body" 2>/dev/null)
	check "write a record: 201 with an id" sh -c "[ $code = 201 ] && [ -n '$id' ]"

	code=$("${C[@]}" "$T/v1/collections/notes/records/$id" -H "$H")
	check "read it back: 200" eq "$code" 200
	check "read it back: data.text is hello" eq "$(jq -r .data.text "$L/body" 2>/dev/null)" hello
	check "security headers on API answers" \
		sh -c "[ -n '$(hdr strict-transport-security)' ] && [ '$(hdr x-content-type-options)' = nosniff ]"

	code=$("${C[@]}" --resolve "other.example:$HTTPS_PORT:127.0.0.1" -k \
		"https://other.example:$HTTPS_PORT/v1/collections")
	check "unknown host: 421 problem+json misdirected_request from nginx" sh -c "[ $code = 421 ] &&
		[ '$(hdr content-type)' = application/problem+json ] &&
		[ '$(jq -r .code "$L/body" 2>/dev/null)' = misdirected_request ]"

	code=$("${C[@]}" -k "https://127.0.0.1:$HTTPS_PORT/readyz")
	check "IP-literal host: 400 problem+json" \
		sh -c "[ $code = 400 ] && [ '$(hdr content-type)' = application/problem+json ]"

	code=$(curl -s -o /dev/null -D "$L/head" -w '%{http_code}' "http://dep-a.$DOMAIN:$HTTP_PORT/v1/me")
	check "HTTP redirects to HTTPS" \
		sh -c "[ $code = 301 ] && [ '$(hdr location)' = 'https://dep-a.$DOMAIN:$HTTPS_PORT/v1/me' ]"

	check "TLS 1.1 is refused" sh -c "! curl -s -o /dev/null --cacert $CA --tls-max 1.1 $A/readyz"

	code=$("${C[@]}" "$A/metrics")
	check "GET /metrics from loopback: 200" eq "$code" 200

	if [ "$V" = split ]; then
		check "strata reaches PostgreSQL over TCP with TLS" sh -c \
			"grep -q '^database_url = host=127.0.0.1 port=$PG_PORT .*sslmode=require' $CONF &&
			 runuser -u postgres -- $PGBIN/psql -X -At -h $P/pg/run -p $PG_PORT -d postgres -c \
			 \"SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND usename = 'strata_app'\" | grep -qv '^0$'"
	fi
	check "backup script writes a restorable dump" sh -c \
		"f=\$($P/sbin/strata-backup) && $PGBIN/pg_restore --list \"\$f\" | grep -q 'TABLE DATA strata tenants'"

	# -------------------------------------------------------- second run
	second_run_changes_nothing
	check "master key kept by the second run" \
		eq "$(sha256sum "$P/etc/master.key" | cut -d' ' -f1)" "$key_sum"
	check "database passwords kept by the second run" \
		eq "$(sha256sum "$P/etc/database.secrets" | cut -d' ' -f1)" "$secrets_sum"
	code=$("${C[@]}" "$T/v1/collections/notes/records/$id" -H "$H")
	check "the record is still served after the second run" eq "$code" 200

	# -------------------------------------------------------- teardown
	if [ "$KEEP" = 1 ] && [ "$V" = "${VARIANTS##* }" ]; then
		return
	fi
	local pids left=""
	pids="$(head -1 "$P/pg/data/postmaster.pid" 2>/dev/null) $(cat "$P/run/strata.pid" "$P/nginx/nginx.pid" 2>/dev/null)"
	teardown "$P"
	CURRENT=""
	for pid in $pids; do kill -0 "$pid" 2>/dev/null && left="$left $pid"; done
	check "teardown: every process stopped by pid file" eq "$left" ""
	check "teardown: $P removed" sh -c "[ ! -e $P ]"
	check "teardown: port $HTTPS_PORT free again" port_free "$HTTPS_PORT"
	check "teardown: service user $SVC removed" sh -c "! id -u $SVC >/dev/null 2>&1"
}

# The PLAY RECAP lines, one per host, squeezed.
recap() { grep -E '^[a-z]+ +:' "$1" | tr -s ' ' | sed 's/ $//' | paste -sd ';' -; }

# Run site.yml again ("${PLAY[@]}", log in $L/run2.log) and check that no
# host reports a change.
second_run_changes_nothing() {
	local t0 r2
	t0=$(date +%s)
	if "${PLAY[@]}" >"$L/run2.log" 2>&1; then
		ok "second run of site.yml ($(($(date +%s) - t0)) s)"
	else
		not_ok "second run of site.yml"
		tail -40 "$L/run2.log" | sed 's/^/#   /'
	fi
	r2=$(recap "$L/run2.log")
	if [ -n "$r2" ] && ! grep -qv ' changed=0 .* failed=0 ' <<<"$(grep -E '^[a-z]+ +:' "$L/run2.log")"; then
		ok "second run changes nothing: $r2"
	else
		not_ok "second run changes nothing: $r2"
		grep -E '^changed:|^TASK|^RUNNING HANDLER' "$L/run2.log" | grep -B1 '^changed:' | sed 's/^/#   /'
	fi
}

# systemd mode cannot run here (systemd is not PID 1): render its files and
# check them with the tools that work offline.
systemd_mode() {
	V=systemd
	local S=$LOGS/systemd
	mkdir -p "$S/bin" "$S/nginx/tls"
	install -m 0755 /dev/null "$S/bin/strata"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=$DOMAIN" -keyout "$S/nginx/tls/key.pem" -out "$S/nginx/tls/cert.pem" 2>/dev/null
	cat >"$S/render.yml" <<EOF
- name: Render the systemd-mode files
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The unit
      ansible.builtin.template: {src: $ANS/roles/strata/templates/strata.service.j2, dest: $S/strata.service, mode: "0644"}
    - name: The site
      ansible.builtin.template: {src: "$ANS/roles/nginx/templates/{{ item }}.j2", dest: "$S/nginx/{{ item }}", mode: "0644"}
      loop: [site.conf, strata-server.conf]
    - name: The snippets
      ansible.builtin.template: {src: $ANS/roles/nginx/templates/snippet.conf.j2, dest: "$S/nginx/{{ item }}", mode: "0644"}
      loop: [headers.conf, fastcgi.conf, microcache.conf, problems.conf, locations.conf, console.conf, refuse.conf]
EOF
	: >"$S/nginx/domains.map"
	: >"$S/nginx/forward.map" # the regions' forwarding map (one region: empty)
	cat >"$S/vars.yml" <<EOF
strata_service_manager: systemd
strata_source_dir: $SRC
strata_domain: $DOMAIN
strata_bin_dir: $S/bin
strata_user: www-data
strata_group: www-data
strata_https_port: $HTTPS_PORT
strata_http_port: $HTTP_PORT
strata_listen_addresses: ["127.0.0.1"]
nginx_conf_dir: $S/nginx
nginx_log_dir: $S
nginx_cache_dir: $S/nginx/cache
nginx_tls_cert_path: $S/nginx/tls/cert.pem
nginx_tls_key_path: $S/nginx/tls/key.pem
strata_nginx_domains_map: $S/nginx/domains.map
EOF
	if ansible-playbook -i localhost, -c local "$S/render.yml" \
		-e "@$ANS/roles/common/defaults/main.yml" -e "@$ANS/roles/strata/defaults/main.yml" \
		-e "@$ANS/roles/nginx/defaults/main.yml" -e "@$S/vars.yml" >"$S/render.log" 2>&1; then
		ok "unit and site render"
	else
		not_ok "unit and site render"
		tail -20 "$S/render.log" | sed 's/^/#   /'
		return
	fi
	if systemd-analyze verify "$S/strata.service" >"$S/verify.log" 2>&1; then
		ok "strata.service passes systemd-analyze verify"
	else
		not_ok "strata.service passes systemd-analyze verify"
		sed 's/^/#   /' "$S/verify.log"
	fi
	check "strata.service is hardened" sh -c "grep -qx 'User=www-data' $S/strata.service &&
		grep -qx 'ProtectSystem=strict' $S/strata.service && grep -qx 'NoNewPrivileges=yes' $S/strata.service &&
		grep -qx 'PrivateTmp=yes' $S/strata.service"
	# Debian's own nginx.conf with the site where sites-enabled/ would be.
	sed -e "s|include /etc/nginx/sites-enabled/\*;|include $S/nginx/site.conf;|" \
		-e "s|^pid .*|pid $S/nginx.pid;|" -e "s|^error_log .*|error_log $S/error.log;|" \
		-e "s|access_log /var/log/nginx/access.log;|access_log $S/access.log;|" \
		/etc/nginx/nginx.conf >"$S/nginx.conf"
	if nginx -t -q -c "$S/nginx.conf" -e "$S/error.log" >"$S/nginx-t.log" 2>&1; then
		ok "the site passes nginx -t within Debian's nginx.conf"
	else
		not_ok "the site passes nginx -t within Debian's nginx.conf"
		sed 's/^/#   /' "$S/nginx-t.log"
	fi
}

systemd_mode
for variant in $VARIANTS; do
	if [ "$variant" = regions ]; then
		# shellcheck source=ansible/test-deploy-regions.sh
		. "$ANS/test-deploy-regions.sh"
		deploy_regions
	else
		deploy "$variant"
	fi
done
V=""

if [ "$FAILED" -eq 0 ] && [ "$KEEP" != 1 ]; then rm -rf "$LOGS"; else note "logs in $LOGS"; fi
finish

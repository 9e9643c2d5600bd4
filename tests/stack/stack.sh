#!/usr/bin/env bash
# stack.sh up|down|status VAR_DIR
#
# The whole Strata stack in one directory: a private PostgreSQL cluster
# (VAR/pg), the master key, a self-signed certificate, `strata serve` and
# nginx.  `make run` uses VAR=var on the standard ports; `make test` and
# `make bench` use their own directories and free ports.  Everything started
# here is recorded by pid in VAR and stopped by pid.
#
# As root, PostgreSQL runs as postgres, and strata and nginx drop to
# www-data: each must reach VAR.  A checkout under a private directory
# (/root is mode 0700, so is a mktemp -d folder) is out of their reach;
# VAR's contents then live in STATE_ROOT/NAME-HASH (the hash of VAR's path,
# so two checkouts never meet) and VAR is a symbolic link to it.  `down`
# follows the link; `purge` (make distclean) removes both.
#
# Environment (defaults in brackets):
#   HTTPS_PORT [8443]  HTTP_PORT [8080]  PG_PORT [5433]  LISTEN [127.0.0.1]
#   STRATA_BIN [build/strata]  WORKERS [2]  BASE [strata.localhost]
#   SEED [1]  PG_FAST [0] (fsync off, for throwaway test clusters)
#   PG_TUNED [0] (the Ansible role's memory and checkpoint tuning; make bench)
#   SCRYPT_LOG2N [15]  AUTH_RATE [10r/s]  AUTH_BURST [20]
#   TEMPLATES_DIR [sql/templates]  (make bench adds its own templates)
#   TENANT_CONN [8]  (requests in flight per tenant host at nginx)
#   STATE_ROOT [/var/lib/strata-stacks]  (see above; root only)
#   SMTP_PORT [2525]  MAIL_SINK [1]: a local SMTP sink (Debian's
#   python3-aiosmtpd) on SMTP_PORT keeps every mail the stack sends as a
#   file in VAR/mail/new (a Maildir); SMTP_URL [smtp://127.0.0.1:SMTP_PORT]
#   names another relay instead (then MAIL_SINK=0).
#   Multi-region (tests/regions/, docs/regions.md): REGION and REGIONS_FILE
#   (and for `strata tenant move`, SUPER_DATABASE_URL and REGION_ADMIN)
#   [none] name this stack's region and every region; FORWARD_SECRET_FILE
#   (the edges' shared secret) and PEERS_CA (the other edges'
#   certificates) make nginx pass requests on to other regions' edges.
#   PG_LISTEN [''] (addresses PostgreSQL listens on), PG_HBA_HOST [none]
#   (a network allowed in with a password) and PG_LOGICAL [0] (wal_level
#   logical) let other regions replicate the directory; set at initdb.
#   PG_BACKREST [0]: the one node archives its WAL into a pgBackRest
#   repository VAR/backrest/repo (tests/dr/ha.sh one-node; backups with
#   tests/dr/backup.sh), compressed with BACKREST_COMPRESS [lz4].
#   CITUS [0]  1: VAR/pg is a Citus coordinator with two workers of its own
#     (VAR/citus-w1, VAR/citus-w2 on CITUS_W1_PORT, CITUS_W2_PORT [5434,
#     5435]), `strata migrate --citus` distributes the schema; needs citus.so
#     (tests/citus/build.sh).  CITUS_SHARDS [8] shards per distributed table.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmd=${1:-}
# VAR_NAME: the directory as named (its parent resolved); VAR: where the
# stack's files are, VAR_NAME itself or the directory it links to.
VAR_NAME=$(realpath -m "$(dirname "${2:-var}")")/$(basename "${2:-var}")
VAR=$(realpath -m "$VAR_NAME")
STATE_ROOT=$(realpath -m "${STATE_ROOT:-/var/lib/strata-stacks}")
PGBIN=/usr/lib/postgresql/15/bin

log() { printf '%s\n' "stack: $*" >&2; }
die() { log "$*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# The OS user that runs PostgreSQL, and the one strata and nginx drop to.
pg_user() { if is_root; then echo postgres; else id -un; fi; }
svc_user() { if is_root; then echo www-data; else id -un; fi; }
# PostgreSQL's programs refuse a working directory they cannot enter.
as_pg() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# reachable DIR: every user the stack runs as can enter DIR (as root).
reachable() {
	local u
	for u in "$(pg_user)" "$(svc_user)"; do
		runuser -u "$u" -- test -x "$1" || return 1
	done
}

# place_var: as root, makes sure postgres and www-data reach VAR: a VAR
# under a private directory becomes a link to a directory of its own in
# STATE_ROOT (a VAR made there before, without a cluster, moves along).
place_var() {
	local state
	is_root || return 0
	if [ -L "$VAR_NAME" ]; then
		mkdir -p "$VAR"
		case $VAR in "$STATE_ROOT"/*)
			[ -f "$VAR/.origin" ] || printf '%s\n' "$VAR_NAME" >"$VAR/.origin" ;;
		esac
		return 0
	fi
	mkdir -p "$(dirname "$VAR_NAME")"
	reachable "$(dirname "$VAR_NAME")" && return 0
	[ -d "$VAR_NAME/pg/data" ] &&
		die "$VAR_NAME holds a cluster $(pg_user) cannot reach: allow it into $(dirname "$VAR_NAME"), or remove $VAR_NAME"
	state=$STATE_ROOT/$(basename "$VAR_NAME")-$(printf '%s' "$VAR_NAME" | sha256sum | cut -c1-16)
	forget "$state"
	mkdir -p "$STATE_ROOT"
	chmod 755 "$STATE_ROOT"
	if [ -d "$VAR_NAME" ]; then mv "$VAR_NAME" "$state"; else mkdir "$state"; fi
	printf '%s\n' "$VAR_NAME" >"$state/.origin"
	ln -s "$state" "$VAR_NAME"
	VAR=$state
	log "$(dirname "$VAR_NAME") is private: the stack lives in $VAR ($VAR_NAME links to it)"
}

# forget DIR: a state directory whose link was removed (rm -rf var/test):
# what still runs there is stopped, and the directory goes.
forget() {
	[ -d "$1" ] || return 0
	[ "$(cat "$1/.origin" 2>/dev/null)" = "$VAR_NAME" ] ||
		die "$1 exists and is not $VAR_NAME's; remove it or set STATE_ROOT"
	# shellcheck disable=SC2030 # the subshell keeps this VAR to itself
	(VAR=$1 && down) >/dev/null 2>&1 || true
	rm -rf "$1"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

load_env() {
	if [ -f "$VAR/stack.env" ]; then
		# shellcheck disable=SC1091
		. "$VAR/stack.env"
	fi
	HTTPS_PORT=${HTTPS_PORT:-8443}
	HTTP_PORT=${HTTP_PORT:-8080}
	PG_PORT=${PG_PORT:-5433}
	LISTEN=${LISTEN:-127.0.0.1}
	BASE=${BASE:-strata.localhost}
	WORKERS=${WORKERS:-2}
	STRATA_BIN=${STRATA_BIN:-$ROOT/build/strata}
	SCRYPT_LOG2N=${SCRYPT_LOG2N:-15}
	AUTH_RATE=${AUTH_RATE:-10r/s}
	AUTH_BURST=${AUTH_BURST:-20}
	SIGNUP_RATE=${SIGNUP_RATE:-2r/s}
	SIGNUP_BURST=${SIGNUP_BURST:-5}
	TENANT_CONN=${TENANT_CONN:-8}
	# TENANT_CONN is nginx's cap per tenant host and client address;
	# TENANT_HOST_CONN its cap per tenant host (nginx.conf.in).
	TENANT_HOST_CONN=${TENANT_HOST_CONN:-$((TENANT_CONN * 8))}
	PG_FAST=${PG_FAST:-0}
	PG_TUNED=${PG_TUNED:-0}
	MAX_REQUESTS=${MAX_REQUESTS:-100000}
	RATE_RPS=${RATE_RPS:-200}
	RATE_BURST=${RATE_BURST:-400}
	AUDIT_HORIZON=${AUDIT_HORIZON:-5}
	# Webhooks of the dev and test stacks may post to loopback (receivers
	# on this machine); a deployment leaves this empty.
	WEBHOOK_ALLOW=${WEBHOOK_ALLOW-loopback}
	WEBHOOK_TIMEOUT_MS=${WEBHOOK_TIMEOUT_MS:-10000}
	WEBHOOK_RETRY_WINDOW_S=${WEBHOOK_RETRY_WINDOW_S:-86400}
	# HA=1: two PostgreSQL nodes under Patroni and etcd (tests/dr/ha.sh);
	# clients name both and take the one that accepts writes.
	HA=${HA:-0}
	PG_PORT2=${PG_PORT2:-5434}
	PATRONI_API1=${PATRONI_API1:-8008}
	PATRONI_API2=${PATRONI_API2:-8009}
	ETCD_PORT=${ETCD_PORT:-2379}
	ETCD_PEER_PORT=${ETCD_PEER_PORT:-2380}
	PG_HOSTS=$VAR/pg/run PG_PORTS=$PG_PORT PG_TARGET=""
	if [ "$HA" = 1 ]; then
		PG_HOSTS=$VAR/pg/run,$VAR/pg/run PG_PORTS=$PG_PORT,$PG_PORT2
		PG_TARGET=" target_session_attrs=read-write"
		export PGTARGETSESSIONATTRS=read-write
	fi
	SMTP_PORT=${SMTP_PORT:-2525}
	MAIL_SINK=${MAIL_SINK:-1}
	SMTP_URL=${SMTP_URL:-smtp://127.0.0.1:$SMTP_PORT}
	MAIL_RETRY_WINDOW_S=${MAIL_RETRY_WINDOW_S:-86400}
	REGION=${REGION:-}
	REGIONS_FILE=${REGIONS_FILE:-}
	FORWARD_SECRET_FILE=${FORWARD_SECRET_FILE:-}
	PEERS_CA=${PEERS_CA:-}
	PG_LISTEN=${PG_LISTEN:-}
	PG_HBA_HOST=${PG_HBA_HOST:-}
	PG_LOGICAL=${PG_LOGICAL:-0}
	PG_BACKREST=${PG_BACKREST:-0}
	BACKREST_COMPRESS=${BACKREST_COMPRESS:-lz4}
	CITUS=${CITUS:-0}
	CITUS_W1_PORT=${CITUS_W1_PORT:-5434}
	CITUS_W2_PORT=${CITUS_W2_PORT:-5435}
	CITUS_SHARDS=${CITUS_SHARDS:-8}
}

save_env() {
	cat >"$VAR/stack.env" <<EOF
HTTPS_PORT=$HTTPS_PORT
HTTP_PORT=$HTTP_PORT
PG_PORT=$PG_PORT
LISTEN=$LISTEN
BASE=$BASE
WORKERS=$WORKERS
STRATA_BIN=$STRATA_BIN
SCRYPT_LOG2N=$SCRYPT_LOG2N
AUTH_RATE=$AUTH_RATE
AUTH_BURST=$AUTH_BURST
SIGNUP_RATE=$SIGNUP_RATE
SIGNUP_BURST=$SIGNUP_BURST
TENANT_CONN=$TENANT_CONN
TENANT_HOST_CONN=$TENANT_HOST_CONN
PG_FAST=$PG_FAST
MAX_REQUESTS=$MAX_REQUESTS
RATE_RPS=$RATE_RPS
RATE_BURST=$RATE_BURST
AUDIT_HORIZON=$AUDIT_HORIZON
WEBHOOK_ALLOW=$WEBHOOK_ALLOW
WEBHOOK_TIMEOUT_MS=$WEBHOOK_TIMEOUT_MS
WEBHOOK_RETRY_WINDOW_S=$WEBHOOK_RETRY_WINDOW_S
HA=$HA
PG_PORT2=$PG_PORT2
PATRONI_API1=$PATRONI_API1
PATRONI_API2=$PATRONI_API2
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
SMTP_PORT=$SMTP_PORT
MAIL_SINK=$MAIL_SINK
SMTP_URL=$SMTP_URL
MAIL_RETRY_WINDOW_S=$MAIL_RETRY_WINDOW_S
REGION=$REGION
REGIONS_FILE=$REGIONS_FILE
FORWARD_SECRET_FILE=$FORWARD_SECRET_FILE
PEERS_CA=$PEERS_CA
PG_LISTEN=$PG_LISTEN
PG_HBA_HOST=$PG_HBA_HOST
PG_LOGICAL=$PG_LOGICAL
PG_BACKREST=$PG_BACKREST
BACKREST_COMPRESS=$BACKREST_COMPRESS
CITUS=$CITUS
CITUS_W1_PORT=$CITUS_W1_PORT
CITUS_W2_PORT=$CITUS_W2_PORT
CITUS_SHARDS=$CITUS_SHARDS
EOF
}

secret() { openssl rand -hex 24; }

make_dirs() {
	mkdir -p "$VAR"/{log,run,tls,nginx/tmp,nginx/cache,pg/run}
	chmod 755 "$VAR" "$VAR/run"
	if is_root; then
		chown "$(pg_user)" "$VAR/pg" "$VAR/pg/run"
		chown "$(svc_user)" "$VAR/log" "$VAR/run"
	fi
	chmod 700 "$VAR/nginx/cache"
}

make_secrets() {
	umask 077
	if [ ! -f "$VAR/secrets.env" ]; then
		printf 'OWNER_PW=%s\nAPP_PW=%s\n' "$(secret)" "$(secret)" >"$VAR/secrets.env"
	fi
	# shellcheck disable=SC1091
	. "$VAR/secrets.env"
	if [ ! -f "$VAR/master.key" ]; then
		head -c 32 /dev/urandom >"$VAR/master.key"
	fi
	chmod 600 "$VAR/master.key" "$VAR/secrets.env"
	umask 022
}

make_cert() {
	[ -f "$VAR/tls/cert.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 825 -subj "/CN=$BASE" \
		-addext "subjectAltName=DNS:$BASE,DNS:*.$BASE" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-keyout "$VAR/tls/key.pem" -out "$VAR/tls/cert.pem" 2>/dev/null
	chmod 600 "$VAR/tls/key.pem"
}

psql_super() {
	as_pg env ${PGTARGETSESSIONATTRS:+PGTARGETSESSIONATTRS=read-write} \
		"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOSTS" \
		-p "$PG_PORTS" -U "$(pg_user)" "$@"
}

pg_start() {
	if [ "$HA" = 1 ]; then
		"$ROOT/tests/dr/ha.sh" up "$VAR"
		return 0
	fi
	pg_node_start "$VAR/pg" "$PG_PORT"
	head -1 "$VAR/pg/data/postmaster.pid" >"$VAR/run/postgres.pid"
	if [ "$PG_BACKREST" = 1 ]; then "$ROOT/tests/dr/ha.sh" one-node "$VAR"; fi
	if [ "$CITUS" = 1 ]; then
		pg_node_start "$VAR/citus-w1" "$CITUS_W1_PORT"
		pg_node_start "$VAR/citus-w2" "$CITUS_W2_PORT"
	fi
}

# pg_node_start DIR PORT: a private cluster in DIR/data with its socket in
# DIR/run (VAR/pg is the only node, or the Citus coordinator).
pg_node_start() {
	local dir=$1 port=$2 data=$1/data listen=""
	# Other regions reach the one node (PG_LISTEN); Citus's nodes stay on
	# their sockets.
	[ "$dir" = "$VAR/pg" ] && listen=$PG_LISTEN
	mkdir -p "$dir/run"
	is_root && chown "$(pg_user)" "$dir" "$dir/run"
	if [ ! -d "$data" ]; then
		log "initialising PostgreSQL in $data"
		as_pg "$PGBIN/initdb" -D "$data" -U "$(pg_user)" -E UTF8 \
			--locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
		cat >>"$data/postgresql.conf" <<EOF
# strata
listen_addresses = '$listen'
port = $port
unix_socket_directories = '$dir/run'
unix_socket_permissions = 0777
password_encryption = scram-sha-256
shared_buffers = 256MB
max_connections = 200
log_min_messages = warning
log_min_error_statement = panic
log_line_prefix = '%m [%p] %q%u@%d '
EOF
		# PG_TUNED=1: the Ansible role's tuning (ansible/roles/postgresql,
		# defaults/main.yml) for this machine's memory, so that make bench
		# measures the PostgreSQL a deployment runs (later lines win).
		if [ "$PG_TUNED" = 1 ]; then
			local mb
			mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
			cat >>"$data/postgresql.conf" <<EOT
shared_buffers = $((mb / 4))MB
effective_cache_size = $((mb / 2))MB
work_mem = 8MB
maintenance_work_mem = 256MB
random_page_cost = 1.1
checkpoint_completion_target = 0.9
max_wal_size = 2GB
EOT
		fi
		if [ "$PG_FAST" = 1 ]; then
			printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' \
				>>"$data/postgresql.conf"
		fi
		if [ "$PG_LOGICAL" = 1 ]; then
			printf 'wal_level = logical\nmax_replication_slots = 16\nmax_wal_senders = 16\n' \
				>>"$data/postgresql.conf"
		fi
		if [ "$PG_BACKREST" = 1 ]; then
			cat >>"$data/postgresql.conf" <<EOF
archive_mode = on
archive_command = 'pgbackrest --config=$VAR/backrest/node0.conf --stanza=strata archive-push "%p"'
EOF
		fi
		cat >"$data/pg_hba.conf" <<EOF
local all $(pg_user) peer
local all all scram-sha-256
EOF
		if [ -n "$PG_HBA_HOST" ]; then
			echo "host strata all $PG_HBA_HOST scram-sha-256" >>"$data/pg_hba.conf"
		fi
		if [ "$CITUS" = 1 ]; then citus_node_conf "$data"; fi
	fi
	if ! as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		pg_launch "$data" "$port"
	fi
}

# citus_node_conf DATA: what every Citus node needs (docs/scale-out.md).
# The nodes reach each other over loopback TCP only, and those connections
# are trusted in this throwaway cluster (a deployment gives the roles
# passwords in pg_dist_authinfo, or certificates).  Clients still come in
# over the unix socket, with passwords.
citus_node_conf() {
	cat >>"$1/postgresql.conf" <<EOF
# citus
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
max_worker_processes = 32
output_plugin_libraries = 'citus,pgoutput'
max_connections = 400
shared_buffers = 128MB
citus.shard_count = $CITUS_SHARDS
citus.propagate_set_commands = local
citus.stat_tenants_track = all
# The statement of every error in the log: what Citus refused, and where.
log_min_error_statement = error
EOF
	printf 'host all all 127.0.0.1/32 trust\n' >>"$1/pg_hba.conf"
}

# pg_launch [DATA PORT]: starts a node; its log is VAR/log/<node>.log.
pg_launch() {
	local data=${1:-$VAR/pg/data} port=${2:-$PG_PORT} name
	name=$(basename "$(dirname "$data")")
	[ "$name" = pg ] && name=postgres
	touch "$VAR/log/$name.log"
	is_root && chown "$(pg_user)" "$VAR/log/$name.log"
	as_pg "$PGBIN/pg_ctl" -D "$data" -l "$VAR/log/$name.log" -w -t 60 \
		-o "-p $port" start >/dev/null
}

pg_bootstrap() {
	# The owner role runs migrations and owns the schema; the app role is
	# created by migration 001.  Both get passwords from secrets.env.
	if [ "$CITUS" = 1 ]; then
		citus_bootstrap
		return 0
	fi
	psql_super -d postgres <<EOF
SELECT 'CREATE ROLE strata_owner LOGIN CREATEROLE'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'strata_owner')\gexec
ALTER ROLE strata_owner PASSWORD '$OWNER_PW';
SELECT 'CREATE DATABASE strata OWNER strata_owner'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'strata')\gexec
EOF
}

# psql_node DIR PORT ARGS...: psql as the superuser on one node.
psql_node() {
	local dir=$1 port=$2
	shift 2
	as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" \
		-p "$port" -U "$(pg_user)" "$@"
}

# citus_bootstrap: the strata database with the extension on every node,
# the coordinator and both workers in the metadata, then the three roles,
# made on the coordinator so that Citus creates them on the workers and
# knows them as its own (it then never re-creates them when a function or
# table they own is propagated, which a non-superuser may not do), and the
# migrations' CREATE ROLE finds them (docs/scale-out.md).  Each step once.
citus_bootstrap() {
	local d p r
	for d in "$VAR/citus-w1:$CITUS_W1_PORT" "$VAR/citus-w2:$CITUS_W2_PORT" "$VAR/pg:$PG_PORT"; do
		psql_node "${d%%:*}" "${d##*:}" -d postgres <<EOF
SELECT 'CREATE DATABASE strata'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'strata')\gexec
EOF
		psql_node "${d%%:*}" "${d##*:}" -d strata -c "CREATE EXTENSION IF NOT EXISTS citus"
	done
	psql_node "$VAR/pg" "$PG_PORT" -d strata -o /dev/null -c \
		"SELECT citus_set_coordinator_host('127.0.0.1', $PG_PORT)"
	for p in "$CITUS_W1_PORT" "$CITUS_W2_PORT"; do
		psql_node "$VAR/pg" "$PG_PORT" -d strata -o /dev/null -c \
			"SELECT citus_add_node('127.0.0.1', $p) WHERE NOT EXISTS
			 (SELECT 1 FROM pg_dist_node WHERE nodeport = $p)"
	done
	for r in "strata_owner LOGIN CREATEROLE" \
		"strata_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION" \
		"strata_report LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION"; do
		psql_node "$VAR/pg" "$PG_PORT" -d strata <<EOF
SELECT 'CREATE ROLE $r'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${r%% *}')\gexec
EOF
	done
	psql_node "$VAR/pg" "$PG_PORT" -d strata -c "ALTER ROLE strata_owner PASSWORD '$OWNER_PW'"
	# citus_stat_tenants (per-tenant load: /metrics, `strata tenant stats`)
	# is pg_monitor's; the roles get that view alone, on every node (its
	# function asks each worker as the same role).
	for d in "$VAR/citus-w1:$CITUS_W1_PORT" "$VAR/citus-w2:$CITUS_W2_PORT" "$VAR/pg:$PG_PORT"; do
		psql_node "${d%%:*}" "${d##*:}" -d strata <<'EOF'
SELECT format('GRANT EXECUTE ON FUNCTION %s TO strata_app, strata_owner', p.oid::regprocedure)
FROM pg_proc p WHERE p.proname IN ('citus_stat_tenants', 'citus_stat_tenants_local',
                                   'citus_stat_tenants_local_internal')\gexec
GRANT SELECT ON citus_stat_tenants, citus_stat_tenants_local TO strata_app, strata_owner;
EOF
	done
	# Citus sends this one to the workers.
	psql_node "$VAR/pg" "$PG_PORT" -d strata -c "ALTER DATABASE strata OWNER TO strata_owner"
}

# place_templates: sets TEMPLATES, the tenant templates' directory.  Workers
# read them as www-data; a directory it cannot reach is copied into VAR.
place_templates() {
	TEMPLATES=$(realpath -m "${TEMPLATES_DIR:-$ROOT/sql/templates}")
	if ! is_root || runuser -u "$(svc_user)" -- test -r "$TEMPLATES" -a -x "$TEMPLATES"; then
		return 0
	fi
	rm -rf "$VAR/templates-copy"
	mkdir -p "$VAR/templates-copy"
	cp "$TEMPLATES"/*.json "$VAR/templates-copy/"
	TEMPLATES=$VAR/templates-copy
}

write_config() {
	umask 077
	cat >"$VAR/strata.conf" <<EOF
# Written by tests/stack/stack.sh; see README.md, Configuration.
database_url = host=$PG_HOSTS port=$PG_PORTS dbname=strata user=strata_app password=$APP_PW connect_timeout=2$PG_TARGET
owner_database_url = host=$PG_HOSTS port=$PG_PORTS dbname=strata user=strata_owner password=$OWNER_PW connect_timeout=5$PG_TARGET
base_domain = $BASE
public_port = $HTTPS_PORT
socket_path = $VAR/run/strata.sock
master_key_file = $VAR/master.key
sql_dir = $ROOT/sql
templates_dir = $TEMPLATES
user = $(is_root && svc_user || true)
workers = $WORKERS
max_requests = $MAX_REQUESTS
scrypt_log2n = $SCRYPT_LOG2N
rate_rps = $RATE_RPS
rate_burst = $RATE_BURST
audit_seal_horizon_s = $AUDIT_HORIZON
webhook_allow = $WEBHOOK_ALLOW
webhook_timeout_ms = $WEBHOOK_TIMEOUT_MS
webhook_retry_window_s = $WEBHOOK_RETRY_WINDOW_S
stream_socket = $VAR/run/stream.sock
smtp_url = $SMTP_URL
smtp_from = no-reply@$BASE
mail_retry_window_s = $MAIL_RETRY_WINDOW_S
nginx_domains_map = $VAR/nginx/domains.map
nginx_pid_file = $VAR/nginx/nginx.pid
EOF
	if [ -n "$REGION" ]; then
		printf 'region = %s\nregions_file = %s\n' "$REGION" "$REGIONS_FILE" \
			>>"$VAR/strata.conf"
		# strata tenant move (docs/regions.md, "Moving a tenant").
		[ -z "${SUPER_DATABASE_URL:-}" ] ||
			echo "super_database_url = $SUPER_DATABASE_URL" >>"$VAR/strata.conf"
		[ -z "${REGION_ADMIN:-}" ] ||
			echo "region_admin = $REGION_ADMIN" >>"$VAR/strata.conf"
	fi
	# strata backup: pgBackRest of the two-node layout (tests/dr/backup.sh).
	if [ "$HA" = 1 ] || [ "$PG_BACKREST" = 1 ]; then
		echo "backup_command = $ROOT/tests/dr/backup.sh $VAR" >>"$VAR/strata.conf"
	fi
	umask 022
}

migrate() {
	local flags=()
	[ "$CITUS" = 1 ] && flags=(--citus)
	"$STRATA_BIN" --config "$VAR/strata.conf" migrate "${flags[@]}" >"$VAR/log/migrate.log" ||
		{ cat "$VAR/log/migrate.log" >&2; die "migration failed"; }
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
		"host=$PG_HOSTS port=$PG_PORTS dbname=strata user=strata_owner password=$OWNER_PW$PG_TARGET" \
		-c "ALTER ROLE strata_app PASSWORD '$APP_PW'" \
		-c "ALTER ROLE strata_report PASSWORD '$APP_PW'"
}

strata_stop() {
	local pidf=$VAR/run/strata.pid
	if alive "$pidf"; then
		kill -TERM "$(cat "$pidf")"
		for _ in $(seq 150); do alive "$pidf" || break; sleep 0.1; done
		alive "$pidf" && kill -KILL "$(cat "$pidf" 2>/dev/null)" 2>/dev/null
	fi
	rm -f "$pidf"
}

strata_start() {
	strata_stop
	# The test flavour reports sanitizer findings into files the test
	# run checks afterwards.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:log_path=$VAR/log/asan} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:log_path=$VAR/log/ubsan} \
		setsid "$STRATA_BIN" --config "$VAR/strata.conf" serve \
		>>"$VAR/log/strata.log" 2>&1 </dev/null &
	echo $! >"$VAR/run/strata.pid"
	for _ in $(seq 100); do [ -S "$VAR/run/strata.sock" ] && return 0; sleep 0.1; done
	die "strata did not create its socket; see $VAR/log/strata.log"
}

# The SMTP sink: every mail the stack sends becomes a file of the Maildir
# VAR/mail (new/), which tests read.  Started and stopped by pid.
sink_start() {
	[ "$MAIL_SINK" = 1 ] || return 0
	if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
		log "python3-aiosmtpd is not installed: mail goes nowhere (make deps installs it)"
		return 0
	fi
	alive "$VAR/run/smtp.pid" && return 0
	mkdir -p "$VAR/mail/tmp" "$VAR/mail/new" "$VAR/mail/cur"
	setsid /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
		-c aiosmtpd.handlers.Mailbox "$VAR/mail" \
		>>"$VAR/log/smtp.log" 2>&1 </dev/null &
	echo $! >"$VAR/run/smtp.pid"
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	die "the SMTP sink did not start; see $VAR/log/smtp.log"
}

sink_stop() {
	local pidf=$VAR/run/smtp.pid
	if alive "$pidf"; then
		kill -TERM "$(cat "$pidf")"
		for _ in $(seq 50); do alive "$pidf" || break; sleep 0.1; done
		alive "$pidf" && kill -KILL "$(cat "$pidf" 2>/dev/null)" 2>/dev/null
	fi
	rm -f "$pidf"
}

render_nginx() {
	local user_line="" suffix=""
	is_root && user_line="user $(svc_user);"
	[ "$HTTPS_PORT" = 443 ] || suffix=":$HTTPS_PORT"
	for f in "$ROOT"/nginx/*.conf "$ROOT"/nginx/nginx.conf.in; do
		sed -e "s|@VAR@|$VAR|g" -e "s|@NGINX_DIR@|$VAR/nginx|g" \
			-e "s|@USER_LINE@|$user_line|g" -e "s|@BASE@|$BASE|g" \
			-e "s|@BASE_RE@|${BASE//./\\\\.}|g" \
			-e "s|@LISTEN@|$LISTEN|g" -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
			-e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@SOCKET@|$VAR/run/strata.sock|g" \
			-e "s|@STREAM_SOCKET@|$VAR/run/stream.sock|g" \
			-e "s|@TLS_CERT@|$VAR/tls/cert.pem|g" -e "s|@TLS_KEY@|$VAR/tls/key.pem|g" \
			-e "s|@PUBLIC_PORT_SUFFIX@|$suffix|g" \
			-e "s|@AUTH_RATE@|$AUTH_RATE|g" -e "s|@AUTH_BURST@|$AUTH_BURST|g" \
			-e "s|@SIGNUP_RATE@|$SIGNUP_RATE|g" -e "s|@SIGNUP_BURST@|$SIGNUP_BURST|g" \
			-e "s|@TENANT_CONN@|$TENANT_CONN|g" \
			-e "s|@TENANT_HOST_CONN@|$TENANT_HOST_CONN|g" \
			"$f" >"$VAR/nginx/$(basename "${f%.in}")"
	done
	# The console's static files (nginx/console.conf) go where nginx's
	# user can read them, whatever the checkout's own permissions.
	rm -rf "$VAR/nginx/console"
	cp -R "$ROOT/nginx/console" "$VAR/nginx/console"
	chmod -R a+rX "$VAR/nginx/console"
	# Verified custom domains: kept across restarts, rewritten by
	# `strata tenant domain verify` (nginx_domains_map).
	[ -f "$VAR/nginx/domains.map" ] || : >"$VAR/nginx/domains.map"
	render_regions
}

# render_regions: with a region, nginx's half of routing (docs/regions.md):
# forward.map (the edges' shared secret marks a request another edge
# passed on), and regions/: an upstream and a named location
# @strata_region_NAME per other region of REGIONS_FILE ("NAME ORIGIN EDGE
# CONNINFO" lines), over TLS verified against PEERS_CA.
render_regions() {
	local secret
	rm -rf "$VAR/nginx/regions"
	mkdir -p "$VAR/nginx/regions"
	: >"$VAR/nginx/forward.map"
	[ -n "$REGION" ] || return 0
	secret=$(tr -dc '0-9a-f' <"$FORWARD_SECRET_FILE")
	# 32 hex digits (128 bits): longer keys overflow nginx's map buckets.
	[ ${#secret} = 32 ] || die "FORWARD_SECRET_FILE must hold 32 hex digits"
	printf '"%s" 1;\n' "$secret" >"$VAR/nginx/forward.map"
	awk -v self="$REGION" -v secret="$secret" -v ca="$PEERS_CA" \
		-v http="$VAR/nginx/regions/http.conf" \
		-v loc="$VAR/nginx/regions/locations.conf" '
	/^[ \t]*(#|$)/ { next }
	$1 == self { next }
	{
		n = $1; e = $3; h = e; sub(/:[0-9]+$/, "", h)
		printf "upstream strata_region_%s {\n\tserver %s;\n\tkeepalive 32;\n}\n", n, e > http
		printf "set_real_ip_from %s;\n", h > http
		# Two named locations: requests, and the event stream (unbuffered,
		# held open for an hour like the stream location itself).
		for (k = 0; k < 2; k++) {
			printf "location @strata_region_%s%s {\n", (k ? "stream_" : ""), n > loc
			printf "\tproxy_pass https://strata_region_%s;\n", n > loc
			printf "\tproxy_http_version 1.1;\n\tproxy_set_header Connection \"\";\n" > loc
			printf "\tproxy_set_header Host $host;\n" > loc
			printf "\tproxy_set_header X-Strata-Forward \"%s\";\n", secret > loc
			printf "\tproxy_set_header X-Strata-Client $remote_addr;\n" > loc
			printf "\tproxy_ssl_server_name on;\n\tproxy_ssl_name $host;\n" > loc
			printf "\tproxy_ssl_verify on;\n\tproxy_ssl_verify_depth 2;\n" > loc
			printf "\tproxy_ssl_trusted_certificate %s;\n", ca > loc
			printf "\tproxy_ssl_session_reuse on;\n" > loc
			if (k) printf "\tproxy_buffering off;\n\tproxy_read_timeout 1h;\n\tproxy_send_timeout 1h;\n" > loc
			else printf "\tproxy_read_timeout 30s;\n" > loc
			split("X-Request-Id X-Content-Type-Options Content-Security-Policy Referrer-Policy X-Frame-Options Strict-Transport-Security X-Cache-Status", hh, " ")
			for (i in hh) printf "\tproxy_hide_header %s;\n", hh[i] > loc
			printf "}\n" > loc
		}
	}
	END { printf "real_ip_header X-Strata-Client;\n" >> http }
	' "$REGIONS_FILE"
}

nginx_start() {
	render_nginx
	nginx -e "$VAR/log/nginx-error.log" -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -t -q ||
		die "nginx configuration is invalid"
	if alive "$VAR/nginx/nginx.pid"; then
		kill -HUP "$(cat "$VAR/nginx/nginx.pid")"
	else
		nginx -e "$VAR/log/nginx-error.log" -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf"
	fi
}

nginx_stop() {
	local pidf=$VAR/nginx/nginx.pid
	if alive "$pidf"; then
		kill -QUIT "$(cat "$pidf")"
		for _ in $(seq 100); do alive "$pidf" || break; sleep 0.1; done
		alive "$pidf" && kill -KILL "$(cat "$pidf" 2>/dev/null)" 2>/dev/null
	fi
	rm -f "$pidf"
}

pg_stop() {
	if [ "$HA" = 1 ]; then
		"$ROOT/tests/dr/ha.sh" down "$VAR"
		return 0
	fi
	local d
	for d in "$VAR/pg/data" "$VAR/citus-w1/data" "$VAR/citus-w2/data"; do
		if [ -d "$d" ] && as_pg "$PGBIN/pg_ctl" -D "$d" status >/dev/null 2>&1; then
			as_pg "$PGBIN/pg_ctl" -D "$d" -m fast -w stop >/dev/null
		fi
	done
	rm -f "$VAR/run/postgres.pid"
}

wait_ready() {
	local code
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$VAR/tls/cert.pem" \
			--resolve "$BASE:$HTTPS_PORT:127.0.0.1" "https://$BASE:$HTTPS_PORT/readyz" || true)
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	die "the stack did not become ready (last /readyz: $code)"
}

seed() {
	"$ROOT/tests/stack/seed.sh" "$VAR"
}

up() {
	place_var
	load_env
	[ -x "$STRATA_BIN" ] || die "$STRATA_BIN is not built"
	make_dirs
	save_env
	make_secrets
	make_cert
	pg_start
	pg_bootstrap
	place_templates
	write_config
	migrate
	sink_start
	strata_start
	nginx_start
	wait_ready
	if [ "${SEED:-1}" = 1 ]; then seed; fi
}

down() {
	load_env
	nginx_stop
	strata_stop
	sink_stop
	pg_stop
}

# purge: down, and the stack's files go where VAR links to (rm -rf VAR
# removes only the link).
purge() {
	down
	[ -L "$VAR_NAME" ] || return 0
	if [ "$(cat "$VAR/.origin" 2>/dev/null)" = "$VAR_NAME" ]; then rm -rf "$VAR"; fi
	rm -f "$VAR_NAME"
}

status() {
	load_env
	for p in "$VAR/run/strata.pid" "$VAR/nginx/nginx.pid" "$VAR/run/postgres.pid" "$VAR/run/smtp.pid"; do
		if alive "$p"; then echo "running $(basename "$p" .pid) $(cat "$p")"; else echo "stopped $(basename "$p" .pid)"; fi
	done
}

case "$cmd" in
up) up ;;
down) down ;;
purge) purge ;;
status) status ;;
restart-strata) load_env; strata_start ;;
pg-stop) load_env; pg_stop ;;
pg-start) load_env; pg_start ;;
sink-stop) load_env; sink_stop ;;
sink-start) load_env; sink_start ;;
cert) place_var; load_env; make_dirs; make_cert ;;
*) die "usage: stack.sh up|down|purge|status|restart-strata|pg-stop|pg-start|sink-stop|sink-start|cert VAR_DIR" ;;
esac

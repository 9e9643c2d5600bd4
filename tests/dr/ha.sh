#!/usr/bin/env bash
# ha.sh up|down|leader|replica|status VAR_DIR
#
# The two-node PostgreSQL layout of `make run HA=1` and of the drill: one
# etcd (the Patroni store) and two Patroni nodes, node1 and node2, each with
# its own data directory (VAR/pg/node1, VAR/pg/node2), TCP port
# (PG_PORT, PG_PORT2) and REST port (PATRONI_API1, PATRONI_API2), and one
# socket directory (VAR/pg/run) for both.  Replication is synchronous
# (synchronous_mode), a crashed primary is failed over at once
# (primary_start_timeout 0) and rejoins with pg_rewind.  WAL is archived
# into the pgBackRest repository VAR/backrest/repo (tests/dr/backup.sh).
#
# Ports come from VAR/stack.env (stack.sh writes it); every process is
# recorded by pid in VAR/run and stopped by pid.  As root, etcd and Patroni
# run as postgres.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmd=${1:-}
VAR=$(realpath -m "${2:-var}")
PGBIN=/usr/lib/postgresql/15/bin

log() { printf '%s\n' "ha: $*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
pg_user() { if is_root; then echo postgres; else id -un; fi; }
as_pg() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
# as_pg_exec: the words that run a command as the PostgreSQL user by exec
# (setpriv, not runuser, which would stay as the parent): the pid recorded
# is the program's own.
as_pg_exec() {
	if is_root; then echo "setpriv --reuid=postgres --regid=postgres --init-groups --reset-env"; fi
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

load() {
	# shellcheck disable=SC1091
	. "$VAR/stack.env"
	# shellcheck disable=SC1091
	. "$VAR/secrets.env"
	: "${PG_PORT2:?} ${PATRONI_API1:?} ${PATRONI_API2:?} ${ETCD_PORT:?} ${ETCD_PEER_PORT:?}"
}

# The packages this layout needs; the drill skips without them.
have_packages() {
	command -v patroni >/dev/null && command -v etcd >/dev/null &&
		command -v pgbackrest >/dev/null
}

node_port() { if [ "$1" = node2 ]; then echo "$PG_PORT2"; else echo "$PG_PORT"; fi; }
# node0 is the one node of a stack without Patroni (stack.sh PG_BACKREST=1).
node_data() { if [ "$1" = node0 ]; then echo "$VAR/pg/data"; else echo "$VAR/pg/$1"; fi; }
node_api() { if [ "$1" = node1 ]; then echo "$PATRONI_API1"; else echo "$PATRONI_API2"; fi; }

ha_secrets() {
	umask 077
	if ! grep -q '^PG_SUPER_PW=' "$VAR/secrets.env"; then
		printf 'PG_SUPER_PW=%s\nPG_REPL_PW=%s\n' "$(openssl rand -hex 24)" \
			"$(openssl rand -hex 24)" >>"$VAR/secrets.env"
	fi
	umask 022
	# shellcheck disable=SC1091
	. "$VAR/secrets.env"
}

backrest_conf() { # NODE: pgBackRest's configuration for that node
	local n=$1
	cat >"$VAR/backrest/$n.conf" <<EOF
[global]
repo1-path=$VAR/backrest/repo
repo1-retention-full=2
repo1-retention-full-type=count
compress-type=${BACKREST_COMPRESS:-lz4}
start-fast=y
archive-timeout=30
log-path=$VAR/log/backrest
lock-path=$VAR/backrest/lock
log-level-console=warn
log-level-file=info

[strata]
pg1-path=$(node_data "$n")
pg1-port=$(node_port "$n")
pg1-socket-path=$VAR/pg/run
pg1-user=$(pg_user)
EOF
}

patroni_conf() { # NODE
	local n=$1 port api
	port=$(node_port "$n")
	api=$(node_api "$n")
	umask 077
	cat >"$VAR/ha/$n.yml" <<EOF
scope: strata
namespace: /strata-$(printf '%s' "$VAR" | sha256sum | cut -c1-12)/
name: $n
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$api
  connect_address: 127.0.0.1:$api
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 1
    retry_timeout: 5
    primary_start_timeout: 0
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_connections: 200
        max_wal_senders: 10
        max_replication_slots: 10
        track_commit_timestamp: 'on'
        synchronous_commit: 'on'
        archive_mode: 'on'
        archive_timeout: 60
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth-local: peer
    - auth-host: scram-sha-256
postgresql:
  listen: 127.0.0.1:$port
  connect_address: 127.0.0.1:$port
  use_unix_socket: true
  data_dir: $VAR/pg/$n
  bin_dir: $PGBIN
  pgpass: $VAR/ha/$n.pgpass
  authentication:
    superuser:
      username: $(pg_user)
      password: $PG_SUPER_PW
    replication:
      username: replicator
      password: $PG_REPL_PW
  parameters:
    unix_socket_directories: $VAR/pg/run
    unix_socket_permissions: '0777'
    shared_buffers: 128MB
    log_min_messages: warning
    log_line_prefix: '%m [%p] %q%u@%d '
    archive_command: 'pgbackrest --config=$VAR/backrest/$n.conf --stanza=strata archive-push "%p"'
  pg_hba:
    - local all $(pg_user) peer
    - local all all scram-sha-256
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
EOF
	umask 022
}

etcd_start() {
	alive "$VAR/run/etcd.pid" && return 0
	touch "$VAR/log/etcd.log"
	is_root && chown "$(pg_user)" "$VAR/log/etcd.log"
	(cd / && exec setsid $(as_pg_exec) etcd --name strata \
		--data-dir "$VAR/ha/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "strata=http://127.0.0.1:$ETCD_PEER_PORT" \
		>>"$VAR/log/etcd.log" 2>&1 </dev/null) &
	echo $! >"$VAR/run/etcd.pid"
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null && return 0
		sleep 0.1
	done
	die "etcd did not start; see $VAR/log/etcd.log"
}

# patroni_start NODE: starts the node's Patroni (which starts PostgreSQL).
patroni_start() {
	local n=$1
	alive "$VAR/run/patroni-$n.pid" && return 0
	touch "$VAR/log/patroni-$n.log"
	is_root && chown "$(pg_user)" "$VAR/log/patroni-$n.log"
	(cd / && exec setsid $(as_pg_exec) patroni "$VAR/ha/$n.yml" \
		>>"$VAR/log/patroni-$n.log" 2>&1 </dev/null) &
	echo $! >"$VAR/run/patroni-$n.pid"
}

# role NODE: primary, replica or down, from the node's REST API.
role() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(node_api "$1")/primary" || true)
	if [ "$code" = 200 ]; then echo primary; return 0; fi
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(node_api "$1")/replica" || true)
	if [ "$code" = 200 ]; then echo replica; else echo down; fi
}

# leader: the node that is primary now (nothing, status 1, if none).
leader() {
	local n
	for n in node1 node2; do
		[ "$(role "$n")" = primary ] && { echo "$n"; return 0; }
	done
	return 1
}

# synced: one node is primary and the other streams synchronously.
synced() {
	local sync
	leader >/dev/null || return 1
	sync=$(curl -s "http://127.0.0.1:$PATRONI_API1/cluster" |
		jq -r '[.members[] | select(.role == "sync_standby" and (.state == "running" or .state == "streaming"))] | length' 2>/dev/null)
	[ "$sync" = 1 ]
}

# standby_ready: the standby's own Patroni answers that its PostgreSQL is
# the synchronous standby (the REST check queries PostgreSQL itself).
standby_ready() {
	local n
	for n in node1 node2; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(node_api "$n")/sync" || true)" = 200 ] &&
			return 0
	done
	return 1
}

# wait_synced SECONDS: until the layout is whole again, seen so five
# times in a row (a node that has just rejoined answers for a moment
# before Patroni counts it as a candidate for failover).
wait_synced() {
	local i streak=0
	for i in $(seq $(($1 * 5))); do
		if synced && standby_ready; then
			streak=$((streak + 1))
			[ "$streak" -ge 5 ] && return 0
		else
			streak=0
		fi
		sleep 0.2
	done
	return 1
}

stanza() {
	local n
	n=$(leader) || die "no primary to create the pgBackRest stanza on"
	as_pg pgbackrest --config="$VAR/backrest/$n.conf" --stanza=strata stanza-create >/dev/null
}

up() {
	load
	have_packages || die "patroni, etcd and pgbackrest are needed (make deps)"
	ha_secrets
	mkdir -p "$VAR/ha" "$VAR/backrest/repo" "$VAR/backrest/lock" "$VAR/log/backrest" "$VAR/pg/run"
	chmod 700 "$VAR/ha"
	if is_root; then
		chown -R "$(pg_user)" "$VAR/ha" "$VAR/backrest" "$VAR/log/backrest" "$VAR/pg"
	fi
	local n
	for n in node1 node2; do
		backrest_conf "$n"
		patroni_conf "$n"
	done
	is_root && chown -R "$(pg_user)" "$VAR/ha" "$VAR/backrest"
	etcd_start
	patroni_start node1
	# The second node bootstraps from the first: it starts once there is
	# a primary.
	for _ in $(seq 600); do leader >/dev/null && break; sleep 0.1; done
	leader >/dev/null || die "no primary after 60 s; see $VAR/log/patroni-node1.log"
	[ -f "$VAR/backrest/repo/backup/strata/backup.info" ] || stanza
	patroni_start node2
	wait_synced 120 || die "no synchronous standby after 120 s; see $VAR/log/patroni-node2.log"
	log "primary $(leader), synchronous standby streaming"
}

# one_node: pgBackRest for the one node of a stack without Patroni
# (stack.sh PG_BACKREST=1, the regions' layout): its configuration
# (node0.conf) and the stanza, once PostgreSQL runs.
one_node() {
	load
	command -v pgbackrest >/dev/null || die "pgbackrest is needed (make deps)"
	mkdir -p "$VAR/backrest/repo" "$VAR/backrest/lock" "$VAR/log/backrest"
	backrest_conf node0
	is_root && chown -R "$(pg_user)" "$VAR/backrest" "$VAR/log/backrest"
	[ -f "$VAR/backrest/repo/backup/strata/backup.info" ] ||
		as_pg pgbackrest --config="$VAR/backrest/node0.conf" --stanza=strata stanza-create >/dev/null
}

stop_pid() { # PIDFILE SIGNAL SECONDS
	local f=$1
	if alive "$f"; then
		kill "-$2" "$(cat "$f")"
		for _ in $(seq $(($3 * 10))); do alive "$f" || break; sleep 0.1; done
		alive "$f" && kill -KILL "$(cat "$f")" 2>/dev/null
	fi
	rm -f "$f"
	return 0
}

# down: the standby's Patroni first, then the primary's (each stops its
# PostgreSQL), then etcd.  A PostgreSQL left by a killed Patroni is stopped
# by pg_ctl.
down() {
	local n first=node2 second=node1
	[ -f "$VAR/stack.env" ] || return 0
	load
	if [ "$(leader 2>/dev/null || true)" = node2 ]; then first=node1 second=node2; fi
	for n in "$first" "$second"; do
		stop_pid "$VAR/run/patroni-$n.pid" TERM 30
		if [ -d "$VAR/pg/$n" ] && as_pg "$PGBIN/pg_ctl" -D "$VAR/pg/$n" status >/dev/null 2>&1; then
			as_pg "$PGBIN/pg_ctl" -D "$VAR/pg/$n" -m fast -w stop >/dev/null || true
		fi
	done
	stop_pid "$VAR/run/etcd.pid" TERM 10
}

status() {
	load
	local n
	for n in node1 node2; do echo "$n $(role "$n")"; done
}

case "$cmd" in
up) up ;;
down) down ;;
leader) load; leader ;;
role) load; role "$3" ;;
synced) load; synced ;;
wait-synced) load; wait_synced "${3:-60}" ;;
patroni-start) load; patroni_start "$3" ;;
status) status ;;
have-packages) have_packages ;;
one-node) one_node ;;
*) die "usage: ha.sh up|down|leader|role NODE|synced|wait-synced [S]|patroni-start NODE|status|have-packages VAR_DIR" ;;
esac

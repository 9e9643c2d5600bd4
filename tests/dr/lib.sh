# lib.sh - sourced by tests/dr/run.sh after tests/lib.sh: the drill's steps.
# Needs VAR, ROOT, LOG (the writer's answers) and the stack's env.
HA_SH=$ROOT/tests/dr/ha.sh
SCRATCH=$VAR/pg/scratch

ha() { "$HA_SH" "$1" "$VAR" "${@:2}"; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
pg_owner() { if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$@"; fi; }
secs_since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }

# psql_rw ARGS: the cluster's superuser on whichever node accepts writes.
psql_rw() {
	as_pg env PGTARGETSESSIONATTRS=read-write PGOPTIONS=-csearch_path=strata,public psql -X -q -t -A -v ON_ERROR_STOP=1 \
		-h "$VAR/pg/run,$VAR/pg/run" -p "$PG_PORT,$PG_PORT2" -d strata "$@"
}
psql_scratch() {
	as_pg env PGOPTIONS=-csearch_path=strata,public psql -X -q -t -A -v ON_ERROR_STOP=1 \
		-h "$VAR/pg/run" -p "$SCRATCH_PORT" \
		-d strata "$@"
}

backup() { "$ROOT/tests/dr/backup.sh" "$VAR" "$1" >"$TMPD/backup.out" 2>&1 || { cat "$TMPD/backup.out"; return 1; }; }
backup_kinds() {
	"$ROOT/tests/dr/backup.sh" "$VAR" info >/dev/null 2>&1 || return 1
	as_pg pgbackrest --config="$VAR/backrest/node1.conf" --stanza=strata --output=json info |
		jq -r '[.[0].backup[].type] | join(" ")'
}

# failover N: kills the primary's postmaster (-9) while the writers run;
# checks that Patroni promotes the standby, that writes succeed again (the
# seconds from the kill to the first 201 after the first failure: RTO), and
# that the old primary rejoins as the synchronous standby.
# totp_now SECRET: the RFC 6238 code of now (SHA-1, 6 digits, 30 s).
totp_now() {
	python3 -c 'import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1]; k = base64.b32decode(s + "=" * (-len(s) % 8))
m = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = m[19] & 15
print("%06d" % ((struct.unpack(">I", m[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"
}

failover() {
	local n=$1 old new pid t_kill t_ok="" t_fail t_back
	old=$(ha leader) || { not_ok "failover $n: a primary to kill"; return 0; }
	pid=$(head -1 "$VAR/pg/$old/postmaster.pid")
	t_kill=$(date +%s.%N)
	kill -9 "$pid"
	# Backends of the killed postmaster may still finish a commit or two
	# (orphans notice the death late; their commits were streamed to the
	# standby, so they count as acknowledged): writes are "back" only once
	# Patroni names another leader and they have been answered 201 for 2 s
	# since the last failure.  RTO: kill to the first 201 after that failure.
	new=none
	for _ in $(seq 1200); do
		if [ "$new" = none ] || [ "$new" = "$old" ]; then
			new=$(ha leader 2>/dev/null || echo none)
		else
			t_fail=$(awk -v k="$t_kill" '$1 > k && $3 != 201 { f = $1 } END { print f ? f : k }' "$LOG")
			t_ok=$(awk -v f="$t_fail" '$1 > f && $3 == 201 { print $1; exit }' "$LOG")
			[ -n "$t_ok" ] && [ "$(secs_since "$t_ok" | cut -d. -f1)" -ge 2 ] && break
			t_ok=""
		fi
		sleep 0.1
	done
	if [ -z "$t_ok" ]; then
		not_ok "failover $n: writes succeed again after the primary ($old) is killed (leader now: $new)"
		return 0
	fi
	check "failover $n: $old's postmaster killed, $new promoted, writes succeed again" \
		test "$new" != "$old" -a "$new" != none
	echo "# failover $n: RTO $(awk -v a="$t_ok" -v b="$t_kill" 'BEGIN { printf "%.1f", a - b }') s ($old -> $new)"
	t_back=$(date +%s.%N)
	if ha wait-synced 180 && [ "$(ha role "$old")" = replica ]; then
		ok "failover $n: the old primary ($old) rejoins as the synchronous standby"
		echo "# failover $n: $old streaming again $(secs_since "$t_back") s after writes resumed"
	else
		not_ok "failover $n: the old primary ($old) rejoins as the synchronous standby"
		tail -5 "$VAR/log/patroni-$old.log" | sed 's/^/#   /'
	fi
}

scratch_stop() {
	if [ -f "$SCRATCH/postmaster.pid" ]; then
		as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$SCRATCH" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$SCRATCH"
}

# scratch_restore TARGET: the repository restored to TARGET (a time) into
# a scratch cluster on a port of its own, promoted once it reaches TARGET.
# Sets SCRATCH_PORT.
scratch_restore() {
	local target=$1 node
	node=$(ha leader) || return 1
	scratch_stop
	mkdir -p "$SCRATCH"
	chmod 700 "$SCRATCH"
	pg_owner "$SCRATCH"
	as_pg pgbackrest --config="$VAR/backrest/$node.conf" --stanza=strata \
		--pg1-path="$SCRATCH" --type=time "--target=$target" \
		--target-action=promote restore || return 1
	SCRATCH_PORT=$(free_port)
	: >"$VAR/pg/scratch-ident.conf"
	printf 'local all %s peer\nlocal all all scram-sha-256\n' \
		"$(if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi)" \
		>"$VAR/pg/scratch-hba.conf"
	cat >"$VAR/pg/scratch.conf" <<EOF
listen_addresses = ''
port = $SCRATCH_PORT
unix_socket_directories = '$VAR/pg/run'
hba_file = '$VAR/pg/scratch-hba.conf'
ident_file = '$VAR/pg/scratch-ident.conf'
archive_mode = off
max_connections = 200
max_wal_senders = 10
max_replication_slots = 10
track_commit_timestamp = on
wal_level = replica
hot_standby = on
shared_buffers = 64MB
EOF
	pg_owner "$VAR/pg/scratch.conf" "$VAR/pg/scratch-hba.conf" "$VAR/pg/scratch-ident.conf"
	touch "$VAR/log/scratch.log"
	pg_owner "$VAR/log/scratch.log"
	as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$SCRATCH" -l "$VAR/log/scratch.log" \
		-o "-c config_file=$VAR/pg/scratch.conf" -w -t 300 start >/dev/null || return 1
	for _ in $(seq 600); do
		[ "$(psql_scratch -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && return 0
		sleep 0.2
	done
	return 1
}

# pitr_drill: a restore to a whole second T while the writers run; the
# scratch cluster must hold exactly the records whose commit time (track_
# commit_timestamp) is at or before T, and some records came after T.
pitr_drill() {
	local t_epoch target expected got after t0 diffs
	t_epoch=$(($(date +%s) + 2))
	target=$(date -u -d "@$t_epoch" '+%Y-%m-%d %H:%M:%S+00')
	while [ "$(date +%s)" -le $((t_epoch + 1)) ]; do sleep 0.2; done
	"$ROOT/tests/dr/backup.sh" "$VAR" check >/dev/null 2>&1 ||
		echo "#   pgbackrest check failed"
	expected=$(psql_rw -c "SELECT id FROM records WHERE collection = 'events'
		AND pg_xact_commit_timestamp(xmin) <= '$target' ORDER BY 1")
	after=$(psql_rw -c "SELECT count(*) FROM records WHERE collection = 'events'
		AND pg_xact_commit_timestamp(xmin) > '$target'")
	t0=$(date +%s.%N)
	if ! scratch_restore "$target"; then
		not_ok "PITR: the repository restores to $target into a scratch cluster"
		tail -5 "$VAR/log/scratch.log" 2>/dev/null | sed 's/^/#   /'
		return 0
	fi
	echo "# restore to a time (scratch cluster, promoted): $(secs_since "$t0") s"
	got=$(psql_scratch -c "SELECT id FROM records WHERE collection = 'events' ORDER BY 1")
	diffs=$(diff <(printf '%s\n' "$expected") <(printf '%s\n' "$got") | grep -c '^[<>]' || true)
	check "PITR to $target: exactly the $(grep -c . <<<"$expected") records committed by then ($after came after)" \
		test "$diffs" = 0 -a "$after" -gt 0 -a -n "$expected"
}

scratch_url() {
	# shellcheck disable=SC1091
	. "$VAR/secrets.env"
	echo "host=$VAR/pg/run port=$SCRATCH_PORT dbname=strata user=strata_owner password=$OWNER_PW"
}

# api_count SLUG TOKEN COLLECTION: how many records the tenant reads.
api_count() {
	psql_rw -c "SELECT count(*) FROM records r JOIN tenants t ON t.id = r.tenant_id
		WHERE t.slug = '$1' AND r.collection = '$2'"
}

# tenant_drill: one tenant (dr-r) deletes half its records by mistake and
# has a subject erased; it is restored to a second before, from a scratch
# cluster, while another tenant (dr-2) keeps writing.  The first gets its
# records back but not the erased subject, its chain verifies with the
# restore in it, a token of a user made after that second stops working,
# its requests meanwhile answer only 503 with Retry-After, and the second
# loses nothing.
tenant_drill() {
	local tok ids t_epoch target out t0 probe wl2 acked stored lost user_tok i
	mk_tenant dr-r
	login dr-r owner@dr-r.test "$PW_OWNER"
	tok=$TOKEN
	json POST dr-r /v1/collections \
		'{"name":"events","fields":{"seq":{"type":"integer"}}}' "$tok"
	json POST dr-r /v1/collections \
		'{"name":"people","subject_field":"sid","fields":{"sid":{"type":"string","required":true},"email":{"type":"string","pii":true,"mask":"email"}}}' "$tok"
	for i in $(seq 40); do
		json POST dr-r /v1/collections/events/records "{\"data\":{\"seq\":$i}}" "$tok"
		echo "$(jb .id)"
	done >"$TMPD/r-ids"
	for s in s-1 s-1 s-2; do
		json POST dr-r /v1/collections/people/records \
			"{\"data\":{\"sid\":\"$s\",\"email\":\"$s@example.org\"}}" "$tok"
	done
	# The owner signs in with a second factor: a restore must keep it
	# (deleting the users cascades to their MFA rows).
	json POST dr-r /v1/me/mfa/totp '{}' "$tok"
	json POST dr-r /v1/me/mfa/totp/confirm "{\"code\":\"$(totp_now "$(jb .secret)")\"}" "$tok"
	check "dr-r: the owner enrols TOTP before the target (200)" eq "$STATUS" 200
	t_epoch=$(($(date +%s) + 1))
	target=$(date -u -d "@$t_epoch" '+%Y-%m-%d %H:%M:%S+00')
	while [ "$(date +%s)" -le "$t_epoch" ]; do sleep 0.1; done
	# The mistake, the erasure and a new user, all after the target.
	head -20 "$TMPD/r-ids" | while read -r id; do
		authed DELETE dr-r "/v1/collections/events/records/$id" "$tok"
	done
	authed DELETE dr-r /v1/privacy/subjects/s-1 "$tok"
	check "dr-r: subject s-1 erased (204)" eq "$STATUS" 204
	mk_user dr-r "$tok" late@dr-r.test member
	login dr-r late@dr-r.test "$PW_USER"
	user_tok=$TOKEN
	check "dr-r: 20 of 40 records left, s-1 gone before the restore" \
		eq "$(api_count dr-r events)/$(api_count dr-r people)" "20/1"
	"$ROOT/tests/dr/backup.sh" "$VAR" check >/dev/null 2>&1 || echo "#   pgbackrest check failed"
	t0=$(date +%s.%N)
	if ! scratch_restore "$target"; then
		not_ok "dr-r: the scratch cluster restores to $target"
		return 0
	fi
	echo "# scratch cluster restored to $target in $(secs_since "$t0") s"
	# dr-2 writes all along; dr-r is asked once every 0.2 s.
	wl2=$TMPD/writes2
	rm -f "$TMPD/stop2"
	python3 "$ROOT/tests/dr/writer.py" "$HTTPS_PORT" "$CA" "$BASE" 20 "$TMPD/stop2" \
		"dr-2=$(cat "$TMPD/dr-2.token")" >"$wl2" &
	local w2=$!
	(
		while [ ! -f "$TMPD/stop2" ]; do
			authed GET dr-r /v1/collections/events/records "$tok"
			echo "$STATUS $(header retry-after)"
			sleep 0.2
		done
	) >"$TMPD/probe" &
	probe=$!
	sleep 1
	t0=$(date +%s.%N)
	out=$($STRATA tenant restore dr-r --to "$target" --from "$(scratch_url)" 2>&1)
	check "strata tenant restore dr-r --to '$target' succeeds" test $? = 0
	echo "# tenant restore: $(secs_since "$t0") s in all; $out"
	sleep 1
	touch "$TMPD/stop2"
	wait "$w2" "$probe"
	check "dr-r: its 40 records are back" eq "$(api_count dr-r events)" 40
	check "dr-r: the erased subject stays erased (ledger re-applied), s-2 is back" \
		eq "$(api_count dr-r people)" 1
	authed GET dr-r /v1/collections/events/records "$tok"
	check "dr-r: the owner reads its records again (200)" eq "$STATUS" 200
	authed GET dr-r /v1/me "$user_tok"
	check "dr-r: a token of a user made after the target stops working (401)" eq "$STATUS" 401
	check "dr-r: the owner's second factor survives the restore" \
		test "$(psql_rw -c "SELECT count(*) FROM mfa_totp m JOIN tenants t ON t.id = m.tenant_id
			WHERE t.slug = 'dr-r' AND m.confirmed_at IS NOT NULL")/$(psql_rw -c "SELECT count(*) FROM mfa_recovery_codes m
			JOIN tenants t ON t.id = m.tenant_id WHERE t.slug = 'dr-r'")" = 1/10
	check "dr-r: while restoring it answered 503 with Retry-After, else 200" \
		test "$(grep -c '^503 [0-9]' "$TMPD/probe")" -gt 0 -a \
		"$(grep -vc '^503 [0-9]\|^200 ' "$TMPD/probe")" = 0
	out=$($STRATA audit seal --tenant dr-r 2>&1; $STRATA audit verify --tenant dr-r 2>&1)
	check "dr-r: the audit chain verifies after the restore" test $? = 0
	check "dr-r: the restore is in its audit trail" \
		test "$(psql_rw -c "SELECT count(*) FROM audit_events e JOIN tenants t ON t.id = e.tenant_id
			WHERE t.slug = 'dr-r' AND e.action = 'tenant.restore'")" = 1
	acked=$(awk '$3 == 201 { print $5 }' "$wl2" | sort -u)
	stored=$(psql_rw -c "SELECT id FROM records WHERE collection = 'events'" | sort -u)
	lost=$(comm -23 <(printf '%s\n' "$acked") <(printf '%s\n' "$stored") | grep -c . || true)
	check "dr-2 wrote on during the restore ($(grep -c . <<<"$acked") records) and lost none" \
		test "$lost" = 0 -a -n "$acked"
	check "dr-2 was never refused meanwhile" eq "$(awk '$3 != 201' "$wl2" | wc -l)" 0
	# A whole-cluster restore: the scratch cluster is from before the
	# erasure; the ledger from the live database is brought in and
	# re-applied there.
	sed "s|^owner_database_url = .*|owner_database_url = $(scratch_url)|" \
		"$VAR/strata.conf" >"$TMPD/scratch.conf"
	out=$("$STRATA_BIN" --config "$TMPD/scratch.conf" erasure reapply \
		--from "$(sed -n 's/^owner_database_url = //p' "$VAR/strata.conf")" 2>&1)
	check "strata erasure reapply on a whole restore from before the erasure" test $? = 0
	echo "# erasure reapply: $out"
	check "the whole restore no longer holds the erased subject" \
		eq "$(psql_scratch -c "SELECT count(*) FROM records r JOIN tenants t ON t.id = r.tenant_id
			WHERE t.slug = 'dr-r' AND r.collection = 'people'")" 1
}

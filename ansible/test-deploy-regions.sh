# shellcheck shell=bash
# test-deploy-regions.sh - the `regions` variant of ansible/test-deploy.sh
# (sourced by it: its helpers ok/not_ok/check/eq/perm/alive/teardown/recap,
# and its settings).  Two regions, eu and us, deployed by one run of
# site.yml from one inventory with the groups region_eu and region_us
# (docs/regions.md, "Ansible"), both on this machine: two prefixes, two
# PostgreSQL clusters, two service users, two nginx, all on loopback, the
# edges told apart by their ports (us: the DEPLOY_* ports, eu: each + 10).
# Checks: the regions' files and roles, a signup for eu at us's edge made
# in eu only, a request for that tenant at us's edge forwarded to eu
# (Strata-Region: eu), the directory replicated both ways, a tenant moved
# from eu to us with what the playbook configured (region_admin,
# super_database_url, the peer role), a second run that changes nothing,
# and a teardown that leaves nothing.

# rg_psql REGION SQL: REGION's database as postgres, one value a line.
rg_psql() {
	local p
	p=$(rg_var "$1" P)
	(cd / && runuser -u postgres -- "$PGBIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 \
		-h "$p/pg/run" -p "$(rg_var "$1" PG)" -d strata -c "$2")
}
# rg_var REGION NAME: that region's P (prefix), U (service user), HTTPS,
# HTTP or PG (ports).
rg_var() { eval "echo \$RG_${2}_$1"; }
ports_free() { for p in "$@"; do port_free "$p" || return 1; done; }

# rg_wait_directory REGION SQL_CONDITION: up to 20 s for a row of REGION's
# directory (replication is asynchronous); 0 when it came.
rg_wait_directory() {
	for _ in $(seq 200); do
		[ "$(rg_psql "$1" "SELECT count(*) FROM strata.directory WHERE $2")" -gt 0 ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

deploy_regions() {
	V=regions
	local L=$LOGS/regions r
	mkdir -p "$L"
	RG_P_us=$PREFIX_BASE-regions-us RG_P_eu=$PREFIX_BASE-regions-eu
	RG_U_us=$SVC-us RG_U_eu=$SVC-eu
	RG_HTTPS_us=$HTTPS_PORT RG_HTTP_us=$HTTP_PORT RG_PG_us=$PG_PORT
	RG_HTTPS_eu=$((HTTPS_PORT + 10)) RG_HTTP_eu=$((HTTP_PORT + 10)) RG_PG_eu=$((PG_PORT + 10))

	for r in eu us; do
		if [ -e "$(rg_var $r P)" ]; then
			note "removing the leftovers of an earlier run under $(rg_var $r P)"
			teardown "$(rg_var $r P)" "$(rg_var $r U)"
		fi
		if id -u "$(rg_var $r U)" >/dev/null 2>&1; then
			not_ok "user $(rg_var $r U) exists already (not made by this test); set DEPLOY_USER"
			return
		fi
		for port in "$(rg_var $r HTTPS)" "$(rg_var $r HTTP)" "$(rg_var $r PG)"; do
			if ! port_free "$port"; then
				not_ok "port $port is in use; set DEPLOY_*_PORT"
				return
			fi
		done
	done
	CURRENT="$RG_P_eu=$RG_U_eu $RG_P_us=$RG_U_us"

	# -------------------------------------------------------- inventory
	# One host per region, in its region's group and in both strata_db and
	# strata_app; everything that differs between the two is a host
	# variable.  Each PostgreSQL gets a TLS certificate of the test's own
	# (the other region connects with sslmode=require).
	hostvars_of() {
		local r=$1 p
		p=$(rg_var "$r" P)
		mkdir -p "$p/pgtls"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-days 2 -subj /CN=127.0.0.1 -keyout "$p/pgtls/key.pem" -out "$p/pgtls/cert.pem" 2>/dev/null
		chown postgres "$p/pgtls/key.pem"
		chmod 600 "$p/pgtls/key.pem"
		cat <<EOF
          strata_prefix: $p
          strata_config_dir: $p/etc
          strata_run_dir: $p/run
          strata_log_dir: $p/log
          strata_user: $(rg_var "$r" U)
          strata_group: $(rg_var "$r" U)
          strata_https_port: $(rg_var "$r" HTTPS)
          strata_http_port: $(rg_var "$r" HTTP)
          strata_db_port: $(rg_var "$r" PG)
          strata_db_socket_dir: $p/pg/run
          strata_backup_dir: $p/backups
          postgresql_data_dir: $p/pg/data
          postgresql_ssl_cert_file: $p/pgtls/cert.pem
          postgresql_ssl_key_file: $p/pgtls/key.pem
          strata_region_address: 127.0.0.1
          strata_region_db_address: 127.0.0.1
          strata_region_edge: 127.0.0.1:$(rg_var "$r" HTTPS)
          strata_region_origin: https://$r.$DOMAIN:$(rg_var "$r" HTTPS)
EOF
	}
	cat >"$L/inventory.yml" <<EOF
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: /usr/bin/python3
    strata_service_manager: supervisor
    strata_source_dir: $SRC
    strata_domain: $DOMAIN
    strata_listen_addresses: ["127.0.0.1"]
    strata_workers: 2
    # A tenant's public origin (in its tokens) is the same in every region
    # (https://<slug>.<domain>, port 443, in a deployment), so that its
    # tokens still verify once it has moved.  Here the edges differ by
    # port: both regions name us's as the public one.
    strata_public_port: $HTTPS_PORT
    postgresql_listen_addresses: 127.0.0.1
    postgresql_shared_buffers: 128MB
    postgresql_effective_cache_size: 512MB
    postgresql_max_connections: 50
    # Both regions' strata on this machine: the other region's command
    # is its own binary and configuration, as ssh would run it.
    strata_region_admin: $PREFIX_BASE-regions-{region}/bin/strata --config $PREFIX_BASE-regions-{region}/etc/strata.conf
  children:
    region_eu:
      hosts:
        eu:
$(hostvars_of eu)
    region_us:
      hosts:
        us:
$(hostvars_of us)
    strata_db:
      hosts:
        eu:
        us:
    strata_app:
      hosts:
        eu:
        us:
EOF
	local PLAY=(ansible-playbook -i "$L/inventory.yml" "$ANS/site.yml")

	# -------------------------------------------------------- first run
	local t0
	t0=$(date +%s)
	if "${PLAY[@]}" >"$L/run1.log" 2>&1; then
		ok "first run of site.yml over both regions ($(($(date +%s) - t0)) s): $(recap "$L/run1.log")"
	else
		not_ok "first run of site.yml over both regions"
		tail -40 "$L/run1.log" | sed 's/^/#   /'
		return
	fi

	local P
	for r in eu us; do
		P=$(rg_var $r P)
		check "$r: PostgreSQL, strata and nginx run (pid files)" sh -c \
			"kill -0 \$(head -1 $P/pg/data/postmaster.pid) && kill -0 \$(cat $P/run/strata.pid) && kill -0 \$(cat $P/nginx/nginx.pid)"
	done

	# -------------------------------------------------------- the regions' files
	local want_file
	want_file="eu https://eu.$DOMAIN:$RG_HTTPS_eu 127.0.0.1:$RG_HTTPS_eu host=127.0.0.1 port=$RG_PG_eu dbname=strata user=strata_peer sslmode=require connect_timeout=5
us https://us.$DOMAIN:$RG_HTTPS_us 127.0.0.1:$RG_HTTPS_us host=127.0.0.1 port=$RG_PG_us dbname=strata user=strata_peer sslmode=require connect_timeout=5"
	for r in eu us; do
		P=$(rg_var $r P)
		check "$r: regions file lists both regions (name, origin, edge, peer conninfo)" \
			eq "$(grep -v '^#' "$P/etc/regions.conf" 2>/dev/null | sed 's/ password=[A-Za-z0-9]*//')" "$want_file"
		check "$r: regions file mode 0640, root, group $(rg_var $r U)" \
			eq "$(stat -c '%a %U %G' "$P/etc/regions.conf" 2>/dev/null)" "640 root $(rg_var $r U)"
		check "$r: strata.conf names the region, its file, super_database_url and region_admin" sh -c \
			"grep -qx 'region = $r' $P/etc/strata.conf && grep -qx 'regions_file = $P/etc/regions.conf' $P/etc/strata.conf &&
			 grep -q '^super_database_url = host=$P/pg/run .* user=strata_super password=' $P/etc/strata.conf &&
			 grep -qx 'region_admin = $PREFIX_BASE-regions-{region}/bin/strata --config $PREFIX_BASE-regions-{region}/etc/strata.conf' $P/etc/strata.conf"
		check "$r: region passwords file mode 0600, root only" eq "$(perm "$P/etc/region.secrets")" "600 root"
		check "$r: forward.map holds the shared secret (mode 0600)" sh -c \
			"grep -Eqx '\"[0-9a-f]{32}\" 1;' $P/nginx/forward.map && [ \"\$(stat -c %a $P/nginx/forward.map)\" = 600 ]"
	done
	# The peer password of each region, as the other's file names it, is the
	# one its database host generated.
	check "each region's peer password in the regions file is its own database's" sh -c \
		"grep -q \"^eu .* password=\$(sed -n 's/^peer: //p' $RG_P_eu/etc/region.secrets) \" $RG_P_us/etc/regions.conf &&
		 grep -q \"^us .* password=\$(sed -n 's/^peer: //p' $RG_P_us/etc/region.secrets) \" $RG_P_eu/etc/regions.conf"
	check "both edges share one forwarding secret, generated once (on eu)" sh -c \
		"cmp -s $RG_P_eu/nginx/forward.map $RG_P_us/nginx/forward.map && [ -f $RG_P_eu/etc/forward.secret ] &&
		 [ ! -e $RG_P_us/etc/forward.secret ] && grep -qF \"\$(cat $RG_P_eu/etc/forward.secret)\" $RG_P_us/nginx/forward.map"
	check "us's nginx passes eu's tenants on to eu's edge over verified TLS" bash -c \
		"grep -q 'server 127.0.0.1:$RG_HTTPS_eu;' $RG_P_us/nginx/regions/http.conf &&
		 grep -q 'location @strata_region_eu' $RG_P_us/nginx/regions/locations.conf &&
		 ! grep -q strata_region_us $RG_P_us/nginx/regions/*.conf &&
		 grep -q 'proxy_ssl_trusted_certificate $RG_P_us/nginx/regions/peers.pem;' $RG_P_us/nginx/regions/locations.conf &&
		 openssl x509 -noout -fingerprint -in $RG_P_us/nginx/regions/peers.pem | cmp -s - <(openssl x509 -noout -fingerprint -in $RG_P_eu/nginx/tls/cert.pem)"
	check "no generated secret in the repository's ansible/ tree" sh -c \
		"sed -n 's/^[a-z]*: //p' $RG_P_eu/etc/region.secrets $RG_P_us/etc/region.secrets >$L/pw &&
		 cat $RG_P_eu/etc/forward.secret >>$L/pw && [ -s $L/pw ] && ! grep -rqF -f $L/pw $ANS"

	# -------------------------------------------------------- PostgreSQL
	for r in eu us; do
		local o=us
		[ $r = us ] && o=eu
		check "$r: wal_level is logical" eq "$(rg_psql $r 'SHOW wal_level')" logical
		check "$r: strata_peer can log in, replicate, bypass RLS; not a superuser" \
			eq "$(rg_psql $r "SELECT rolcanlogin, rolreplication, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'strata_peer'")" "t|t|t|f"
		check "$r: one subscription, to $o's directory, enabled" \
			eq "$(rg_psql $r "SELECT subname || ' ' || subenabled || ' ' || array_to_string(subpublications, ',') FROM pg_subscription")" \
			"strata_directory_from_$o true strata_directory"
		check "$r: pg_hba lets strata_peer in from the other region over TLS only" \
			grep -Eq "^hostssl +strata +strata_peer +127\.0\.0\.1/32 +scram-sha-256" "$(rg_var $r P)/pg/data/pg_hba.conf"
		check "$r: super_database_url logs in as a superuser (as $(rg_var $r U))" \
			eq "$(runuser -u "$(rg_var $r U)" -- "$PGBIN/psql" -X -At \
				"$(sed -n 's/^super_database_url = //p' "$(rg_var $r P)/etc/strata.conf")" \
				-c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>&1)" t
	done

	# -------------------------------------------------------- signup and routing
	local C=(curl -s -o "$L/body" -D "$L/head" -w '%{http_code}')
	local US=$RG_HTTPS_us EU=$RG_HTTPS_eu
	local CA_us=$RG_P_us/nginx/tls/cert.pem CA_eu=$RG_P_eu/nginx/tls/cert.pem
	hdr() { grep -i "^$1:" "$L/head" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
	local code=000 token
	for _ in $(seq 100); do
		code=$("${C[@]}" --cacert "$CA_us" "https://$DOMAIN:$US/readyz" 2>/dev/null)
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	check "us: GET /readyz through its nginx: 200, Strata-Region: us" eq "$code/$(hdr strata-region)" "200/us"

	code=$("${C[@]}" --cacert "$CA_us" "https://$DOMAIN:$US/v1/signup" -H 'Content-Type: application/json' \
		-d '{"slug":"rg-eu","name":"Region EU","owner":{"email":"owner@rg-eu.test","password":"deploy-owner-pass-1"},"region":"eu"}')
	check "signup for region eu at us's edge: 201 from eu (Strata-Region: eu)" \
		eq "$code/$(hdr strata-region)/$(jq -r .tenant.region "$L/body" 2>/dev/null)" "201/eu/eu"
	check "rg-eu is in eu's database only" \
		eq "$(rg_psql eu "SELECT count(*) FROM strata.tenants WHERE slug = 'rg-eu'")/$(rg_psql us "SELECT count(*) FROM strata.tenants WHERE slug = 'rg-eu'")" "1/0"
	check "us's directory learns rg-eu (active in eu) by replication" \
		rg_wait_directory us "slug = 'rg-eu' AND region = 'eu' AND status = 'active'"

	local T_us=https://rg-eu.$DOMAIN:$US T_eu=https://rg-eu.$DOMAIN:$EU
	code=$("${C[@]}" --cacert "$CA_us" "$T_us/v1/auth/login" -H 'Content-Type: application/json' \
		-d '{"email":"owner@rg-eu.test","password":"deploy-owner-pass-1"}')
	token=$(jq -r '.access_token // empty' "$L/body" 2>/dev/null)
	check "login at us's edge for rg-eu: 200, forwarded (Strata-Region: eu)" \
		sh -c "[ '$code/$(hdr strata-region)' = 200/eu ] && [ -n '$token' ]"
	local H="Authorization: Bearer $token"
	code=$("${C[@]}" --cacert "$CA_us" "$T_us/v1/collections" -H "$H" -H 'Content-Type: application/json' \
		-d '{"name":"notes","fields":{"text":{"type":"string","required":true}}}')
	check "create a collection through us's edge: 201 (Strata-Region: eu)" eq "$code/$(hdr strata-region)" "201/eu"
	code=$("${C[@]}" --cacert "$CA_us" "$T_us/v1/collections/notes/records" -H "$H" -H 'Content-Type: application/json' \
		-d '{"data":{"text":"written at the us edge"}}')
	local id
	id=$(jq -r '.id // empty' "$L/body" 2>/dev/null)
	check "write a record through us's edge: 201 with an id" sh -c "[ $code = 201 ] && [ -n '$id' ]"
	code=$("${C[@]}" --cacert "$CA_eu" "$T_eu/v1/collections/notes/records/$id" -H "$H")
	check "read it back at eu's own edge: 200, the same text, Strata-Region: eu" \
		eq "$code/$(hdr strata-region)/$(jq -r .data.text "$L/body" 2>/dev/null)" "200/eu/written at the us edge"
	check "the record is in eu's database only" \
		eq "$(rg_psql eu "SELECT count(*) FROM strata.records WHERE id = '$id'")/$(rg_psql us "SELECT count(*) FROM strata.records WHERE id = '$id'")" "1/0"
	code=$("${C[@]}" --cacert "$CA_us" "https://nobody.$DOMAIN:$US/v1/me" -H "$H")
	check "an unknown slug at us's edge: 404 (Strata-Region: us)" eq "$code/$(hdr strata-region)" "404/us"

	# The other direction: a signup for us at eu's edge.
	code=$("${C[@]}" --cacert "$CA_eu" "https://$DOMAIN:$EU/v1/signup" -H 'Content-Type: application/json' \
		-d '{"slug":"rg-us","name":"Region US","owner":{"email":"owner@rg-us.test","password":"deploy-owner-pass-1"},"region":"us"}')
	check "signup for region us at eu's edge: 201 from us" eq "$code/$(hdr strata-region)" "201/us"
	check "eu's directory learns rg-us (active in us) by replication" \
		rg_wait_directory eu "slug = 'rg-us' AND region = 'us' AND status = 'active'"

	# -------------------------------------------------------- second run
	sums() { sha256sum "$RG_P_eu"/etc/{master.key,database.secrets,region.secrets,forward.secret} \
		"$RG_P_us"/etc/{master.key,database.secrets,region.secrets} 2>&1; }
	local before
	before=$(sums)
	second_run_changes_nothing
	check "master keys, passwords and the forwarding secret kept by the second run" eq "$(sums)" "$before"
	check "each region still has its one subscription" \
		eq "$(rg_psql eu 'SELECT count(*) FROM pg_subscription')/$(rg_psql us 'SELECT count(*) FROM pg_subscription')" "1/1"

	# -------------------------------------------------------- a move
	# What the playbook configured for `strata tenant move` (region_admin,
	# super_database_url, the peer role's replication and BYPASSRLS),
	# used for real: rg-eu moves to us and is served there.
	local out rc
	out=$(cd / && "$RG_P_eu/bin/strata" --config "$RG_P_eu/etc/strata.conf" tenant move rg-eu --to us 2>"$L/move.err")
	rc=$?
	check "strata tenant move rg-eu --to us (from eu): succeeds" eq "$rc" 0
	[ "$rc" = 0 ] || sed 's/^/#   /' "$L/move.err" | tail -20
	note "tenant move: $out"
	check "rg-eu is now in us's database only" \
		eq "$(rg_psql eu "SELECT count(*) FROM strata.tenants WHERE slug = 'rg-eu'")/$(rg_psql us "SELECT count(*) FROM strata.tenants WHERE slug = 'rg-eu'")" "0/1"
	code=$("${C[@]}" --cacert "$CA_us" "$T_us/v1/collections/notes/records/$id" -H "$H")
	check "the record, with the token issued before the move, at us's edge: 200 from us" \
		eq "$code/$(hdr strata-region)/$(jq -r .data.text "$L/body" 2>/dev/null)" "200/us/written at the us edge"
	check "eu's directory learns that rg-eu lives in us" \
		rg_wait_directory eu "slug = 'rg-eu' AND region = 'us' AND status = 'active'"
	for _ in $(seq 100); do
		code=$("${C[@]}" --cacert "$CA_eu" "$T_eu/v1/collections/notes/records/$id" -H "$H")
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	check "... and eu's edge now forwards it to us (Strata-Region: us)" eq "$code/$(hdr strata-region)" "200/us"
	check "after the move, each region has only its directory subscription" \
		eq "$(rg_psql eu 'SELECT count(*) FROM pg_subscription')/$(rg_psql us 'SELECT count(*) FROM pg_subscription')" "1/1"

	# -------------------------------------------------------- teardown
	if [ "$KEEP" = 1 ] && [ "$V" = "${VARIANTS##* }" ]; then
		return
	fi
	local pids="" left=""
	for r in eu us; do
		P=$(rg_var $r P)
		pids="$pids $(head -1 "$P/pg/data/postmaster.pid" 2>/dev/null) $(cat "$P/run/strata.pid" "$P/nginx/nginx.pid" 2>/dev/null)"
	done
	for r in eu us; do teardown "$(rg_var $r P)" "$(rg_var $r U)"; done
	# shellcheck disable=SC2034 # test-deploy.sh's on_exit reads it
	CURRENT=""
	for pid in $pids; do kill -0 "$pid" 2>/dev/null && left="$left $pid"; done
	check "teardown: every process of both regions stopped by pid file" eq "$left" ""
	check "teardown: both prefixes removed" sh -c "[ ! -e $RG_P_eu ] && [ ! -e $RG_P_us ]"
	check "teardown: the six ports free again" ports_free "$RG_HTTPS_eu" "$RG_HTTP_eu" "$RG_PG_eu" \
		"$RG_HTTPS_us" "$RG_HTTP_us" "$RG_PG_us"
	check "teardown: service users $RG_U_eu and $RG_U_us removed" \
		sh -c "! id -u $RG_U_eu >/dev/null 2>&1 && ! id -u $RG_U_us >/dev/null 2>&1"
}

#!/usr/bin/env bash
# first_run.sh - a first run the way a user makes it.
#
# 1. tests/stack/deps.sh where /usr/sbin/policy-rc.d exists beforehand and
#    where it does not, with apt-get succeeding and failing (as root only:
#    in a private mount namespace with a tmpfs on /usr/sbin and a stand-in
#    apt-get, so nothing is installed and the machine's file is untouched).
# 2. The repository's HEAD cloned into a fresh mktemp -d directory (mode
#    0700: the postgres and www-data users cannot enter it), then, with a
#    clean environment and no stdin: make run, the demo called, make stop,
#    make run again (the data is kept), make stop, make distclean.
#
# FIRST_RUN_REPO [$ROOT] and FIRST_RUN_REV [HEAD] choose what is cloned, to
# run the same drill on another commit.  Takes two or three minutes.
# shellcheck disable=SC1091
. "$(dirname "$0")/../lib.sh"
# shellcheck disable=SC1091
. "$ROOT/tests/stack/free_port.sh"

REPO=${FIRST_RUN_REPO:-$ROOT}
REV=$(git -C "$REPO" rev-parse "${FIRST_RUN_REV:-HEAD}") || exit 1
DRILL=$(mktemp -d)
CLONE=$DRILL/strata
is_root() { [ "$(id -u)" -eq 0 ]; }

# make_in_clone TARGET LOG: make TARGET in the clone as a user would run
# it: a clean environment (nothing of this test run leaks in), no stdin,
# the drill's own ports.
make_in_clone() {
	(cd "$CLONE" && env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 \
		HTTPS_PORT="$D_HTTPS" HTTP_PORT="$D_HTTP" PG_PORT="$D_PG" SMTP_PORT="$D_SMTP" \
		timeout 600 make --no-print-directory "$1" </dev/null >"$2" 2>&1)
}
cleanup() {
	[ -d "$CLONE" ] && make_in_clone distclean "$TMPD/cleanup.log"
	rm -rf "$DRILL" "$TMPD"
}
trap cleanup EXIT
git clone -q --no-hardlinks "$REPO" "$CLONE" && git -C "$CLONE" checkout -q "$REV"
check "the commit under test is cloned" eq "$(git -C "$CLONE" rev-parse HEAD)" "$REV"

# --- 1. deps.sh and an existing policy-rc.d -------------------------------
# deps_run PRE APT_RC: deps.sh asked for a package that is not installed,
# with /usr/sbin/policy-rc.d present beforehand (PRE=1) or not, and an
# apt-get that exits APT_RC.  Leaves in $TMPD/d: rc (deps.sh's status),
# seen (the policy while apt-get installed), after (the policy afterwards,
# or "none"), args (apt-get's calls).
deps_run() {
	local d=$TMPD/d
	rm -rf "$d" && mkdir -p "$d/bin"
	cat >"$d/bin/apt-get" <<'EOF'
#!/bin/sh
echo "$*" >>"$D/args"
if [ "$1" = install ]; then
	if [ -e /usr/sbin/policy-rc.d ]; then
		{ stat -c %a /usr/sbin/policy-rc.d; cat /usr/sbin/policy-rc.d; } >"$D/seen"
	else
		echo none >"$D/seen"
	fi
	exit "$APT_RC"
fi
exit 0
EOF
	chmod 755 "$d/bin/apt-get"
	printf '#!/bin/sh\n# the image'"'"'s own\nexit 101\n' >"$d/image-policy"
	D=$d PRE=$1 APT_RC=$2 DEPS=$CLONE/tests/stack/deps.sh unshare -m sh -c '
		mount -t tmpfs tmpfs /usr/sbin || exit 9
		if [ "$PRE" = 1 ]; then
			cp "$D/image-policy" /usr/sbin/policy-rc.d
			chmod 750 /usr/sbin/policy-rc.d
		fi
		PATH=$D/bin:$PATH "$DEPS" strata-first-run-no-such-package \
			>"$D/out" 2>&1
		echo $? >"$D/rc"
		if [ -e /usr/sbin/policy-rc.d ]; then
			{ stat -c %a /usr/sbin/policy-rc.d; cat /usr/sbin/policy-rc.d; } >"$D/after"
		else
			echo none >"$D/after"
		fi'
}
image_policy() { echo 750; cat "$TMPD/d/image-policy"; }
if is_root; then
	deps_run 1 0
	check "deps.sh installs what is missing" \
		grep -qx "install -y -q --no-install-recommends strata-first-run-no-such-package" "$TMPD/d/args"
	check "deps.sh succeeds where policy-rc.d existed" eq "$(cat "$TMPD/d/rc")" 0
	check "an existing policy-rc.d is used as it is" eq "$(cat "$TMPD/d/seen")" "$(image_policy)"
	check "an existing policy-rc.d is left as it was" eq "$(cat "$TMPD/d/after")" "$(image_policy)"
	deps_run 1 100
	check "a failed install fails deps.sh (policy-rc.d existed)" eval '[ "$(cat "$TMPD/d/rc")" != 0 ]'
	check "a failed install leaves the existing policy-rc.d" eq "$(cat "$TMPD/d/after")" "$(image_policy)"
	deps_run 0 0
	check "deps.sh succeeds where there was no policy-rc.d" eq "$(cat "$TMPD/d/rc")" 0
	check "no service starts while packages install" eq "$(cat "$TMPD/d/seen")" "$(printf '755\n#!/bin/sh\nexit 101')"
	check "the policy-rc.d deps.sh made is gone afterwards" eq "$(cat "$TMPD/d/after")" none
	deps_run 0 100
	check "a failed install fails deps.sh" eval '[ "$(cat "$TMPD/d/rc")" != 0 ]'
	check "a failed install removes the policy-rc.d deps.sh made" eq "$(cat "$TMPD/d/after")" none
else
	echo "# not root: deps.sh refuses to install, so policy-rc.d is not reached"
fi

# --- 2. make run / make stop from a private directory ---------------------
check "the clone's directory is private (0700)" eq "$(stat -c %a "$DRILL")" 700
if is_root; then
	check "postgres cannot enter it" eval '! runuser -u postgres -- test -x "$DRILL"'
	check "www-data cannot enter it" eval '! runuser -u www-data -- test -x "$DRILL"'
fi
D_HTTPS=$(free_port)
D_HTTP=$(free_port)
D_PG=$(free_port)
D_SMTP=$(free_port)
# The demo answers: lib.sh's helpers, pointed at the drill's stack.
CA=$CLONE/var/tls/cert.pem
HTTPS_PORT=$D_HTTPS

# stack_pids: the pids the clone's stack runs under, one a line.
stack_pids() {
	cat "$CLONE"/var/run/strata.pid "$CLONE"/var/nginx/nginx.pid \
		"$CLONE"/var/run/postgres.pid 2>/dev/null
}
# all_gone PID...: there are processes, and none of them runs (one that
# has exited may wait a moment as a zombie for init to reap it).
all_gone() {
	local p st
	[ $# -gt 0 ] || return 1
	for p in "$@"; do
		st=$(ps -o stat= -p "$p" 2>/dev/null)
		[ -z "$st" ] || [[ "$st" == Z* ]] && continue
		echo "#   still running: $(ps -o pid=,stat=,args= -p "$p")"
		return 1
	done
	return 0
}
# show_log FILE: its end, as comments, when a check failed.
show_log() { tail -15 "$1" | sed 's/^/#   /'; }

make_in_clone run "$TMPD/run.log"
rc=$?
check "make run succeeds in a 0700 directory" eq "$rc" 0
[ "$rc" = 0 ] || show_log "$TMPD/run.log"
check "make run prints the demo credentials" grep -q "Strata is running." "$TMPD/run.log"
ACME_OWNER_PW=""
# shellcheck disable=SC1091
[ -f "$CLONE/var/demo-credentials" ] && . "$CLONE/var/demo-credentials"
login acme owner@acme.example "$ACME_OWNER_PW"
check "the demo owner logs in" status_is 200
authed GET acme /v1/tenant "$TOKEN"
check "the demo tenant answers" eq "$STATUS/$(jb .slug)" "200/acme"
# Workers read the tenant templates: signup needs them.
json POST apex /v1/signup '{"slug":"first-run","name":"First Run","owner":{"email":"founder@first.test","password":"founder-pass-123"}}'
check "signup creates a tenant" eq "$STATUS/$(jb .tenant.slug)" "201/first-run"
mapfile -t pids < <(stack_pids)
check "three processes are recorded (strata, nginx, PostgreSQL)" eq "${#pids[@]}" 3

make_in_clone stop "$TMPD/stop.log"
rc=$?
check "make stop succeeds" eq "$rc" 0
[ "$rc" = 0 ] || show_log "$TMPD/stop.log"
check "make stop stops strata, nginx and PostgreSQL" all_gone "${pids[@]}"

make_in_clone run "$TMPD/run2.log"
rc=$?
check "make run starts again" eq "$rc" 0
[ "$rc" = 0 ] || show_log "$TMPD/run2.log"
login first-run founder@first.test founder-pass-123
check "the data is kept" status_is 200
mapfile -t pids < <(stack_pids)
make_in_clone stop "$TMPD/stop2.log"
check "make stop stops it again" all_gone "${pids[@]}"

state=$(realpath -m "$CLONE/var")
make_in_clone distclean "$TMPD/distclean.log"
check "make distclean removes the stack's files, wherever they lived" \
	eval '[ ! -e "$CLONE/var" ] && [ ! -e "$state" ]'
finish

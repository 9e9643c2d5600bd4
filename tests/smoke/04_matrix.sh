#!/usr/bin/env bash
# 04_matrix.sh - the role x route matrix, generated from the route table
# (`strata routes`): every authenticated route called with each built-in
# role, with another tenant's token and with none.  403 exactly where the
# permission is missing, never 401/403 where it is held, 401 for foreign
# or missing credentials.
. "$(dirname "$0")/../lib.sh"

mk_tenant mx-a
mk_tenant mx-b
login mx-a owner@mx-a.test "$PW_OWNER"
declare -A TOK PERMS
TOK[owner]=$TOKEN
for r in admin member viewer; do
	mk_user mx-a "${TOK[owner]}" "$r@mx-a.test" "$r"
	login mx-a "$r@mx-a.test" "$PW_USER"
	TOK[$r]=$TOKEN
done
login mx-b owner@mx-b.test "$PW_OWNER"
FOREIGN=$TOKEN
for r in owner admin member viewer; do
	authed GET mx-a /v1/me "${TOK[$r]}"
	PERMS[$r]=$(jb '.permissions|join(" ")')
done
printf 'operator-pass-67890\n' | $STRATA operator create --email mx-ops@strata.test >/dev/null
json POST apex /v1/platform/login '{"email":"mx-ops@strata.test","password":"operator-pass-67890"}'
OPS=$(jb .access_token)

$STRATA routes >"$TMPD/routes.json"
check "the route table lists routes" eval '[ "$(jq length "$TMPD/routes.json")" -ge 20 ]'

path_of() {
	sed -e 's/{id}/01a21c0f-0000-7000-8000-000000000000/g' \
		-e 's/{name}/no-such-role/g' -e 's/{[a-z_]*}/none/g' <<<"$1"
}
call() { # method path token
	local body=()
	case $1 in POST | PUT | PATCH) body=(-H "Content-Type: application/json" --data-binary '{}') ;; esac
	if [ -n "$3" ]; then
		req "$1" "${HOST:-mx-a}" "$2" -H "Authorization: Bearer $3" "${body[@]}"
	else
		req "$1" "${HOST:-mx-a}" "$2" "${body[@]}"
	fi
}
holds() { # role permissions...
	local p
	for p in "${@:2}"; do
		[ "$p" = - ] && continue
		[[ " ${PERMS[$1]} " == *" $p "* ]] || return 1
	done
}

cells=0 wrong=0
# Logout ends the session it is called with: it goes last.  (Empty
# permission lists travel as "-": read would merge adjacent tabs.)
while IFS=$'\t' read -r method pattern perms owner_only; do
	path=$(path_of "$pattern")
	# shellcheck disable=SC2086
	for r in owner admin member viewer; do
		allowed=1
		holds "$r" $perms || allowed=0
		[ "$owner_only" = true ] && [ "$r" != owner ] && allowed=0
		call "$method" "$path" "${TOK[$r]}"
		cells=$((cells + 1))
		if [ "$allowed" = 1 ] && { [ "$STATUS" = 401 ] || [ "$STATUS" = 403 ]; }; then
			wrong=$((wrong + 1))
			echo "#   $r $method $pattern: $STATUS though allowed"
		elif [ "$allowed" = 0 ] && [ "$STATUS" != 403 ]; then
			wrong=$((wrong + 1))
			echo "#   $r $method $pattern: $STATUS though not allowed"
		fi
	done
	call "$method" "$path" "$FOREIGN"
	cells=$((cells + 1))
	[ "$STATUS" = 401 ] || { wrong=$((wrong + 1)); echo "#   foreign $method $pattern: $STATUS"; }
	call "$method" "$path" ""
	cells=$((cells + 1))
	[ "$STATUS" = 401 ] || { wrong=$((wrong + 1)); echo "#   anonymous $method $pattern: $STATUS"; }
	call "$method" "$path" "$OPS"
	cells=$((cells + 1))
	[ "$STATUS" = 401 ] || { wrong=$((wrong + 1)); echo "#   operator $method $pattern: $STATUS"; }
done < <(jq -r '[.[] | select(.tenant and (.auth or .owner))] | sort_by(.pattern == "/v1/auth/logout") | .[] | [.method, .pattern, (if (.permissions | length) == 0 then "-" else (.permissions | join(" ")) end), .owner] | @tsv' "$TMPD/routes.json")
check "role x route matrix: $cells cells, every answer as the table says" eq "$wrong" 0

# Platform routes: operators only.
cells=0 wrong=0
while IFS=$'\t' read -r method pattern; do
	path=$(path_of "$pattern")
	HOST=apex call "$method" "$path" "${TOK[owner]}"
	cells=$((cells + 1))
	[ "$STATUS" = 401 ] || { wrong=$((wrong + 1)); echo "#   tenant owner $method $pattern: $STATUS"; }
	HOST=apex call "$method" "$path" ""
	cells=$((cells + 1))
	[ "$STATUS" = 401 ] || { wrong=$((wrong + 1)); echo "#   anonymous $method $pattern: $STATUS"; }
	HOST=apex call "$method" "$path" "$OPS"
	cells=$((cells + 1))
	case $STATUS in 401 | 403) wrong=$((wrong + 1)); echo "#   operator $method $pattern: $STATUS" ;; esac
	HOST=mx-a call "$method" "$path" "$OPS"
	cells=$((cells + 1))
	[ "$STATUS" = 404 ] || { wrong=$((wrong + 1)); echo "#   on a tenant host $method $pattern: $STATUS"; }
done < <(jq -r '.[] | select(.operator) | [.method, .pattern] | @tsv' "$TMPD/routes.json")
check "operator routes: $cells cells, operators only, apex only" eq "$wrong" 0
finish

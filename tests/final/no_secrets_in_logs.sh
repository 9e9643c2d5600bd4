#!/usr/bin/env bash
# no_secrets_in_logs.sh - runs after every other stack test: no password,
# token, refresh token or API key used anywhere in the run, and no personal
# value of the privacy test, appears in any log file of the stack (strata,
# nginx, PostgreSQL).
. "$(dirname "$0")/../lib.sh"

logs=("$VAR"/log/*.log)
check "there are logs to search" eval '[ ${#logs[@]} -ge 4 ]'
check "the logs saw traffic" eval '[ "$(wc -l <"$VAR/log/strata.log")" -gt 1000 ]'
sort -u "$VAR/secrets-seen" | grep -v '^$' >"$TMPD/secrets"
{
	echo "$PW_OWNER"
	echo "$PW_USER"
	echo "operator-pass-12345"
	echo "operator-pass-67890"
	echo "founder-pass-123"
	echo "wrong-password-"
} >>"$TMPD/secrets"
check "credentials were collected ($(wc -l <"$TMPD/secrets"))" eval '[ "$(wc -l <"$TMPD/secrets")" -gt 50 ]'
found=$(grep -F -l -f "$TMPD/secrets" "${logs[@]}" 2>/dev/null)
check "no password, token, key or personal value in any log" eq "$found" ""
# A token's signature alone is a secret too (a log might cut the token).
cut -d. -f3 "$TMPD/secrets" | grep -E '^.{40,}$' >"$TMPD/sigs"
found=$(grep -F -l -f "$TMPD/sigs" "${logs[@]}" 2>/dev/null)
check "no token signature in any log" eq "$found" ""
finish

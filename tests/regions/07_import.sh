#!/usr/bin/env bash
# 07_import.sh - the export and import round trip across regions
# (docs/import.md): a tenant of eu exported faithfully, sealed for us's
# transport key, and imported in us under a new slug; the copy lives in us
# (its tenants row, its directory row), its users log in there with their
# old passwords, its data and audit chain are there; a file sealed for eu's
# own key does not open in us.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
regions_checks

EU_STRATA="$STRATA_BIN --config $(reg_var eu)/strata.conf"
US_STRATA="$STRATA_BIN --config $(reg_var us)/strata.conf"

use_region eu
mk_tenant im-eu
login im-eu owner@im-eu.test "$PW_OWNER"
TOK=$TOKEN
json POST im-eu /v1/collections '{"name":"notes","fields":{"n":{"type":"integer"},"text":{"type":"string"}}}' "$TOK"
json POST im-eu /v1/collections/notes/records '{"data":{"n":7,"text":"carried"}}' "$TOK"
RID=$(jb .id)
check "a tenant with a record in eu (201)" eq "$STATUS" 201

in_region us $US_STRATA keys transport-public >"$TMPD/us.pem"
in_region eu $EU_STRATA keys transport-public >"$TMPD/eu.pem"
check "each region prints its own transport key" \
	test -s "$TMPD/us.pem" -a -s "$TMPD/eu.pem" -a "$(md5sum <"$TMPD/us.pem")" != "$(md5sum <"$TMPD/eu.pem")"
in_region eu $EU_STRATA tenant export im-eu --seal-for "$TMPD/us.pem" >"$TMPD/exp.json"
check "eu writes a faithful export sealed for us" \
	eq "$(jq -r '[.faithful, .tenant.slug] | join(" ")' "$TMPD/exp.json")" "true im-eu"
in_region eu $EU_STRATA tenant export im-eu --seal-for "$TMPD/eu.pem" >"$TMPD/wrong.json"
check "a file sealed for eu's own key does not open in us" \
	eval '! in_region us $US_STRATA tenant import "$TMPD/wrong.json" --slug im-wrong >/dev/null 2>&1'
check "... and leaves no tenant behind there" eq "$(tenant_id_in us im-wrong)" ""

OUT=$(in_region us $US_STRATA tenant import "$TMPD/exp.json" --slug im-us 2>&1)
check "us imports it under a new slug" test $? = 0
echo "# import: $(printf '%s' "$OUT" | tr '\n' ' ' | cut -c1-200)"
check "the copy's tenants row is in us only, at home there" \
	eq "$(psql_region us -c "SELECT region FROM strata.tenants WHERE slug = 'im-us'")/$(tenant_id_in eu im-us)" "us/"
check "eu's directory learns that im-us lives in us" \
	directory_wait eu "slug = 'im-us' AND region = 'us' AND status = 'active'"

use_region us
login im-us owner@im-eu.test "$PW_OWNER"
check "the owner logs in to the copy in us with the old password (200, Strata-Region: us)" \
	eq "$STATUS/$(header strata-region)" 200/us
UTOK=$TOKEN
authed GET im-us "/v1/collections/notes/records/$RID" "$UTOK"
check "the record came along (200, the same data)" \
	eq "$STATUS/$(jb -c .data)" '200/{"n":7,"text":"carried"}'
authed GET im-us /v1/audit/verify "$UTOK"
check "the copy's audit chain verifies in us" eq "$STATUS/$(jb .valid)" 200/true
use_region eu
authed GET im-us "/v1/collections/notes/records/$RID" "$UTOK"
check "the copy answers through eu too, from us (Strata-Region: us)" \
	eq "$STATUS/$(header strata-region)" 200/us
finish

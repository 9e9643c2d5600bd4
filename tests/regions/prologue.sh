# prologue.sh - sourced first by each tests/regions/[0-9]*.sh check: the
# regions of run.sh (tests/regions/lib.sh) and tests/lib.sh's helpers,
# talking to eu until use_region says otherwise.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
use_region eu
# shellcheck disable=SC1091
. "$ROOT/tests/lib.sh"
use_region eu

# one_header NAME: the values of header NAME in the last answer, one a line.
all_headers() { grep -i "^$1:" "$TMPD/h" | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
# same_answer: the last answer's status and body without its request id
# (each edge's own), for comparing two answers.
answer() { printf '%s %s' "$STATUS" "$(jq -cS 'if type == "object" then del(.request_id) else . end' <<<"$BODY" 2>/dev/null || printf '%s' "$BODY")"; }
# tenant_id_in REGION SLUG: the tenant's id in REGION's database ("" if none).
tenant_id_in() { psql_region "$1" -c "SELECT id FROM strata.tenants WHERE slug = '$2'"; }

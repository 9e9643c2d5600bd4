#!/usr/bin/env bash
# layering.sh - DESIGN.md's request path, checked on the source: lib/data
# owns SQL and every PGresult, lib/api owns HTTP.
# shellcheck disable=SC1091
. "$ROOT/tests/lib.sh"
cd "$ROOT" || exit 1

found=$(grep -l 'libpq-fe.h\|PQntuples\|PQgetvalue\|PGresult\|db_value\|db_result' lib/api/* 2>/dev/null)
check "no file in lib/api touches libpq or a PGresult" eq "$found" ""
found=$(grep -l 'problem\|struct request\|core/response.h' lib/data/* 2>/dev/null)
check "no file in lib/data knows problems, requests or responses" eq "$found" ""
found=$(grep -nE 'return (4[0-2][0-9]|50[0-4])\b|, (4[0-2][0-9]|50[0-4])\);|HTTP-like' lib/data/* 2>/dev/null)
check "lib/data returns no HTTP statuses (its own codes; lib/api maps them)" eq "$found" ""
found=$(grep -n 'req->pf\|req->ctx\|prefetch' lib/api/*.c lib/core/*.h 2>/dev/null)
check "no handler is cut in two (prefetch, handle arrays, contexts)" eq "$found" ""
found=$(grep -n '\bproblem(\|problem_errors(' lib/api/*.c | grep -v '^lib/api/pipeline.c:')
check "only the pipeline writes problems (every route, health included, returns a status)" eq "$found" ""
exit 0

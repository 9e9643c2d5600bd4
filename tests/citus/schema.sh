#!/usr/bin/env bash
# schema.sh - the schema on the Citus cluster in VAR: every table of the
# strata schema is distributed on tenant_id in records' co-location group
# (tenant tables and their partitions) or a reference table (the others),
# nothing Citus refuses is left, and RLS is forced on the shards too.
. "$(dirname "$0")/../lib.sh"
q() { psql_super -c "$1"; }
local_left=$(q "SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'strata' AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid AND (p.partmethod = 'h' OR p.repmodel = 't'))")
check "no table of the schema is left local" eq "$local_left" ""
wrong=$(q "SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped JOIN pg_dist_partition p ON p.logicalrelid = c.oid WHERE n.nspname = 'strata' AND (p.partmethod <> 'h' OR column_to_column_name(c.oid, p.partkey) <> 'tenant_id' OR p.colocationid <> (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'strata.records'::regclass))")
check "every tenant table is distributed on tenant_id with records" eq "$wrong" ""
echo "# distributed: $(q "SELECT count(*) FROM pg_dist_partition WHERE partmethod = 'h'") tables (partitions included), reference: $(q "SELECT string_agg(logicalrelid::text, ' ' ORDER BY 1) FROM pg_dist_partition WHERE repmodel = 't'")"
refs=$(q "SELECT string_agg(c.relname, ' ' ORDER BY 1) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'strata' AND c.relkind IN ('r', 'p') AND c.relname IN ('tenants', 'domains', 'plans', 'operators') AND EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid AND p.repmodel = 't')")
check "tenants, domains, plans and operators are reference tables" eq "$refs" "domains operators plans tenants"
check "the platform's statistics (strata_analytics) are reference tables" eq "$(q "SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid AND p.repmodel = 't')) || '/' || count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'strata_analytics' AND c.relkind IN ('r', 'p')")" "0/5"
check "no function enters a tenant with set_config() (the shards would not see it)" eq "$(q "SELECT string_agg(p.proname, ' ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('strata', 'strata_analytics') AND p.prosrc LIKE '%set_config(''strata.tenant_id''%'")" ""
check "no SQL function reads a table of the cluster" eq "$(q "SELECT string_agg(p.proname, ' ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname IN ('strata', 'strata_analytics') AND l.lanname = 'sql' AND p.provolatile <> 'i' AND EXISTS (SELECT 1 FROM pg_dist_partition d JOIN pg_class c ON c.oid = d.logicalrelid WHERE p.prosrc ~ ('\\m' || c.relname || '\\M'))")" ""
check "no distributed table has a trigger" eq "$(q "SELECT count(*) FROM pg_trigger t JOIN pg_dist_partition p ON p.logicalrelid = t.tgrelid WHERE NOT t.tgisinternal")" 0
forced=$(psql_worker "$CITUS_W1_PORT" -c "SELECT count(*) FILTER (WHERE NOT (relrowsecurity AND relforcerowsecurity)) || '/' || count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'strata' AND c.relname LIKE 'records\\_%' AND c.relkind IN ('r', 'p')")
check "RLS is forced on the workers' shards of records" eval '[ "${forced%%/*}" = 0 ] && [ "${forced##*/}" -gt 0 ]'
check "the workers propagate SET LOCAL (citus.propagate_set_commands)" eq "$(psql_app -c 'SHOW citus.propagate_set_commands')" local
finish

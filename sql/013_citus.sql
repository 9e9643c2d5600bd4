-- 013_citus: the schema on a Citus cluster (docs/scale-out.md).
--
-- Without the citus extension in this database nothing here changes the
-- schema: it only defines distribute_tenant_tables(), which then returns at
-- once.  With it (`strata migrate --citus`, or an existing database whose
-- coordinator got the extension), the same migration makes:
--   * every table of the schema with a tenant_id column a distributed table
--     on tenant_id, all in records' co-location group;
--   * every other table of the schema (tenants, domains, plans, operators,
--     platform keys and audit, ...) a reference table, and so the tables of
--     strata_analytics (014): the platform's statistics, a row per tenant
--     and day, read across tenants by design (cohorts of a plan, windows,
--     correlated subqueries Citus cannot run over shards), never under RLS;
--   * SQL functions that read the cluster's tables PL/pgSQL functions;
--   * what Citus refuses into what it accepts (below).
-- `strata migrate` calls distribute_tenant_tables() after the last
-- migration of every run, so tables that later migrations add are
-- distributed too.
SET LOCAL search_path = strata, public;

-- Distributes what is not distributed yet: tables with a tenant_id column
-- on tenant_id in records' co-location group, the others as reference
-- tables.  Citus checks foreign keys as tables change hands (and turns a
-- local table that points at a reference table into a "Citus local" one,
-- which then can be neither referenced by a distributed table nor
-- distributed while referenced), so the foreign keys of the tables not yet
-- distributed are dropped first and made again, as they were, at the end.
-- Idempotent; a no-op without Citus.
CREATE PROCEDURE distribute_tenant_tables()
LANGUAGE plpgsql
AS $$
DECLARE
	t record;
	root regclass;
	fks text[] := '{}';
	fk text;
	body text;
	fixed text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
		RETURN;
	END IF;
	-- Reference and distributed tables change in one transaction: Citus
	-- then needs one connection per node, not one per shard.
	SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
	CREATE TEMP TABLE pending ON COMMIT DROP AS
	SELECT c.oid AS rel,
	       n.nspname = 'strata' AND
	       EXISTS (SELECT 1 FROM pg_attribute a
	               WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
	                 AND NOT a.attisdropped) AS tenant
	FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ('strata', 'strata_analytics') AND c.relkind IN ('r', 'p')
	  AND NOT c.relispartition
	  AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
	                  WHERE p.logicalrelid = c.oid
	                    AND (p.partmethod = 'h' OR p.repmodel = 't'));
	-- A function that enters one tenant after another with set_config()
	-- (any migration's, before or after this one) does it with
	-- enter_tenant() (SET LOCAL, which Citus sends to the shards) here.
	-- And Citus allows only IMMUTABLE functions in an ON CONFLICT's DO
	-- UPDATE SET: "col = now()" there becomes "col = excluded.col", the
	-- same value where the INSERT leaves col to its DEFAULT now() (014's
	-- report_rollup, the one such statement).
	FOR t IN
		SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname IN ('strata', 'strata_analytics') AND p.prokind = 'f'
		  AND (p.prosrc LIKE '%set_config(''strata.tenant_id''%'
		       OR p.prosrc ~ 'DO UPDATE SET[^;]*\m\w+ = now\(\)')
	LOOP
		body := regexp_replace(t.def,
			'set_config\(''strata\.tenant_id'',\s*([^;]*?),\s*true\)',
			'strata.enter_tenant(NULLIF(\1, '''')::uuid)', 'g');
		LOOP
			fixed := regexp_replace(body,
				'(DO UPDATE SET[^;]*?)\m(\w+) = now\(\)', '\1\2 = excluded.\2');
			EXIT WHEN fixed = body;
			body := fixed;
		END LOOP;
		EXECUTE body;
	END LOOP;
	-- Citus plans no parameterized query inside a SQL function ("SQL
	-- functions referencing distributed tables"): a SQL function that reads
	-- a table of the cluster runs as PL/pgSQL, with the same body (columns
	-- before parameters, as in SQL).  The tables must be Citus's already,
	-- so this runs again after they are distributed (pending empty).
	IF NOT EXISTS (SELECT 1 FROM pending) THEN
		PERFORM strata.citus_plpgsql_functions();
		PERFORM strata.citus_report_views();
		RETURN;
	END IF;
	FOR t IN
		SELECT k.conrelid::regclass AS rel, k.conname,
		       pg_get_constraintdef(k.oid) AS def
		FROM pg_constraint k
		WHERE k.contype = 'f' AND k.conparentid = 0
		  AND (k.conrelid IN (SELECT rel FROM pending)
		       OR k.confrelid IN (SELECT rel FROM pending))
		ORDER BY 1, 2
	LOOP
		fks := fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s',
		                     t.rel, t.conname, t.def);
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t.rel, t.conname);
	END LOOP;
	-- A table Citus made "local" on its own goes back to plain first.
	FOR t IN SELECT p.rel::regclass AS rel FROM pending p
	         JOIN pg_dist_partition d ON d.logicalrelid = p.rel LOOP
		PERFORM undistribute_table(t.rel);
	END LOOP;
	SELECT d.logicalrelid INTO root FROM pg_dist_partition d
	WHERE d.logicalrelid = 'strata.records'::regclass AND d.partmethod = 'h';
	-- records first: it names the co-location group.
	FOR t IN SELECT p.rel::regclass AS rel, p.tenant FROM pending p
	         ORDER BY p.rel <> 'strata.records'::regclass, p.rel::regclass::text LOOP
		IF NOT t.tenant THEN
			PERFORM create_reference_table(t.rel);
		ELSIF root IS NULL THEN
			PERFORM create_distributed_table(t.rel, 'tenant_id');
			root := t.rel;
		ELSE
			PERFORM create_distributed_table(t.rel, 'tenant_id',
			                                 colocate_with => root::text);
		END IF;
	END LOOP;
	FOREACH fk IN ARRAY fks LOOP
		EXECUTE fk;
	END LOOP;
	PERFORM strata.citus_plpgsql_functions();
	PERFORM strata.citus_report_views();
	-- Functions that queries push down to the shards must exist on the
	-- workers (a database migrated before Citus has them only here).
	FOR t IN
		SELECT p.oid::regprocedure AS fn FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname IN ('strata', 'strata_analytics') AND p.prokind = 'f'
		  AND NOT EXISTS (SELECT 1 FROM pg_dist_object o
		                  WHERE o.classid = 'pg_proc'::regclass AND o.objid = p.oid)
	LOOP
		PERFORM create_distributed_function(t.fn);
	END LOOP;
END
$$;
REVOKE ALL ON PROCEDURE distribute_tenant_tables() FROM PUBLIC;

-- See distribute_tenant_tables().  Returns how many functions changed.  A
-- set-returning function returns its query, another its one value (a
-- data-modifying body through a loop: a subquery may not modify).
CREATE FUNCTION citus_plpgsql_functions() RETURNS int
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	f record;
	body text;
	cols text;
	names text;
	n int := 0;
BEGIN
	FOR f IN
		SELECT p.oid, p.proretset, p.prosrc, p.prorettype, p.proallargtypes,
		       p.proargmodes::text[] AS proargmodes,
		       pg_get_functiondef(p.oid) AS def,
		       pg_get_function_result(p.oid) AS result
		FROM pg_proc p
		JOIN pg_namespace ns ON ns.oid = p.pronamespace
		JOIN pg_language l ON l.oid = p.prolang
		WHERE ns.nspname IN ('strata', 'strata_analytics') AND l.lanname = 'sql'
		  AND p.provolatile <> 'i' AND p.prokind = 'f'
		  AND EXISTS (SELECT 1 FROM pg_dist_partition d
		              JOIN pg_class c ON c.oid = d.logicalrelid
		              WHERE p.prosrc ~ ('\m' || c.relname || '\M'))
	LOOP
		body := regexp_replace(f.prosrc, ';?\s*$', '');
		IF f.proretset THEN
			-- A SQL function casts its rows to the declared types;
			-- RETURN QUERY does not, so the casts are spelled out.
			SELECT string_agg(format('q.c%s::%s', i, format_type(ty, NULL)), ', ' ORDER BY i),
			       string_agg(format('c%s', i), ', ' ORDER BY i)
			INTO cols, names
			FROM unnest(CASE WHEN f.proallargtypes IS NULL THEN ARRAY[f.prorettype]
			            ELSE (SELECT array_agg(a.ty ORDER BY a.i)
			                  FROM unnest(f.proallargtypes, f.proargmodes)
			                       WITH ORDINALITY AS a (ty, mode, i)
			                  WHERE a.mode IN ('o', 't', 'b')) END)
			     WITH ORDINALITY AS o (ty, i);
			body := format(E'\n#variable_conflict use_column\nBEGIN\n\tRETURN QUERY SELECT %s FROM (%s) AS q (%s);\nEND\n',
			               cols, body, names);
		ELSIF f.prorettype = 'void'::regtype THEN
			-- No answer to carry (021's directory_put): the statement
			-- as it is.
			body := format(E'\n#variable_conflict use_column\nBEGIN\n\t%s;\nEND\n', body);
		ELSIF body ~* '\m(insert|update|delete)\M' THEN
			body := format(E'\n#variable_conflict use_column\nDECLARE\n\tr %s;\nBEGIN\n\tFOR r IN %s LOOP\n\t\tRETURN r;\n\tEND LOOP;\n\tRETURN NULL;\nEND\n', f.result, body);
		ELSE
			body := format(E'\n#variable_conflict use_column\nBEGIN\n\tRETURN (%s);\nEND\n', body);
		END IF;
		EXECUTE replace(replace(f.def, ' LANGUAGE sql', ' LANGUAGE plpgsql'),
		                '$function$' || f.prosrc || '$function$',
		                '$function$' || body || '$function$');
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
REVOKE ALL ON FUNCTION citus_plpgsql_functions() FROM PUBLIC;

-- Citus runs a query of a view on the tables' shards (reference tables
-- included) as the user of the view, not its owner, so strata_report, which
-- holds only the views of strata_report (014), is refused the tables
-- behind them ("permission denied for schema strata_analytics").  Each such
-- view becomes a view of a SECURITY DEFINER function of the owner that
-- returns the view's own query: the same columns and rows, which
-- strata_report may read and nothing more.  Idempotent (a view already
-- over its function is left); returns how many views changed.
CREATE FUNCTION citus_report_views() RETURNS int
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	v record;
	fn text;
	cols text;
	n int := 0;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'strata_report') THEN
		RETURN 0;
	END IF;
	FOR v IN
		SELECT c.oid, c.relname, pg_get_viewdef(c.oid) AS def
		FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
		WHERE ns.nspname = 'strata_report' AND c.relkind = 'v'
		  AND pg_get_viewdef(c.oid) !~ 'strata_analytics\.report_'
	LOOP
		fn := format('strata_analytics.%I', 'report_' || v.relname);
		SELECT string_agg(format('%I %s', a.attname,
		                         format_type(a.atttypid, a.atttypmod)),
		                  ', ' ORDER BY a.attnum)
		INTO cols
		FROM pg_attribute a WHERE a.attrelid = v.oid AND a.attnum > 0
		  AND NOT a.attisdropped;
		EXECUTE format(E'CREATE OR REPLACE FUNCTION %s() RETURNS TABLE (%s)\n'
		               || E'LANGUAGE plpgsql STABLE SECURITY DEFINER\n'
		               || E'SET search_path = strata_analytics, pg_temp\n'
		               || E'AS $f$\n#variable_conflict use_column\nBEGIN\n'
		               || E'\tRETURN QUERY %s;\nEND\n$f$',
		               fn, cols, regexp_replace(v.def, ';?\s*$', ''));
		EXECUTE format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn);
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s() TO strata_report', fn);
		EXECUTE format('CREATE OR REPLACE VIEW strata_report.%I WITH (security_barrier) AS SELECT * FROM %s()',
		               v.relname, fn);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
REVOKE ALL ON FUNCTION citus_report_views() FROM PUBLIC;

-- Online shard transfers replicate through a subscription whose owner is a
-- member of the table owner, without BYPASSRLS; PostgreSQL 15 refuses it
-- on a table whose RLS is FORCEd ("cannot replicate into relation with
-- row-level security enabled").  `strata tenant isolate` and `place` lift
-- FORCE for the transfer and restore it afterwards: RLS stays on for
-- strata_app (never the owner) throughout; only the owner role itself
-- bypasses it meanwhile.  Applies to every tenant table and partition.
-- One table at a time, each in a transaction of its own: all of them in
-- one transaction deadlocks with the live traffic.
CREATE FUNCTION tenant_tables_unlike(force boolean) RETURNS SETOF text
LANGUAGE sql STABLE
AS $$
	SELECT c.oid::regclass::text
	FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
	                    AND NOT a.attisdropped
	WHERE n.nspname = 'strata' AND c.relkind IN ('r', 'p')
	  AND c.relforcerowsecurity <> force
	ORDER BY c.relkind DESC, c.relname
$$;
CREATE FUNCTION tenant_table_force(rel text, force boolean) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	IF NOT rel IN (SELECT tenant_tables_unlike(force)) THEN
		RETURN;
	END IF;
	EXECUTE format('ALTER TABLE %s %s ROW LEVEL SECURITY', rel,
	               CASE WHEN force THEN 'FORCE' ELSE 'NO FORCE' END);
END
$$;
REVOKE ALL ON FUNCTION tenant_tables_unlike(boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION tenant_table_force(text, boolean) FROM PUBLIC;

-- The parts of the schema Citus refuses, changed only under Citus.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
		RETURN;
	END IF;
	-- RLS on the shards reads strata.tenant_id there.  Citus sends SET
	-- LOCAL to the workers (with this setting), never set_config().
	EXECUTE format('ALTER DATABASE %I SET citus.propagate_set_commands = local',
	               current_database());
	SET LOCAL citus.propagate_set_commands = local;
	-- "ON UPDATE CASCADE is not supported when the distribution key is in
	-- the foreign key": collection names never change, so NO ACTION.
	ALTER TABLE collection_versions
		DROP CONSTRAINT collection_versions_tenant_id_name_fkey,
		ADD CONSTRAINT collection_versions_tenant_id_name_fkey
		FOREIGN KEY (tenant_id, name) REFERENCES collections (tenant_id, name)
		ON DELETE CASCADE;
END
$$;

-- The functions that enter one tenant after another set the tenant with
-- SET LOCAL, which Citus sends to the shards; set_config() leaves the
-- workers' policies without a tenant (zero rows).  Under Citus only: on
-- plain PostgreSQL both mean the same and nothing is replaced.
DO $citus$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
		RETURN;
	END IF;
	-- Citus refuses functions that are not IMMUTABLE in the RETURNING of
	-- a write.  ts() is STABLE (007) only because to_char() is; with this
	-- fixed format and time zone its answer depends on its argument alone.
	EXECUTE $f$
CREATE OR REPLACE FUNCTION ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$
$f$;
	EXECUTE $f$
CREATE OR REPLACE FUNCTION enter_tenant(t uuid) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	IF t IS NULL THEN
		EXECUTE 'SET LOCAL strata.tenant_id = ''''';
	ELSE
		EXECUTE format('SET LOCAL strata.tenant_id = %L', t::text);
	END IF;
END
$$
$f$;
	EXECUTE $f$
CREATE OR REPLACE FUNCTION tenant_user_counts(ids uuid[])
RETURNS TABLE (tenant_id uuid, users bigint, api_keys bigint)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t uuid;
BEGIN
	FOREACH t IN ARRAY ids LOOP
		PERFORM enter_tenant(t);
		tenant_id := t;
		SELECT count(*) INTO users FROM users u WHERE u.tenant_id = t;
		SELECT count(*) INTO api_keys FROM api_keys k
		WHERE k.tenant_id = t AND k.revoked_at IS NULL;
		RETURN NEXT;
	END LOOP;
	PERFORM enter_tenant(NULL);
END
$$
$f$;
	EXECUTE $f$
CREATE OR REPLACE FUNCTION tenant_record_counts(ids uuid[])
RETURNS TABLE (tenant_id uuid, records bigint, collections bigint)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t uuid;
BEGIN
	FOREACH t IN ARRAY ids LOOP
		PERFORM enter_tenant(t);
		tenant_id := t;
		SELECT coalesce(sum(c.records), 0) INTO records FROM tenant_counters c
		WHERE c.tenant_id = t;
		SELECT count(*) INTO collections FROM collections c WHERE c.tenant_id = t;
		RETURN NEXT;
	END LOOP;
	PERFORM enter_tenant(NULL);
END
$$
$f$;
	EXECUTE $f$
CREATE OR REPLACE FUNCTION audit_due_tenants(after uuid, horizon_s int, want int, scan int)
RETURNS TABLE (tenant_id uuid, due boolean)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t uuid;
	last uuid;
	last_due boolean := false;
	sealed bigint;
	found_ int := 0;
BEGIN
	FOR t IN SELECT id FROM tenants WHERE id > after ORDER BY id LIMIT scan LOOP
		PERFORM enter_tenant(t);
		last := t;
		last_due := false;
		SELECT coalesce(max(l.seq), 0) INTO sealed
		FROM audit_links l WHERE l.tenant_id = t;
		-- Citus plans no subquery in a bare expression: a query of its own.
		PERFORM 1 FROM audit_events e
		WHERE e.tenant_id = t AND e.seq > sealed
		  AND e.at < now() - horizon_s * interval '1 second'
		LIMIT 1;
		IF FOUND THEN
			tenant_id := t;
			due := true;
			last_due := true;
			RETURN NEXT;
			found_ := found_ + 1;
			EXIT WHEN found_ >= want;
		END IF;
	END LOOP;
	PERFORM enter_tenant(NULL);
	IF last IS NOT NULL AND NOT last_due THEN
		tenant_id := last;
		due := false;
		RETURN NEXT;
	END IF;
END
$$
$f$;
END
$citus$;

-- Not called here: `strata migrate` calls distribute_tenant_tables() after
-- the last migration of its run.  Tables that later migrations create then
-- are still plain while they are made: a partitioned table pointing at a
-- table that is already a reference table would become a "Citus local"
-- table on its own, whose partitions Citus then refuses ("child table is
-- missing constraint", 015's webhook_deliveries).

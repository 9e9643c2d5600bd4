-- 023_move.sql - moving a tenant to another region (`strata tenant move`,
-- docs/regions.md, "Moving a tenant"): the source publishes the tenant's
-- rows, the target subscribes (PostgreSQL logical replication: a bulk copy,
-- then the changes), the source freezes the tenant, both sides compare a
-- digest of its rows, the target adopts it and the source purges it.
SET LOCAL search_path = strata, public;

-- 'moving': the tenant's writes are frozen for the switch; every request
-- answers 503 with Retry-After meanwhile.
ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check
	CHECK (status IN ('active', 'suspended', 'deleted', 'restoring',
	                  'moving'));

-- A publication's row filter may name only replica identity columns; these
-- two name their tenant outside their key.  Both are small.
ALTER TABLE domains REPLICA IDENTITY FULL;
ALTER TABLE join_domains REPLICA IDENTITY FULL;

-- Every table holding a tenant's rows, and the column that names it: what a
-- move copies, compares and purges.  The tenants row itself is not among
-- them: the target writes it last, so that until the switch no process of
-- the target (sealer, deliverer, mail sender, request) sees the tenant.
-- The region directory (021) is not tenant data.
CREATE FUNCTION tenant_tables()
RETURNS TABLE (rel regclass, col text)
LANGUAGE sql STABLE
SET search_path = strata, public
AS $$
	SELECT c.oid::regclass, a.attname::text
	FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped
	     AND a.attname IN ('tenant_id', 'owner_tenant_id')
	WHERE n.nspname IN ('strata', 'strata_analytics')
	  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
	  AND c.relname <> 'directory'
	ORDER BY c.oid::regclass::text
$$;

-- Per table, the number of the tenant's rows and an md5 over them in a
-- fixed order, as JSON with the key wrapping left out (each region wraps
-- the keys with its own master key).  Runs in a transaction of the tenant
-- (strata.tenant_id set): the tables' policies let it see only those rows.
CREATE FUNCTION tenant_digest(t uuid)
RETURNS TABLE (rel text, n bigint, digest text)
LANGUAGE plpgsql STABLE
SET TimeZone = 'UTC'
SET search_path = strata, public
AS $$
DECLARE
	x record;
BEGIN
	FOR x IN SELECT * FROM tenant_tables() LOOP
		rel := x.rel::text;
		EXECUTE format(
			'SELECT count(*), md5(coalesce(string_agg(j, %L ORDER BY j), %L)) '
			'FROM (SELECT (to_jsonb(r) - %L)::text AS j FROM %s r '
			'WHERE %I = $1) s', E'\n', '', 'wrapped', x.rel, x.col)
			INTO n, digest USING t;
		RETURN NEXT;
	END LOOP;
END
$$;

-- Deletes every row of tenant t, its tenants row included (owner role, in
-- a transaction of the tenant).  The audit tables go first: the app role
-- may not delete from them, the owner may.  Some tenant tables (the audit
-- links, events, the mail outbox) have no foreign key to cascade from
-- tenants, and a target's copy has no tenants row to cascade from: each
-- table is cleared by name, a table only once no other table left to clear
-- points at it (its foreign keys' order; no savepoints, which a Citus
-- coordinator would have to carry to every shard).  The rows removed.
CREATE FUNCTION tenant_purge(t uuid)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = strata, public
AS $$
DECLARE
	x record;
	k bigint;
	total bigint := 0;
	pending regclass[];
	cleared int;
BEGIN
	DELETE FROM audit_events WHERE tenant_id = t;
	GET DIAGNOSTICS k = ROW_COUNT;
	total := total + k;
	DELETE FROM tenants WHERE id = t;
	GET DIAGNOSTICS k = ROW_COUNT;
	total := total + k;
	SELECT array_agg(rel) INTO pending FROM tenant_tables();
	WHILE cardinality(pending) > 0 LOOP
		cleared := 0;
		FOR x IN
			SELECT tt.rel, tt.col FROM tenant_tables() tt
			WHERE tt.rel = ANY (pending) AND NOT EXISTS (
				SELECT 1 FROM pg_constraint c
				WHERE c.contype = 'f' AND c.conparentid = 0
				  AND c.confrelid = tt.rel AND c.conrelid <> tt.rel
				  AND c.conrelid = ANY (pending))
		LOOP
			EXECUTE format('DELETE FROM %s WHERE %I = $1', x.rel, x.col)
				USING t;
			GET DIAGNOSTICS k = ROW_COUNT;
			total := total + k;
			pending := array_remove(pending, x.rel);
			cleared := cleared + 1;
		END LOOP;
		IF cleared = 0 THEN
			RAISE EXCEPTION 'tenant_purge: foreign keys in a cycle: %',
				pending;
		END IF;
	END LOOP;
	RETURN total;
END
$$;

-- The publication of tenant t's rows for a move (source, owner role): every
-- table of tenant_tables() filtered to the tenant, partitioned tables
-- published as themselves.  Its name, strata_move_<tenant id in hex>.
-- reader, the role other regions' subscriptions log in as (the regions
-- file's conninfo: REPLICATION and BYPASSRLS), may read the tenant tables
-- for the bulk copy while a move publishes, and no longer.
CREATE FUNCTION move_publication_name(t uuid) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT 'strata_move_' || replace(t::text, '-', '') $$;

CREATE FUNCTION move_publish(t uuid, reader text) RETURNS text
LANGUAGE plpgsql
SET search_path = strata, public
AS $$
DECLARE
	name text := move_publication_name(t);
	list text;
	x record;
BEGIN
	SELECT string_agg(format('%s WHERE (%I = %L)', rel, col, t), ', ')
	INTO list FROM tenant_tables();
	IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = name) THEN
		EXECUTE format('DROP PUBLICATION %I', name);
	END IF;
	EXECUTE format('CREATE PUBLICATION %I FOR TABLE %s '
	               'WITH (publish_via_partition_root = true)', name, list);
	IF reader IS NOT NULL AND reader <> '' THEN
		EXECUTE format('GRANT USAGE ON SCHEMA strata, strata_analytics TO %I',
		               reader);
		-- The target compares digests of both sides, the source's read
		-- as reader.
		EXECUTE format('GRANT EXECUTE ON FUNCTION tenant_digest(uuid) TO %I',
		               reader);
		FOR x IN SELECT * FROM tenant_tables() LOOP
			EXECUTE format('GRANT SELECT ON %s TO %I', x.rel, reader);
		END LOOP;
	END IF;
	RETURN name;
END
$$;

CREATE FUNCTION move_unpublish(t uuid, reader text) RETURNS void
LANGUAGE plpgsql
SET search_path = strata, public
AS $$
DECLARE
	x record;
BEGIN
	EXECUTE format('DROP PUBLICATION IF EXISTS %I',
	               move_publication_name(t));
	IF reader IS NOT NULL AND reader <> '' AND NOT EXISTS (
		SELECT 1 FROM pg_publication WHERE pubname LIKE 'strata\_move\_%')
	THEN
		FOR x IN SELECT * FROM tenant_tables() LOOP
			EXECUTE format('REVOKE SELECT ON %s FROM %I', x.rel, reader);
		END LOOP;
		EXECUTE format('REVOKE EXECUTE ON FUNCTION tenant_digest(uuid) '
		               'FROM %I', reader);
	END IF;
END
$$;

-- The target's last step, in one transaction of the tenant (owner role):
-- the tenants row as the source had it when frozen (json of the row), now
-- at home in region home, the
-- shared sequences past every number the tenant brought, and the schema
-- and keyring versions bumped, so no worker keeps a copy of before.
CREATE FUNCTION move_arrive(t uuid, row_json jsonb, home text) RETURNS void
LANGUAGE plpgsql
SET search_path = strata, public
AS $$
BEGIN
	INSERT INTO tenants
	SELECT * FROM jsonb_populate_record(NULL::tenants, row_json)
	WHERE id = t;
	UPDATE tenants SET status = 'active', region = home, updated_at = now()
	WHERE id = t;
	PERFORM setval('audit_seq', greatest(
		(SELECT last_value FROM audit_seq),
		(SELECT coalesce(max(seq), 0) FROM audit_events WHERE tenant_id = t)));
	PERFORM setval('event_seq', greatest(
		(SELECT last_value FROM event_seq),
		(SELECT coalesce(max(seq), 0) FROM events WHERE tenant_id = t)));
	-- Not auth_epoch: that would refuse every access token issued before
	-- the move, and the signing keys move so that they keep working.
	UPDATE tenant_versions
	SET schema_version = schema_version + 1,
	    keyring_version = keyring_version + 1
	WHERE tenant_id = t;
END
$$;

-- For the owner role only (`strata tenant move`, `strata tenant purge`).
REVOKE ALL ON FUNCTION tenant_digest(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION tenant_purge(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION move_publish(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION move_unpublish(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION move_arrive(uuid, jsonb, text) FROM PUBLIC;

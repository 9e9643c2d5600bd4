-- 021_regions.sql - the global directory of tenants (docs/regions.md).
--
-- Every region holds every region's rows: which region is a tenant's home,
-- by slug and verified custom domain, and nothing else (no name, no
-- e-mail, no data).  A row is written only by the region named in its
-- region column: each region PUBLISHES its own rows (a publication with the
-- row filter region = '<self>', made by directory_set_region at `strata
-- migrate`) and SUBSCRIBES to every other region's publication (made by the
-- deployment as the cluster's superuser, docs/regions.md), so no row
-- travels back to where it came from.  A single-region deployment (no
-- region configured) writes no rows at all.
SET LOCAL search_path = strata, public;

CREATE TABLE directory (
	region     text NOT NULL CHECK (region ~ '^[a-z][a-z0-9-]{0,31}$'),
	-- Named tenant, not tenant_id: a column tenant_id marks a tenant
	-- table (row-level security, 002 and 06_schema.sh); this table is
	-- global.
	tenant     uuid NOT NULL,
	slug       text NOT NULL,
	domains    text[] NOT NULL DEFAULT '{}',
	-- active: this region is the tenant's home; moved: it was, and the
	-- tenant went to moved_to; deleted: the tenant was deleted here.
	status     text NOT NULL CHECK (status IN ('active', 'moved', 'deleted')),
	moved_to   text CHECK ((status = 'moved') = (moved_to IS NOT NULL)),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (region, tenant)
);
CREATE INDEX directory_by_slug ON directory (slug);
CREATE INDEX directory_by_domain ON directory USING gin (domains);
GRANT SELECT ON directory TO strata_app;

-- The region this database serves: one row, set by directory_set_region.
CREATE TABLE region_self (
	only_one boolean PRIMARY KEY DEFAULT true CHECK (only_one),
	name     text NOT NULL CHECK (name ~ '^[a-z][a-z0-9-]{0,31}$')
);
GRANT SELECT ON region_self TO strata_app;

-- directory_put(self, tid, st, over_moved): this region's row of tenant tid
-- from its tenants row and verified domains, with status st; a row that
-- says the tenant moved away is changed only when over_moved.
CREATE FUNCTION directory_put(self text, tid uuid, st text, over_moved boolean)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = strata, public
AS $$
	INSERT INTO directory AS d (region, tenant, slug, domains, status)
	SELECT self, t.id, t.slug, coalesce(ARRAY(SELECT m.name FROM domains m
		WHERE m.owner_tenant_id = t.id AND m.verified_at IS NOT NULL
		ORDER BY m.name), '{}'), st
	FROM tenants t WHERE t.id = tid
	ON CONFLICT ON CONSTRAINT directory_pkey DO UPDATE
	SET slug = excluded.slug, domains = excluded.domains,
	    status = excluded.status, moved_to = NULL, updated_at = now()
	WHERE d.status <> 'moved' OR over_moved;
$$;
REVOKE ALL ON FUNCTION directory_put(text, uuid, text, boolean) FROM PUBLIC;

-- directory_set_region(self): names this database's region and publishes
-- its rows (row filter: its own region only).  Called by `strata migrate`
-- when a region is configured; a database keeps the region it was given.
CREATE FUNCTION directory_set_region(self text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = strata, public
AS $$
DECLARE
	had text;
BEGIN
	SELECT name INTO had FROM region_self;
	IF had IS NOT NULL AND had <> self THEN
		RAISE EXCEPTION 'this database serves region %, not %', had, self
			USING ERRCODE = '22023';
	END IF;
	IF had IS NULL THEN
		INSERT INTO region_self (name) VALUES (self);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_publication
	               WHERE pubname = 'strata_directory') THEN
		EXECUTE format('CREATE PUBLICATION strata_directory FOR TABLE '
		               'strata.directory WHERE (region = %L)', self);
	END IF;
	-- The tenants already here (a single-region deployment that names
	-- its region now): each gets its row.
	PERFORM directory_put(self, t.id, CASE WHEN t.status = 'deleted'
		THEN 'deleted' ELSE 'active' END, false)
	FROM tenants t;
END;
$$;
REVOKE ALL ON FUNCTION directory_set_region(text) FROM PUBLIC;

-- directory_sync(tenant): the local row of tenant, from its tenants row and
-- verified domains, in the caller's transaction (tenant creation, status
-- and domain changes).  No-op without a region, for a tenant this region
-- handed over (moved), and for a copy of a tenant another region is home
-- to (the move's import, until directory_take_over).  A slug another
-- tenant holds as its home in any region fails with unique_violation, as a
-- local duplicate would.
CREATE FUNCTION directory_sync(tenant uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = strata, public
AS $$
DECLARE
	self text;
	t record;
BEGIN
	SELECT name INTO self FROM region_self;
	IF self IS NULL THEN
		RETURN;
	END IF;
	SELECT id, slug, status INTO t FROM tenants WHERE id = tenant;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	-- A copy of a tenant whose home is another region (a move under way)
	-- claims nothing until directory_take_over makes this region its home.
	IF NOT EXISTS (SELECT 1 FROM directory d WHERE d.region = self
	               AND d.tenant = t.id)
	   AND EXISTS (SELECT 1 FROM directory d WHERE d.region <> self
	               AND d.tenant = t.id AND d.status = 'active') THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM directory d WHERE d.slug = t.slug
	           AND d.tenant <> t.id AND d.status = 'active') THEN
		RAISE EXCEPTION 'slug % is taken in another region', t.slug
			USING ERRCODE = '23505';
	END IF;
	PERFORM directory_put(self, t.id, CASE WHEN t.status = 'deleted'
		THEN 'deleted' ELSE 'active' END, false);
END;
$$;
REVOKE ALL ON FUNCTION directory_sync(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION directory_sync(uuid) TO strata_app;

-- directory_hand_over(tenant, to_region): the move's switch at the source:
-- the local row says the tenant went to to_region.  Fails unless the local
-- row is active.
CREATE FUNCTION directory_hand_over(tenant uuid, to_region text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = strata, public
AS $$
DECLARE
	self text;
BEGIN
	SELECT name INTO self FROM region_self;
	IF self IS NULL OR to_region = self THEN
		RAISE EXCEPTION 'cannot hand tenant % over to %', tenant, to_region
			USING ERRCODE = '22023';
	END IF;
	UPDATE directory SET status = 'moved', moved_to = to_region,
	       updated_at = now()
	WHERE region = self AND directory.tenant = directory_hand_over.tenant
	  AND status = 'active';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'tenant % is not at home in region %', tenant, self
			USING ERRCODE = '55000';
	END IF;
END;
$$;
REVOKE ALL ON FUNCTION directory_hand_over(uuid, text) FROM PUBLIC;

-- directory_take_over(tenant): the move's switch at the target: the local
-- row, from the local tenants row, says this region is home.
CREATE FUNCTION directory_take_over(tenant uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = strata, public
AS $$
DECLARE
	self text;
	t record;
BEGIN
	SELECT name INTO self FROM region_self;
	SELECT id, slug INTO t FROM tenants
	WHERE id = tenant AND status <> 'deleted';
	IF self IS NULL OR NOT FOUND THEN
		RAISE EXCEPTION 'tenant % is not here to take over', tenant
			USING ERRCODE = '55000';
	END IF;
	PERFORM directory_put(self, t.id, 'active', true);
END;
$$;
REVOKE ALL ON FUNCTION directory_take_over(uuid) FROM PUBLIC;

-- directory_home(slug or domain): where a host this region does not serve
-- lives: one row (region, status) per region that knows the tenant; the
-- tenant's home is the region whose row is active.
CREATE FUNCTION directory_home(host_slug text, host_domain text)
RETURNS TABLE (region text, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = strata, public
AS $$
	SELECT d.region, d.status FROM directory d
	WHERE (host_slug IS NOT NULL AND d.slug = host_slug)
	   OR (host_domain IS NOT NULL AND d.domains @> ARRAY[host_domain])
	ORDER BY d.status = 'active' DESC, d.updated_at DESC
	LIMIT 8;
$$;
REVOKE ALL ON FUNCTION directory_home(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION directory_home(text, text) TO strata_app;

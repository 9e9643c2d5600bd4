-- 008_audit_sealer: how the sealer process finds the tenants with work.
--
-- The workers no longer note which tenants they wrote events for; the
-- sealer asks the database.  The app role cannot see across tenants (RLS
-- is forced), so the function enters each tenant in turn, as
-- tenant_user_counts() does, and asks two index probes of it: its highest
-- sealed seq (audit_links_seq, backwards) and whether an event after it is
-- older than the horizon (audit_events' primary key, from that seq on).
-- It scans at most `scan` tenants in id order after `after` and stops at
-- `want` due tenants, so one call is bounded whatever the tenant count;
-- the caller goes on from the last id returned (round robin: every tenant
-- is reached, none can hold the others back).  The last row is always the
-- last tenant scanned (due or not), so the caller knows where to go on;
-- no row means the scan reached the end.
SET LOCAL search_path = strata, public;

-- The sealer's head query asks for the highest purged seq at every batch;
-- without an index that read the whole chain (78 ms at 100,000 links).
CREATE INDEX audit_links_purged ON audit_links (tenant_id, purged_through)
	WHERE kind = 'purge';

CREATE FUNCTION audit_due_tenants(after uuid, horizon_s int, want int, scan int)
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
		PERFORM set_config('strata.tenant_id', t::text, true);
		last := t;
		last_due := false;
		SELECT coalesce(max(l.seq), 0) INTO sealed
		FROM audit_links l WHERE l.tenant_id = t;
		IF EXISTS (SELECT 1 FROM audit_events e
		           WHERE e.tenant_id = t AND e.seq > sealed
		             AND e.at < now() - horizon_s * interval '1 second') THEN
			tenant_id := t;
			due := true;
			last_due := true;
			RETURN NEXT;
			found_ := found_ + 1;
			EXIT WHEN found_ >= want;
		END IF;
	END LOOP;
	PERFORM set_config('strata.tenant_id', '', true);
	IF last IS NOT NULL AND NOT last_due THEN
		tenant_id := last;
		due := false;
		RETURN NEXT;
	END IF;
END
$$;

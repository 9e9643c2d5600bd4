-- 020_dr.sql - disaster recovery: the erasure ledger, and the state of a
-- tenant whose data is being restored (docs/operations.md, "Disaster
-- recovery").
SET LOCAL search_path = strata, public;

-- One row per erased subject hash (records.subject, subject_keys.
-- subject_hash), written in the erasure's own transaction.  `strata tenant
-- restore` never rolls it back, and every restore re-applies it before the
-- tenant serves again: a subject erased after the restore's point in time
-- stays erased.  A whole-cluster restore brings the ledger in from the
-- newest copy first (`strata erasure reapply --from`).  Workers may add
-- rows, never change or remove them.
CREATE TABLE erasure_ledger (
	tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	subject_hash text NOT NULL,
	erased_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, subject_hash)
);
-- The tenancy wall of 002, with the ledger beside the audit tables among
-- those the app role may only add to (later migrations call it again).
CREATE OR REPLACE PROCEDURE secure_tenant_tables()
LANGUAGE plpgsql
AS $$
DECLARE
	t record;
BEGIN
	FOR t IN
		SELECT c.oid::regclass AS rel, c.relname, c.relispartition
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
		                    AND NOT a.attisdropped
		WHERE n.nspname = 'strata' AND c.relkind IN ('r', 'p')
	LOOP
		EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.rel);
		EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t.rel);
		IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = t.rel
		               AND polname = 'tenant_isolation') THEN
			EXECUTE format('CREATE POLICY tenant_isolation ON %s '
				'USING (tenant_id = NULLIF(current_setting(''strata.tenant_id'', true), '''')::uuid) '
				'WITH CHECK (tenant_id = NULLIF(current_setting(''strata.tenant_id'', true), '''')::uuid)',
				t.rel);
		END IF;
		-- Partitions are reached through their parent only.
		IF NOT t.relispartition THEN
			IF t.relname IN ('audit_events', 'audit_links', 'erasure_ledger') THEN
				EXECUTE format('GRANT SELECT, INSERT ON %s TO strata_app', t.rel);
			ELSE
				EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO strata_app', t.rel);
			END IF;
		END IF;
	END LOOP;
END
$$;
CALL secure_tenant_tables();

-- 'restoring': `strata tenant restore` is replacing the tenant's data;
-- every request of the tenant answers 503 with Retry-After meanwhile.
ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check
	CHECK (status IN ('active', 'suspended', 'deleted', 'restoring'));

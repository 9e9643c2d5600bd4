-- 005_config: versioned tenant settings and custom domains.
SET LOCAL search_path = strata, public;

-- Every version of a tenant's settings, immutable.  tenants.config_version
-- names the current one; a change bumps it with a compare-and-set, so two
-- writers holding the same version cannot both win, and numbers are never
-- skipped or reused.
CREATE TABLE config_versions (
	tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	version       bigint NOT NULL CHECK (version > 0),
	settings      jsonb NOT NULL,
	comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
	created_at    timestamptz NOT NULL DEFAULT now(),
	created_by    text NOT NULL DEFAULT '',
	restored_from bigint,
	PRIMARY KEY (tenant_id, version)
);

-- Custom domains: a global routing table (a name belongs to one tenant at
-- most), like tenants itself; a name serves its tenant once verified by an
-- operator (`strata tenant domain verify`).
CREATE TABLE domains (
	name            text PRIMARY KEY CHECK (name ~ '^[a-z0-9.-]{1,253}$'),
	owner_tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	verified_at     timestamptz,
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_by_tenant ON domains (owner_tenant_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON domains TO strata_app;

CALL secure_tenant_tables();

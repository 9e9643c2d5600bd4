-- 009_versions: the per-tenant version vector (DESIGN.md, caches).
--
-- One small row per tenant.  Every request reads it in its one round
-- trip; the workers' caches of principals, settings, collection
-- definitions and keys are valid while the version they were filled
-- under still matches.  Each change that matters bumps its counter in the
-- same transaction as the change:
--   auth_epoch       users, roles, role grants, sessions, API keys
--   config_version   settings (mirrors tenants.config_version)
--   schema_version   collection definitions
--   keyring_version  data and signing keys
-- A tenant table (tenant_id first, RLS forced), so under Citus it is
-- co-located with the tenant's other rows and a bump is a single-shard
-- write.
SET LOCAL search_path = strata, public;

CREATE TABLE tenant_versions (
	tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	auth_epoch bigint NOT NULL DEFAULT 1,
	config_version bigint NOT NULL DEFAULT 0,
	schema_version bigint NOT NULL DEFAULT 1,
	keyring_version bigint NOT NULL DEFAULT 1
);

INSERT INTO tenant_versions (tenant_id, config_version)
SELECT id, config_version FROM tenants;

CALL secure_tenant_tables();

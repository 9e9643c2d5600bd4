-- 010_platform_plans: plans are platform objects (issue 13, items 7-8).
--
-- A plan caps what a tenant may set for itself: its rate and burst, its
-- record and collection quotas, and the shortest audit retention it may
-- choose (the platform's own floor, strata.conf audit_retention_floor_days,
-- applies on top).  It names the settings templates a tenant of the plan
-- may start from, and the platform's feature flags it offers (true) or
-- withholds (false); a tenant's settings.features may not turn on a flag
-- its plan withholds, and flags no plan names are the tenant's own.  Operators edit
-- plans through /v1/platform/plans; tenants never see or change them.
--
-- version is drawn from one sequence for every plan and every edit, so a
-- number names one plan as it was at one edit: the version row of each
-- request (lib/data/versions.c) carries the version of the tenant's plan,
-- and the workers' compiled settings, capped by the plan, are valid while
-- it matches.  Moving a tenant to another plan or editing its plan is then
-- seen on the next request on every worker.
--
-- A global table (small, a reference table under Citus), like tenants.
SET LOCAL search_path = strata, public;

CREATE SEQUENCE plan_versions AS bigint;

CREATE TABLE plans (
	name                     text PRIMARY KEY
	                         CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
	requests_per_second      integer NOT NULL
	                         CHECK (requests_per_second BETWEEN 1 AND 100000),
	burst                    integer NOT NULL
	                         CHECK (burst BETWEEN 1 AND 1000000),
	max_records              bigint NOT NULL
	                         CHECK (max_records BETWEEN 0 AND 1000000000),
	max_collections          integer NOT NULL
	                         CHECK (max_collections BETWEEN 1 AND 10000),
	audit_retention_min_days integer NOT NULL
	                         CHECK (audit_retention_min_days BETWEEN 1 AND 36500),
	templates                text[] NOT NULL DEFAULT '{}',
	features                 jsonb NOT NULL DEFAULT '{}'
	                         CHECK (jsonb_typeof(features) = 'object'),
	regions                  text[] NOT NULL DEFAULT '{}',
	version                  bigint NOT NULL DEFAULT nextval('plan_versions'),
	created_at               timestamptz NOT NULL DEFAULT now(),
	updated_at               timestamptz NOT NULL DEFAULT now()
);

-- free fits the default template exactly, so a tenant made from it is at
-- its caps and can only lower them; enterprise is the only plan that may
-- start from the enterprise template.
INSERT INTO plans (name, requests_per_second, burst, max_records,
                   max_collections, audit_retention_min_days, templates,
                   features, regions) VALUES
	('free', 200, 400, 100000, 100, 90, '{default,startup}',
	 '{"beta": true, "sso": false, "webhooks": false}', '{}'),
	('team', 1000, 2000, 10000000, 1000, 180, '{default,startup}',
	 '{"beta": true, "sso": false, "webhooks": true}', '{}'),
	('enterprise', 10000, 20000, 1000000000, 10000, 365,
	 '{default,startup,enterprise}',
	 '{"beta": true, "sso": true, "webhooks": true}', '{}');

-- Tenants made before plans existed are on 'free' (the column's default).
INSERT INTO plans (name, requests_per_second, burst, max_records,
                   max_collections, audit_retention_min_days)
SELECT DISTINCT t.plan, 200, 400, 100000, 100, 90 FROM tenants t
WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE p.name = t.plan)
  AND t.plan ~ '^[a-z][a-z0-9_-]{0,62}$';

ALTER TABLE tenants
	ADD CONSTRAINT tenants_plan_fkey FOREIGN KEY (plan) REFERENCES plans (name);

GRANT SELECT, INSERT, UPDATE ON plans TO strata_app;
GRANT USAGE ON SEQUENCE plan_versions TO strata_app;

-- Quotas under concurrency: a create that could reach a quota takes the
-- tenant's quota lock, in the create's own transaction, before it counts;
-- of two creates at the cap, the second waits, then counts the first one's
-- row and is refused.  A transaction-level advisory lock: held to COMMIT,
-- nothing to clean up, no row of any table locked.
CREATE FUNCTION quota_lock(tenant uuid) RETURNS void
LANGUAGE sql VOLATILE
AS $$ SELECT pg_advisory_xact_lock(hashtextextended('strata.quota:' || tenant::text, 0)) $$;

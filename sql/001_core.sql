-- 001_core: roles, schema, the global tenants table, shared helpers.
--
-- Runs as strata_owner (the database owner, with CREATEROLE), which then owns
-- every object.  strata_app, the workers' role, gets DML only and never
-- BYPASSRLS; strata_report sees aggregate views only.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'strata_app') THEN
		CREATE ROLE strata_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
			NOBYPASSRLS NOREPLICATION;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'strata_report') THEN
		CREATE ROLE strata_report LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
			NOBYPASSRLS NOREPLICATION;
	END IF;
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname IN ('strata_app', 'strata_report')
	           AND (rolbypassrls OR rolsuper)) THEN
		RAISE EXCEPTION 'strata_app and strata_report must not bypass row-level security';
	END IF;
	EXECUTE format('ALTER ROLE strata_app IN DATABASE %I SET search_path = strata, public',
	               current_database());
	EXECUTE format('ALTER ROLE strata_report IN DATABASE %I SET search_path = strata_report',
	               current_database());
	EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = strata, public',
	               current_user, current_database());
	EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
	EXECUTE format('GRANT CONNECT ON DATABASE %I TO strata_app, strata_report',
	               current_database());
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO strata_app;

CREATE SCHEMA strata;
GRANT USAGE ON SCHEMA strata TO strata_app;
SET LOCAL search_path = strata, public;

-- RFC 3339 UTC with milliseconds, the only time format the API speaks.
CREATE FUNCTION ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- The tenant whose transaction this is, or NULL outside one.
CREATE FUNCTION current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('strata.tenant_id', true), '')::uuid $$;

-- Global table: one row per tenant.  Small; a reference table under Citus.
CREATE TABLE tenants (
	id             uuid PRIMARY KEY,
	slug           text NOT NULL UNIQUE
	               CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'),
	name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	status         text NOT NULL DEFAULT 'active'
	               CHECK (status IN ('active', 'suspended', 'deleted')),
	plan           text NOT NULL DEFAULT 'free',
	region         text NOT NULL DEFAULT 'local',
	config_version bigint NOT NULL DEFAULT 0,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON tenants TO strata_app;
GRANT SELECT ON public.strata_migrations TO strata_app;

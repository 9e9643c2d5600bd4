-- 002_identity: keys, users, roles, sessions, API keys, operators, and the
-- audit log they write to.
--
-- Every tenant table: tenant_id first in the primary key and in every
-- unique key, index and foreign key between tenant tables; RLS enabled and
-- forced with one policy for USING and WITH CHECK (secure_tenant_tables()).
SET LOCAL search_path = strata, public;

-- Applies the tenancy wall to every table of the schema that has a
-- tenant_id column (partitions included) and grants strata_app its DML.
-- Run at the end of each migration that adds tenant tables.
CREATE PROCEDURE secure_tenant_tables()
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
			IF t.relname IN ('audit_events', 'audit_links') THEN
				EXECUTE format('GRANT SELECT, INSERT ON %s TO strata_app', t.rel);
			ELSE
				EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO strata_app', t.rel);
			END IF;
		END IF;
	END LOOP;
END
$$;
REVOKE ALL ON PROCEDURE secure_tenant_tables() FROM PUBLIC;

-- Hash partitions of a partitioned table; the count comes from
-- `strata migrate --partitions N` (default 16).
CREATE PROCEDURE make_hash_partitions(parent text)
LANGUAGE plpgsql
AS $$
DECLARE
	n int := coalesce(NULLIF(current_setting('strata.partitions', true), ''), '16')::int;
BEGIN
	FOR i IN 0 .. n - 1 LOOP
		EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
		               parent || '_p' || i, parent, n, i);
	END LOOP;
END
$$;
REVOKE ALL ON PROCEDURE make_hash_partitions(text) FROM PUBLIC;

-- Per-tenant keys, wrapped by the master key (never stored in clear).
CREATE TABLE tenant_keys (
	tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id           uuid NOT NULL,
	purpose      text NOT NULL CHECK (purpose IN ('signing', 'data', 'index')),
	wrapped      bytea,          -- NULL once destroyed (crypto-shredding)
	created_at   timestamptz NOT NULL DEFAULT now(),
	retired_at   timestamptz,    -- no longer used for new tokens or data
	destroyed_at timestamptz,
	PRIMARY KEY (tenant_id, id)
);

CREATE TABLE users (
	tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id            uuid NOT NULL,
	email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	email_norm    text NOT NULL,
	name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
	password_hash text,
	status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
	oidc_issuer   text,
	oidc_subject  text,
	version       bigint NOT NULL DEFAULT 1,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, email_norm),
	UNIQUE (tenant_id, oidc_issuer, oidc_subject)
);

CREATE TABLE roles (
	tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name        text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
	permissions text[] NOT NULL DEFAULT '{}',
	builtin     boolean NOT NULL DEFAULT false,
	version     bigint NOT NULL DEFAULT 1,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, name)
);

CREATE TABLE user_roles (
	tenant_id uuid NOT NULL,
	user_id   uuid NOT NULL,
	role_name text NOT NULL,
	PRIMARY KEY (tenant_id, user_id, role_name),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, role_name) REFERENCES roles (tenant_id, name)
);
CREATE INDEX user_roles_role ON user_roles (tenant_id, role_name);

-- Refresh tokens: only their SHA-256 is kept.  A family is one login
-- session; reuse of a spent token revokes the whole family.
CREATE TABLE refresh_tokens (
	tenant_id  uuid NOT NULL,
	id         uuid NOT NULL,
	family_id  uuid NOT NULL,
	user_id    uuid NOT NULL,
	token_hash bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	spent_at   timestamptz,
	revoked_at timestamptz,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, token_hash),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);

CREATE TABLE api_keys (
	tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id           uuid NOT NULL,
	name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	secret_hash  bytea NOT NULL,
	permissions  text[] NOT NULL DEFAULT '{}',
	created_by   uuid,
	created_at   timestamptz NOT NULL DEFAULT now(),
	expires_at   timestamptz,
	revoked_at   timestamptz,
	last_used_at timestamptz,
	PRIMARY KEY (tenant_id, id)
);

-- Failed logins per (tenant, e-mail) for lockout with growing delays.
CREATE TABLE login_failures (
	tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	email_norm    text NOT NULL,
	failures      int NOT NULL DEFAULT 0,
	window_start  timestamptz NOT NULL DEFAULT now(),
	locked_until  timestamptz,
	PRIMARY KEY (tenant_id, email_norm)
);

-- The audit log: append-only for strata_app (INSERT and SELECT only).
CREATE SEQUENCE audit_seq AS bigint;
GRANT USAGE ON SEQUENCE audit_seq TO strata_app;
CREATE TABLE audit_events (
	tenant_id   uuid NOT NULL,
	seq         bigint NOT NULL DEFAULT nextval('audit_seq'),
	at          timestamptz NOT NULL DEFAULT now(),
	actor_type  text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'operator', 'system', 'anonymous')),
	actor_id    text NOT NULL DEFAULT '',
	action      text NOT NULL,
	target_type text NOT NULL DEFAULT '',
	target_id   text NOT NULL DEFAULT '',
	outcome     text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
	request_id  text NOT NULL DEFAULT '',
	client_addr text NOT NULL DEFAULT '',
	details     jsonb NOT NULL DEFAULT '{}',
	PRIMARY KEY (tenant_id, seq)
) PARTITION BY HASH (tenant_id);
CALL make_hash_partitions('audit_events');
CREATE INDEX audit_events_time ON audit_events (tenant_id, at DESC, seq DESC);
CREATE INDEX audit_events_action ON audit_events (tenant_id, action, seq DESC);
CREATE INDEX audit_events_actor ON audit_events (tenant_id, actor_id, seq DESC);

-- Platform operators and the platform's token-signing keys (global).
CREATE TABLE operators (
	id            uuid PRIMARY KEY,
	email         text NOT NULL,
	email_norm    text NOT NULL UNIQUE,
	password_hash text NOT NULL,
	status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
	created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE platform_keys (
	id         uuid PRIMARY KEY,
	wrapped    bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	retired_at timestamptz
);
GRANT SELECT, INSERT, UPDATE ON operators, platform_keys TO strata_app;

-- Per-tenant counts for the operator API without lifting the wall: the
-- function enters each named tenant in turn, as the workers do.
CREATE FUNCTION tenant_user_counts(ids uuid[])
RETURNS TABLE (tenant_id uuid, users bigint, api_keys bigint)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t uuid;
BEGIN
	FOREACH t IN ARRAY ids LOOP
		PERFORM set_config('strata.tenant_id', t::text, true);
		tenant_id := t;
		SELECT count(*) INTO users FROM users u WHERE u.tenant_id = t;
		SELECT count(*) INTO api_keys FROM api_keys k
		WHERE k.tenant_id = t AND k.revoked_at IS NULL;
		RETURN NEXT;
	END LOOP;
	PERFORM set_config('strata.tenant_id', '', true);
END
$$;

CALL secure_tenant_tables();

-- 017_mfa: the second factor, TOTP (issue 18, item 4).
--
-- Tenant tables follow the Citus rules (docs/architecture.md): tenant_id
-- first in every key, foreign keys co-located on tenant_id, no triggers.
-- Nothing here is a secret in clear: the TOTP secret is sealed with the
-- tenant's data key as webhook secrets are, recovery codes and challenges
-- are stored as SHA-256 hashes only.
SET LOCAL search_path = strata, public;

-- One authenticator per user.  secret: enc:v1:... (sec/fieldcrypt.h,
-- AAD = tenant, "mfa_totp", user id, "secret").  confirmed_at NULL: an
-- enrolment that has not been confirmed with a code yet, which does not
-- protect the account.  last_step: the last TOTP time step accepted, so a
-- code is never accepted twice.
CREATE TABLE mfa_totp (
	tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id      uuid NOT NULL,
	secret       text NOT NULL,
	confirmed_at timestamptz,
	last_step    bigint NOT NULL DEFAULT 0,
	created_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, user_id),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
		ON DELETE CASCADE
);

-- Ten single-use codes per confirmed authenticator: hex SHA-256 of
-- "tenant|user|code" (sec/totp.h).
CREATE TABLE mfa_recovery_codes (
	tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id   uuid NOT NULL,
	code_hash text NOT NULL CHECK (length(code_hash) = 64),
	used_at   timestamptz,
	PRIMARY KEY (tenant_id, user_id, code_hash),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
		ON DELETE CASCADE
);

-- A login's pending second step: the password was right, the code is
-- still owed.  Short-lived, single use, a few attempts at most; bound to
-- its tenant (looked up under tenant_id) and user.  email_norm names the
-- lockout row the attempts count against.
CREATE TABLE mfa_challenges (
	tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	challenge_hash text NOT NULL CHECK (length(challenge_hash) = 64),
	user_id        uuid NOT NULL,
	email_norm     text NOT NULL,
	expires_at     timestamptz NOT NULL,
	attempts       int NOT NULL DEFAULT 0,
	used_at        timestamptz,
	created_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, challenge_hash),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
		ON DELETE CASCADE
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (tenant_id, user_id);

CALL secure_tenant_tables();

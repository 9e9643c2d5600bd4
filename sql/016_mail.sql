-- 016_mail: outbound mail, invitations, password resets and
-- verified-domain joining (issue 18, items 1, 2, 3 and 5).
--
-- A mail is a row of mail_outbox written in the transaction of the
-- change that causes it (an invitation, a reset request, a join
-- request): both commit or neither.  The sender process
-- (lib/ops/mailer.c) claims due rows, renders them from the tenant's
-- display name, branding and locale, and hands them to the SMTP relay.
-- A link's token is stored only as its SHA-256 (token_hash); the outbox
-- holds the link sealed with the tenant's data key (sec/fieldcrypt.h)
-- until the mail is sent or given up, and then forgets it.  Tenant
-- tables follow the Citus rules (docs/architecture.md).
SET LOCAL search_path = strata, public;

-- One mail.  kind names its template; params holds what the template
-- shows besides the link (no secret, no password); link_base is the
-- tenant's origin and path the token is appended to.  sealed_link: the
-- token, sealed (AAD: tenant, "mail_outbox", id, "link"); NULL once sent
-- or failed.
CREATE TABLE mail_outbox (
	tenant_id   uuid NOT NULL,
	id          uuid NOT NULL,
	kind        text NOT NULL
	            CHECK (kind IN ('invitation', 'password_reset', 'join')),
	to_addr     text NOT NULL CHECK (length(to_addr) BETWEEN 3 AND 254),
	params      jsonb NOT NULL DEFAULT '{}',
	link_base   text NOT NULL CHECK (length(link_base) <= 512),
	sealed_link text,
	status      text NOT NULL DEFAULT 'pending'
	            CHECK (status IN ('pending', 'sent', 'failed')),
	attempts    int NOT NULL DEFAULT 0,
	first_at    timestamptz NOT NULL DEFAULT now(),
	next_at     timestamptz NOT NULL DEFAULT now(),
	last_error  text NOT NULL DEFAULT '',
	sent_at     timestamptz,
	PRIMARY KEY (tenant_id, id)
) PARTITION BY HASH (tenant_id);
CALL make_hash_partitions('mail_outbox');
CREATE INDEX mail_outbox_due ON mail_outbox (tenant_id, next_at)
	WHERE status = 'pending';
CREATE INDEX mail_outbox_done ON mail_outbox (tenant_id, first_at)
	WHERE status <> 'pending';

-- An invitation into the tenant with roles.  Single use: accepted_at is
-- set by the accept that creates user_id; revoked_at by DELETE.
CREATE TABLE invitations (
	tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id          uuid NOT NULL,
	email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	email_norm  text NOT NULL,
	roles       text[] NOT NULL,
	token_hash  bytea NOT NULL,
	invited_by  uuid,
	expires_at  timestamptz NOT NULL,
	accepted_at timestamptz,
	revoked_at  timestamptz,
	user_id     uuid,
	created_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, token_hash)
);
CREATE INDEX invitations_email ON invitations (tenant_id, email_norm);

-- A password reset link for a user: single use, 30 minutes.
CREATE TABLE password_resets (
	tenant_id  uuid NOT NULL,
	id         uuid NOT NULL,
	user_id    uuid NOT NULL,
	token_hash bytea NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at    timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, token_hash),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
		ON DELETE CASCADE
);
CREATE INDEX password_resets_user ON password_resets (tenant_id, user_id);

-- A mailed proof of control of an address in a verified join domain.
CREATE TABLE join_requests (
	tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id         uuid NOT NULL,
	email      text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	email_norm text NOT NULL,
	domain     text NOT NULL,
	token_hash bytea NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at    timestamptz,
	user_id    uuid,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, token_hash)
);
CREATE INDEX join_requests_email ON join_requests (tenant_id, email_norm);

-- The e-mail domains an operator has verified as a tenant's
-- (`strata tenant join-domain verify`): a global table like domains, a
-- name belongs to one tenant at most.  A domain lets people join only
-- while it is both verified here and listed in auth.join_domains.
CREATE TABLE join_domains (
	name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9.-]{1,253}$'),
	owner_tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	verified_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX join_domains_by_tenant ON join_domains (owner_tenant_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON join_domains TO strata_app;

-- The operator's verification: true when tenant t's current settings
-- list d in auth.join_domains and no other tenant holds d.
CREATE FUNCTION join_domain_verify(t uuid, d text) RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	listed boolean;
	holder uuid;
BEGIN
	PERFORM set_config('strata.tenant_id', t::text, true);
	SELECT coalesce(c.settings -> 'auth' -> 'join_domains' ? d, false)
	INTO listed
	FROM tenants tn
	JOIN config_versions c ON c.tenant_id = tn.id
	                      AND c.version = tn.config_version
	WHERE tn.id = t;
	PERFORM set_config('strata.tenant_id', '', true);
	IF NOT coalesce(listed, false) THEN
		RETURN false;
	END IF;
	INSERT INTO join_domains (name, owner_tenant_id) VALUES (d, t)
	ON CONFLICT (name) DO NOTHING;
	SELECT j.owner_tenant_id INTO holder FROM join_domains j WHERE j.name = d;
	RETURN holder = t;
END
$$;

-- The sender's round over all tenants, as events_due_tenants: at most
-- scan tenants after `after`, stopping at want tenants with mail due.
-- The last row is the last tenant scanned, due or not.
CREATE FUNCTION mail_due_tenants(after uuid, want int, scan int)
RETURNS TABLE (tenant_id uuid, due boolean)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t uuid;
	last uuid;
	last_due boolean := false;
	found_ int := 0;
BEGIN
	FOR t IN SELECT id FROM tenants WHERE id > after ORDER BY id LIMIT scan LOOP
		PERFORM set_config('strata.tenant_id', t::text, true);
		last := t;
		last_due := false;
		IF EXISTS (SELECT 1 FROM mail_outbox m
		           WHERE m.tenant_id = t AND m.status = 'pending'
		             AND m.next_at <= now()) THEN
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

-- The sender's purge round: sent and given-up mails are kept
-- keep_days (their addresses are personal data), then deleted, at most
-- batch per tenant, over at most scan tenants after `after`.  Returns the
-- last tenant scanned (NULL: the round reached the end).
CREATE FUNCTION mail_purge(after uuid, scan int, keep_days int, batch int)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t uuid;
	last uuid;
BEGIN
	FOR t IN SELECT id FROM tenants WHERE id > after ORDER BY id LIMIT scan LOOP
		PERFORM set_config('strata.tenant_id', t::text, true);
		last := t;
		DELETE FROM mail_outbox m
		WHERE m.tenant_id = t AND m.id IN (
			SELECT o.id FROM mail_outbox o
			WHERE o.tenant_id = t AND o.status <> 'pending'
			  AND o.first_at < now() - keep_days * interval '1 day'
			LIMIT batch);
	END LOOP;
	PERFORM set_config('strata.tenant_id', '', true);
	RETURN last;
END
$$;

CALL secure_tenant_tables();

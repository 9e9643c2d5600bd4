-- 015_events: the outbox, webhooks and their deliveries (issue 19).
--
-- Every write inserts one row into events in its own transaction (an
-- extra statement of the write's plan, never a trigger), so an event
-- exists exactly when its change committed.  The delivery process
-- (lib/ops/deliverer.c) fans new events out to the tenant's webhooks
-- (webhook_deliveries), posts them, and purges delivered events after
-- retention.events_days.  Tenant tables follow the Citus rules
-- (docs/architecture.md): tenant_id first in every key, foreign keys
-- co-located on tenant_id, no triggers, bigint sequences only.
SET LOCAL search_path = strata, public;

CREATE SEQUENCE event_seq AS bigint;
GRANT USAGE ON SEQUENCE event_seq TO strata_app;

-- One row per change.  payload never holds a personal-data value in
-- clear: record data carries the masks of its pii fields.  fanned: the
-- deliverer has made this event's deliveries (and shown it to streams).
CREATE TABLE events (
	tenant_id   uuid NOT NULL,
	seq         bigint NOT NULL DEFAULT nextval('event_seq'),
	type        text NOT NULL,
	object_type text NOT NULL,
	object_id   text NOT NULL,
	collection  text,
	version     bigint,
	at          timestamptz NOT NULL DEFAULT now(),
	payload     jsonb NOT NULL DEFAULT '{}',
	fanned      boolean NOT NULL DEFAULT false,
	PRIMARY KEY (tenant_id, seq)
) PARTITION BY HASH (tenant_id);
CALL make_hash_partitions('events');
CREATE INDEX events_unfanned ON events (tenant_id, seq) WHERE NOT fanned;
CREATE INDEX events_at ON events (tenant_id, at);

-- A subscription.  secret: sealed with the tenant's data key
-- (sec/fieldcrypt.h), never stored or logged in clear.  owner_*: who
-- created it; pii: the owner held pii:read then (re-checked at delivery).
CREATE TABLE webhooks (
	tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id              uuid NOT NULL,
	url             text NOT NULL CHECK (length(url) <= 2048),
	events          text[] NOT NULL,
	secret          text NOT NULL,
	owner_type      text NOT NULL CHECK (owner_type IN ('user', 'api_key')),
	owner_id        uuid NOT NULL,
	pii             boolean NOT NULL DEFAULT false,
	enabled         boolean NOT NULL DEFAULT true,
	disabled_reason text NOT NULL DEFAULT '',
	version         bigint NOT NULL DEFAULT 1,
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id)
);

-- One event for one webhook.  object_key orders a webhook's deliveries
-- per object: none is attempted while an older one of the same object is
-- pending.  history: the last attempts, newest last.
CREATE TABLE webhook_deliveries (
	tenant_id   uuid NOT NULL,
	id          uuid NOT NULL,
	webhook_id  uuid NOT NULL,
	event_seq   bigint NOT NULL,
	object_key  text NOT NULL,
	status      text NOT NULL DEFAULT 'pending'
	            CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
	attempts    int NOT NULL DEFAULT 0,
	first_at    timestamptz NOT NULL DEFAULT now(),
	next_at     timestamptz NOT NULL DEFAULT now(),
	last_at     timestamptz,
	last_code   int,
	last_error  text NOT NULL DEFAULT '',
	delivered_at timestamptz,
	history     jsonb NOT NULL DEFAULT '[]',
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id)
		ON DELETE CASCADE
) PARTITION BY HASH (tenant_id);
CALL make_hash_partitions('webhook_deliveries');
CREATE INDEX webhook_deliveries_list
	ON webhook_deliveries (tenant_id, webhook_id, event_seq DESC);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant_id, next_at)
	WHERE status = 'pending';
CREATE INDEX webhook_deliveries_object
	ON webhook_deliveries (tenant_id, webhook_id, object_key, event_seq)
	WHERE status = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (tenant_id, event_seq);

-- The deliverer's round over all tenants, as audit_due_tenants: at most
-- scan tenants after `after`, stopping at want tenants that have events
-- not fanned out or deliveries due.  The last row is the last tenant
-- scanned, due or not; no row: the scan reached the end.
CREATE FUNCTION events_due_tenants(after uuid, want int, scan int)
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
		IF EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = t AND NOT e.fanned)
		   OR EXISTS (SELECT 1 FROM webhook_deliveries d
		              WHERE d.tenant_id = t AND d.status = 'pending'
		                AND d.next_at <= now()) THEN
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

-- The tenants' events retention, for the purge (settings in force).
CREATE FUNCTION events_retention_days(t uuid) RETURNS int
LANGUAGE sql STABLE
AS $$
	SELECT coalesce((c.settings -> 'retention' ->> 'events_days')::int, 7)
	FROM tenants tn
	LEFT JOIN config_versions c ON c.tenant_id = tn.id
	                           AND c.version = tn.config_version
	WHERE tn.id = t
$$;

-- What a webhook's owner holds now (re-checked at every delivery): a
-- user's roles while the user is active, an API key's permissions while
-- it is neither revoked nor expired; an empty array otherwise.
CREATE FUNCTION webhook_owner_perms(t uuid, kind text, who uuid) RETURNS text[]
LANGUAGE sql STABLE
AS $$
	SELECT CASE kind
	WHEN 'user' THEN ARRAY(
		SELECT DISTINCT p FROM users u
		JOIN user_roles ur ON ur.tenant_id = u.tenant_id AND ur.user_id = u.id
		JOIN roles r ON r.tenant_id = ur.tenant_id AND r.name = ur.role_name,
		unnest(r.permissions) p
		WHERE u.tenant_id = t AND u.id = who AND u.status = 'active')
	ELSE coalesce((SELECT k.permissions FROM api_keys k
		WHERE k.tenant_id = t AND k.id = who AND k.revoked_at IS NULL
		  AND (k.expires_at IS NULL OR k.expires_at > now())), '{}')
	END
$$;

CALL secure_tenant_tables();

-- The built-in owner and admin roles hold every permission, the new
-- webhooks:manage included.  roles is under forced RLS: enter each tenant.
DO $$
DECLARE
	t uuid;
BEGIN
	FOR t IN SELECT id FROM tenants LOOP
		PERFORM set_config('strata.tenant_id', t::text, true);
		UPDATE roles SET permissions = permissions || '{webhooks:manage}'::text[]
		WHERE tenant_id = t AND builtin AND name IN ('owner', 'admin')
		  AND NOT 'webhooks:manage' = ANY (permissions);
	END LOOP;
	PERFORM set_config('strata.tenant_id', '', true);
END
$$;

-- 018_support: operator support access with the tenant's consent (issue
-- 18, item 6).
--
-- An operator holds the support role when operators.support is true
-- (`strata operator support grant|revoke --email E`).  With the tenant's
-- setting support_access = ask, each impersonation is first a support
-- request that an owner approves or denies; an impersonation itself is a
-- support session, whose id is the sid of its access token.  Ending a
-- session (ended_at) refuses its token on the next request on every
-- worker: the plan reads the session row in every impersonated request's
-- round trip.  Tenant tables follow the Citus rules (tenant_id first in
-- every key, foreign keys co-located on tenant_id, no triggers).
SET LOCAL search_path = strata, public;

ALTER TABLE operators ADD COLUMN support boolean NOT NULL DEFAULT false;

CREATE TABLE support_requests (
	tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id          uuid NOT NULL,
	operator_id uuid NOT NULL REFERENCES operators (id),
	user_id     uuid NOT NULL,
	reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	minutes     int NOT NULL CHECK (minutes BETWEEN 1 AND 60),
	status      text NOT NULL DEFAULT 'pending'
	            CHECK (status IN ('pending', 'approved', 'denied', 'used')),
	created_at  timestamptz NOT NULL DEFAULT now(),
	decided_at  timestamptz,
	decided_by  uuid,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX support_requests_pair
	ON support_requests (tenant_id, operator_id, user_id, created_at DESC);

CREATE TABLE support_sessions (
	tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id          uuid NOT NULL,
	operator_id uuid NOT NULL REFERENCES operators (id),
	user_id     uuid NOT NULL,
	reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	request_id  uuid,          -- the approved support request (ask)
	created_at  timestamptz NOT NULL DEFAULT now(),
	expires_at  timestamptz NOT NULL,
	ended_at    timestamptz,
	ended_by    uuid,          -- the tenant user who ended it
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX support_sessions_time ON support_sessions (tenant_id, created_at DESC);

CALL secure_tenant_tables();

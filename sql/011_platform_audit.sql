-- 011_platform_audit: the operators' lockout and the platform audit log.
--
-- Both are global (operators are nobody's tenant), so neither has a
-- tenant_id nor row-level security; strata_app reaches them through
-- lib/data/operators.c and lib/data/platform_audit.c only.
SET LOCAL search_path = strata, public;

-- Failed operator logins per e-mail, for the same lockout with growing
-- delays as tenant users have (login_failures).  A login attempt locks its
-- row until it ends, so parallel guesses are decided one at a time.
CREATE TABLE operator_login_failures (
	email_norm   text PRIMARY KEY,
	failures     int NOT NULL DEFAULT 0,
	window_start timestamptz NOT NULL DEFAULT now(),
	locked_until timestamptz
);
GRANT SELECT, INSERT, UPDATE, DELETE ON operator_login_failures TO strata_app;

-- What operators did and tried on the apex: logins (success, failure,
-- lockout) and, as they come, plan changes and impersonations.  Append-only
-- for strata_app (INSERT and SELECT only), as audit_events is.
CREATE SEQUENCE platform_audit_seq AS bigint;
GRANT USAGE ON SEQUENCE platform_audit_seq TO strata_app;
CREATE TABLE platform_audit_events (
	seq         bigint PRIMARY KEY DEFAULT nextval('platform_audit_seq'),
	at          timestamptz NOT NULL DEFAULT now(),
	actor_type  text NOT NULL CHECK (actor_type IN ('operator', 'system', 'anonymous')),
	actor_id    text NOT NULL DEFAULT '',
	action      text NOT NULL,
	target_type text NOT NULL DEFAULT '',
	target_id   text NOT NULL DEFAULT '',
	outcome     text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
	request_id  text NOT NULL DEFAULT '',
	client_addr text NOT NULL DEFAULT '',
	details     jsonb NOT NULL DEFAULT '{}'
);
ALTER SEQUENCE platform_audit_seq OWNED BY platform_audit_events.seq;
CREATE INDEX platform_audit_events_action ON platform_audit_events (action, seq DESC);
CREATE INDEX platform_audit_events_actor ON platform_audit_events (actor_id, seq DESC);
GRANT SELECT, INSERT ON platform_audit_events TO strata_app;

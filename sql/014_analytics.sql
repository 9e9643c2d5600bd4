-- 014_analytics: cross-tenant figures without a tenant's data (issue 20).
--
-- strata_analytics holds platform figures per tenant and day: requests
-- and errors counted by the workers (drained by the master's reporter
-- process), the daily rollup (`strata report rollup`), and the noisy
-- benchmark answers with the privacy budget they spent.  These are
-- platform tables like tenants: no record contents, no personal data, no
-- row-level security (the views below run as their owner, whom FORCE'd
-- policies would show nothing).  strata_app reads and writes them for the
-- operator API and the reporter; strata_report never touches them.
--
-- strata_report reads only the views of schema strata_report: every one
-- groups by month and one of plan, region or size bucket, and folds every
-- group of fewer than k tenants (strata_analytics.settings, 5 by default)
-- into '(other)', with the smallest further groups when '(other)' would
-- still be below k; a month with fewer than k tenants in all is left out.
-- No view has a tenant id, slug or name.  docs/analytics.md states the
-- guarantee and its limits.
SET LOCAL search_path = strata, public;

-- The reporting role: created by 001 when missing; again here, so a
-- database whose roles were made by hand gets it the same way.  It logs
-- in (its password is set by whoever installs: tests/stack/stack.sh,
-- ansible/roles/postgresql), owns nothing, never bypasses RLS.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'strata_report') THEN
		CREATE ROLE strata_report LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
			NOBYPASSRLS NOREPLICATION;
	END IF;
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'strata_report'
	           AND (rolbypassrls OR rolsuper OR rolcreaterole OR rolcreatedb)) THEN
		RAISE EXCEPTION 'strata_report must be a plain role without BYPASSRLS';
	END IF;
	EXECUTE format('ALTER ROLE strata_report IN DATABASE %I SET search_path = strata_report',
	               current_database());
	EXECUTE format('GRANT CONNECT ON DATABASE %I TO strata_report', current_database());
END
$$;

CREATE SCHEMA strata_analytics;
GRANT USAGE ON SCHEMA strata_analytics TO strata_app;

-- One row: the platform's parameters.  k: the fewest tenants a group of a
-- report view or a benchmark cohort may have.  epsilon: the privacy loss
-- of one benchmark metric's answer for one tenant and day; daily_budget:
-- what one tenant's answers may spend in a day (4 metrics x epsilon by
-- default).
CREATE TABLE strata_analytics.settings (
	id           boolean PRIMARY KEY DEFAULT true CHECK (id),
	k            integer NOT NULL DEFAULT 5 CHECK (k BETWEEN 2 AND 10000),
	epsilon      numeric NOT NULL DEFAULT 1.0 CHECK (epsilon > 0 AND epsilon <= 10),
	daily_budget numeric NOT NULL DEFAULT 4.0 CHECK (daily_budget > 0 AND daily_budget <= 100),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO strata_analytics.settings DEFAULT VALUES;
GRANT SELECT, UPDATE ON strata_analytics.settings TO strata_app;

-- Answers per tenant and UTC day, added by the reporter from the workers'
-- shared-memory counters (lib/core/activity.c).  errors: status >= 400.
CREATE TABLE strata_analytics.activity (
	tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	day       date NOT NULL,
	requests  bigint NOT NULL DEFAULT 0 CHECK (requests >= 0),
	errors    bigint NOT NULL DEFAULT 0 CHECK (errors >= 0),
	PRIMARY KEY (tenant_id, day)
);
GRANT SELECT, INSERT, UPDATE ON strata_analytics.activity TO strata_app;

-- The daily rollup: one row per tenant and day, written by
-- report_rollup(); reports read only this.  records, storage_bytes, users
-- are the values when the rollup ran; active_users: users who signed in or
-- refreshed a session that day.
CREATE TABLE strata_analytics.daily (
	tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	day           date NOT NULL,
	plan          text NOT NULL,
	region        text NOT NULL,
	status        text NOT NULL,
	created_day   date NOT NULL,
	records       bigint NOT NULL,
	storage_bytes bigint NOT NULL,
	users         bigint NOT NULL,
	active_users  bigint NOT NULL,
	requests      bigint NOT NULL,
	errors        bigint NOT NULL,
	rolled_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, day)
);
CREATE INDEX daily_by_day ON strata_analytics.daily (day, plan);
GRANT SELECT, INSERT, UPDATE ON strata_analytics.daily TO strata_app;

-- A benchmark answer is drawn once per tenant, day and metric (the
-- primary key): asking again returns the same noisy value, so repeated
-- queries cannot average the noise away.  Each draw spends its epsilon
-- from the tenant's budget of that day, in the same statement; the CHECK
-- refuses a draw past the budget.
CREATE TABLE strata_analytics.benchmarks (
	tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	day        date NOT NULL,
	metric     text NOT NULL
	           CHECK (metric IN ('records', 'active_users', 'requests', 'error_rate')),
	plan       text NOT NULL,
	cohort     integer NOT NULL CHECK (cohort >= 2),
	epsilon    numeric NOT NULL CHECK (epsilon > 0),
	percentile numeric NOT NULL CHECK (percentile BETWEEN 0 AND 100),
	drawn_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, day, metric)
);
CREATE TABLE strata_analytics.budget (
	tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	day       date NOT NULL,
	spent     numeric NOT NULL CHECK (spent >= 0),
	budget    numeric NOT NULL,
	PRIMARY KEY (tenant_id, day),
	CHECK (spent <= budget)
);
GRANT SELECT, INSERT ON strata_analytics.benchmarks TO strata_app;
GRANT SELECT, INSERT, UPDATE ON strata_analytics.budget TO strata_app;

-- Midnight UTC of day d.
CREATE FUNCTION strata_analytics.utc(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT d::timestamp AT TIME ZONE 'UTC' $$;

-- Rolls up day d for every tenant that is not deleted and existed by its
-- end (enters each tenant for its row-level security).  Run again, it
-- replaces the day's rows.  Returns the tenants rolled up.
CREATE FUNCTION report_rollup(d date) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t record;
	n bigint := 0;
	lo timestamptz := strata_analytics.utc(d);
	hi timestamptz := strata_analytics.utc(d + 1);
	v_records bigint;
	v_storage bigint;
	v_users bigint;
	v_active bigint;
BEGIN
	FOR t IN SELECT id, plan, region, status, created_at FROM tenants
	         WHERE status <> 'deleted' AND created_at < hi ORDER BY id LOOP
		PERFORM set_config('strata.tenant_id', t.id::text, true);
		SELECT coalesce(sum(c.records), 0) INTO v_records
		FROM tenant_counters c WHERE c.tenant_id = t.id;
		SELECT coalesce(sum(pg_column_size(r.data)), 0) INTO v_storage
		FROM records r WHERE r.tenant_id = t.id;
		SELECT count(*) INTO v_users FROM users u
		WHERE u.tenant_id = t.id AND u.status = 'active';
		SELECT count(DISTINCT s.user_id) INTO v_active FROM refresh_tokens s
		WHERE s.tenant_id = t.id AND s.created_at >= lo AND s.created_at < hi;
		INSERT INTO strata_analytics.daily AS x
			(tenant_id, day, plan, region, status, created_day, records,
			 storage_bytes, users, active_users, requests, errors)
		SELECT t.id, d, t.plan, t.region, t.status,
		       (t.created_at AT TIME ZONE 'UTC')::date, v_records, v_storage,
		       v_users, v_active, coalesce(a.requests, 0), coalesce(a.errors, 0)
		FROM (SELECT 1) one
		LEFT JOIN strata_analytics.activity a ON a.tenant_id = t.id AND a.day = d
		ON CONFLICT (tenant_id, day) DO UPDATE SET
			plan = excluded.plan, region = excluded.region,
			status = excluded.status, records = excluded.records,
			storage_bytes = excluded.storage_bytes, users = excluded.users,
			active_users = excluded.active_users,
			requests = excluded.requests, errors = excluded.errors,
			rolled_at = now();
		n := n + 1;
	END LOOP;
	PERFORM set_config('strata.tenant_id', '', true);
	RETURN n;
END
$$;

-- The true percentile of each tenant of day d among the active tenants of
-- its plan, per metric, for cohorts of at least k tenants, leaving out
-- tenants already answered for d: the share of the others with a lower
-- value, ties counted half.  One other tenant moves it by at most
-- 100 / (cohort - 1), the sensitivity the noise is scaled to.
CREATE FUNCTION report_benchmark_inputs(d date)
RETURNS TABLE (tenant_id uuid, metric text, plan text, cohort integer,
               percentile double precision)
LANGUAGE sql STABLE
AS $$
	WITH s AS (SELECT k FROM strata_analytics.settings),
	t AS (
		SELECT x.tenant_id, x.plan, x.records, x.active_users, x.requests,
		       CASE WHEN x.requests > 0
		            THEN x.errors::numeric / x.requests ELSE 0 END AS error_rate,
		       count(*) OVER (PARTITION BY x.plan) AS n
		FROM strata_analytics.daily x
		WHERE x.day = d AND x.status = 'active'),
	m AS (
		SELECT t.tenant_id, t.plan, t.n, v.metric, v.val
		FROM t, s, LATERAL (VALUES ('records', t.records::numeric),
		                           ('active_users', t.active_users::numeric),
		                           ('requests', t.requests::numeric),
		                           ('error_rate', t.error_rate)) AS v (metric, val)
		WHERE t.n >= s.k),
	r AS (
		SELECT m.*, rank() OVER w - 1 AS below,
		       count(*) OVER (PARTITION BY m.plan, m.metric, m.val) - 1 AS ties
		FROM m WINDOW w AS (PARTITION BY m.plan, m.metric ORDER BY m.val))
	SELECT r.tenant_id, r.metric, r.plan, r.n::integer,
	       100.0 * (r.below + 0.5 * r.ties) / (r.n - 1)
	FROM r
	WHERE NOT EXISTS (SELECT 1 FROM strata_analytics.benchmarks b
	                  WHERE b.tenant_id = r.tenant_id AND b.day = d
	                    AND b.metric = r.metric)
	ORDER BY r.tenant_id, r.metric
$$;

-- Stores noisy answers of day d (arrays of equal length) and spends each
-- one's epsilon from its tenant's budget of the day, in one statement: an
-- answer already drawn is kept (and spends nothing), a tenant whose budget
-- would be exceeded fails the whole call (23514).  Returns the draws kept.
CREATE FUNCTION report_benchmark_store(d date, ids uuid[], metrics text[],
                                       plans text[], cohorts integer[],
                                       values_ numeric[])
RETURNS bigint
LANGUAGE sql VOLATILE
AS $$
	WITH s AS (SELECT epsilon, daily_budget FROM strata_analytics.settings),
	ins AS (
		INSERT INTO strata_analytics.benchmarks
			(tenant_id, day, metric, plan, cohort, epsilon, percentile)
		SELECT u.id, d, u.metric, u.plan, u.cohort, s.epsilon, u.v
		FROM unnest(ids, metrics, plans, cohorts, values_)
		     AS u (id, metric, plan, cohort, v), s
		ON CONFLICT (tenant_id, day, metric) DO NOTHING
		RETURNING tenant_id, epsilon),
	spend AS (
		INSERT INTO strata_analytics.budget AS b (tenant_id, day, spent, budget)
		SELECT ins.tenant_id, d, sum(ins.epsilon), (SELECT daily_budget FROM s)
		FROM ins GROUP BY ins.tenant_id
		ON CONFLICT (tenant_id, day) DO UPDATE SET spent = b.spent + excluded.spent
		RETURNING 1)
	SELECT count(*) FROM ins
$$;

-- The views of strata_report.  tenant_month: one row per tenant and
-- month, from the last rolled-up day of the month (plan, region, records,
-- storage) and the month's sums (requests, errors).
CREATE VIEW strata_analytics.tenant_month AS
SELECT date_trunc('month', x.day)::date AS month, x.tenant_id,
       (array_agg(x.plan ORDER BY x.day DESC))[1] AS plan,
       (array_agg(x.region ORDER BY x.day DESC))[1] AS region,
       (array_agg(x.records ORDER BY x.day DESC))[1] AS records,
       (array_agg(x.storage_bytes ORDER BY x.day DESC))[1] AS storage_bytes,
       sum(x.requests) AS requests, sum(x.errors) AS errors
FROM strata_analytics.daily x
GROUP BY 1, 2;

-- Each tenant-month under each dimension's label: plan, region, and the
-- size bucket of its record count.
CREATE VIEW strata_analytics.tenant_month_labels AS
SELECT 'plan' AS dim, m.plan AS label, m.* FROM strata_analytics.tenant_month m
UNION ALL
SELECT 'region', m.region, m.* FROM strata_analytics.tenant_month m
UNION ALL
SELECT 'size', CASE WHEN m.records < 100 THEN '0-99'
                    WHEN m.records < 10000 THEN '100-9999'
                    WHEN m.records < 1000000 THEN '10000-999999'
                    ELSE '1000000+' END, m.*
FROM strata_analytics.tenant_month m;

-- Groups of fewer than k tenants are folded into '(other)' with the
-- smallest further groups until it has k (groups in order of size: a
-- group is folded while the ones before it hold fewer than k tenants);
-- groups (and months) still below k are left out.
CREATE VIEW strata_analytics.folded AS
WITH s AS (SELECT k FROM strata_analytics.settings),
g AS (
	SELECT l.month, l.dim, l.label, count(*) AS n
	FROM strata_analytics.tenant_month_labels l GROUP BY 1, 2, 3),
o AS (
	SELECT g.*, s.k,
	       count(*) FILTER (WHERE g.n < s.k) OVER (PARTITION BY g.month, g.dim) AS small,
	       sum(g.n) OVER (PARTITION BY g.month, g.dim ORDER BY g.n, g.label
	                      ROWS UNBOUNDED PRECEDING) - g.n AS before
	FROM g, s),
f AS (
	SELECT o.month, o.dim, o.label,
	       CASE WHEN o.small > 0 AND (o.n < o.k OR o.before < o.k)
	            THEN '(other)' ELSE o.label END AS shown
	FROM o)
SELECT l.month, l.dim, f.shown AS label,
       count(*) AS tenants,
       count(*) FILTER (WHERE l.requests > 0) AS active_tenants,
       sum(l.requests)::bigint AS requests, sum(l.errors)::bigint AS errors,
       sum(l.records)::bigint AS records,
       sum(l.storage_bytes)::bigint AS storage_bytes
FROM strata_analytics.tenant_month_labels l
JOIN f ON f.month = l.month AND f.dim = l.dim AND f.label = l.label
GROUP BY 1, 2, 3
HAVING count(*) >= (SELECT k FROM s);

CREATE SCHEMA strata_report;
GRANT USAGE ON SCHEMA strata_report TO strata_report;

CREATE VIEW strata_report.usage_by_plan WITH (security_barrier) AS
SELECT month, label AS plan, tenants, active_tenants, requests, errors,
       records, storage_bytes
FROM strata_analytics.folded WHERE dim = 'plan';
CREATE VIEW strata_report.usage_by_region WITH (security_barrier) AS
SELECT month, label AS region, tenants, active_tenants, requests, errors,
       records, storage_bytes
FROM strata_analytics.folded WHERE dim = 'region';
CREATE VIEW strata_report.usage_by_size WITH (security_barrier) AS
SELECT month, label AS size_bucket, tenants, active_tenants, requests, errors,
       records, storage_bytes
FROM strata_analytics.folded WHERE dim = 'size';
-- Whole months: the sum of any one dimension's groups, with every tenant
-- counted; left out below k tenants.
CREATE VIEW strata_report.usage_by_month WITH (security_barrier) AS
SELECT month, count(*) AS tenants,
       count(*) FILTER (WHERE requests > 0) AS active_tenants,
       sum(requests)::bigint AS requests, sum(errors)::bigint AS errors,
       sum(records)::bigint AS records, sum(storage_bytes)::bigint AS storage_bytes
FROM strata_analytics.tenant_month
GROUP BY month
HAVING count(*) >= (SELECT k FROM strata_analytics.settings);

GRANT SELECT ON strata_report.usage_by_plan, strata_report.usage_by_region,
	strata_report.usage_by_size, strata_report.usage_by_month TO strata_report;

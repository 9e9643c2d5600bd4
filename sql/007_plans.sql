-- 007_plans: the hot path's SQL helpers made inlinable.
--
-- ts() was declared IMMUTABLE around to_char(), which is only STABLE, so
-- PostgreSQL could not inline it and ran a full SQL-function call for
-- every timestamp of every row answered.  STABLE is its true volatility;
-- declared so, the planner inlines it into the calling query.
SET LOCAL search_path = strata, public;

CREATE OR REPLACE FUNCTION ts(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;


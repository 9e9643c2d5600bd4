-- 022_import: tenant import (docs/import.md).
--
-- An imported tenant keeps its audit events' sequence numbers, so its
-- chain still verifies.  Events written after the import must come after
-- them in that order (the sealer chains by seq), also when they come from
-- another region whose sequence ran further: the import moves the shared
-- sequence forward past the highest carried seq.  The app role may only
-- move it forward (it has no UPDATE on the sequence).
SET LOCAL search_path = strata, public;

CREATE FUNCTION audit_seq_at_least(n bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = strata, public
AS $$
DECLARE
	cur bigint;
BEGIN
	SELECT last_value INTO cur FROM audit_seq;
	IF n > cur THEN
		RETURN setval('audit_seq', n);
	END IF;
	RETURN cur;
END
$$;
REVOKE ALL ON FUNCTION audit_seq_at_least(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seq_at_least(bigint) TO strata_app;

-- 024_import_documents: where a tenant import's document waits, on a Citus
-- cluster, while its rows are inserted (docs/import.md, docs/scale-out.md).
--
-- On one node the import inserts every table's rows straight from the
-- document, a statement parameter.  Citus runs such an INSERT ... SELECT
-- on the coordinator and sends the rows to the shards with COPY, which a
-- table with forced row-level security refuses.  So there the document is
-- first inserted here, a row on the tenant's own shard, and the rows are
-- read from it: an INSERT ... SELECT within one shard, which Citus sends to
-- that shard whole.  The import deletes its row in the same transaction.
SET LOCAL search_path = strata, public;

CREATE TABLE import_documents (
	tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	tables    jsonb NOT NULL
);
CALL secure_tenant_tables();

-- Inserts the rows of tenant tid's import document into the tables named,
-- in their order (parents first), and returns how many.  Every column is
-- taken from the document's row as jsonb_populate_record() reads it, but
-- tenant_id, which is the document's: Citus sends such an INSERT ...
-- SELECT to the one shard of both.  Security invoker: the caller's grants
-- and the tables' row-level security apply.
CREATE FUNCTION import_document_rows(tid uuid, names text[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = strata, public
AS $$
DECLARE
	t text;
	cols text;
	vals text;
	n bigint;
	total bigint := 0;
BEGIN
	FOREACH t IN ARRAY names LOOP
		SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum),
		       string_agg(CASE WHEN attname = 'tenant_id' THEN 's.tenant_id'
		                  ELSE format('r.%I', attname) END, ', '
		                  ORDER BY attnum)
		INTO cols, vals
		FROM pg_attribute
		WHERE attrelid = format('strata.%I', t)::regclass AND attnum > 0
		  AND NOT attisdropped;
		EXECUTE format('INSERT INTO strata.%I (%s) SELECT %s FROM '
		               'strata.import_documents s, '
		               'jsonb_array_elements(s.tables->%L) x, '
		               'jsonb_populate_record(NULL::strata.%I, x) r '
		               'WHERE s.tenant_id = $1', t, cols, vals, t, t)
		USING tid;
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	RETURN total;
END
$$;
REVOKE ALL ON FUNCTION import_document_rows(uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION import_document_rows(uuid, text[]) TO strata_app;

-- 003_records: collections (versioned schemas), records, the typed pivot
-- that serves indexed filters and sorts, and sharded per-tenant counters.
SET LOCAL search_path = strata, public;

-- GIN indexes that start with tenant_id need btree_gin (a trusted
-- extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;

CREATE TABLE collections (
	tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name       text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
	version    bigint NOT NULL DEFAULT 1,
	definition jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT '',
	PRIMARY KEY (tenant_id, name)
);

-- Every definition a collection ever had: records written under an older
-- version stay readable, and the history says who changed what.
CREATE TABLE collection_versions (
	tenant_id  uuid NOT NULL,
	name       text NOT NULL,
	version    bigint NOT NULL,
	definition jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL DEFAULT '',
	PRIMARY KEY (tenant_id, name, version),
	FOREIGN KEY (tenant_id, name) REFERENCES collections (tenant_id, name)
		ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE records (
	tenant_id      uuid NOT NULL,
	id             uuid NOT NULL,
	collection     text NOT NULL,
	data           jsonb NOT NULL,
	version        bigint NOT NULL DEFAULT 1,
	schema_version bigint NOT NULL,
	subject        text,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now(),
	created_by     text NOT NULL DEFAULT '',
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, collection) REFERENCES collections (tenant_id, name)
		ON DELETE CASCADE
) PARTITION BY HASH (tenant_id);
CALL make_hash_partitions('records');
CREATE INDEX records_by_collection ON records (tenant_id, collection, id);
CREATE INDEX records_by_subject ON records (tenant_id, subject, collection)
	WHERE subject IS NOT NULL;
CREATE INDEX records_data ON records
	USING gin (tenant_id, collection, data jsonb_path_ops);

-- The typed pivot: one row per (record, indexed field) with the value in
-- the column of its type.  B-tree indexes lead with tenant_id.
CREATE TABLE record_index (
	tenant_id  uuid NOT NULL,
	collection text NOT NULL,
	field      text NOT NULL,
	record_id  uuid NOT NULL,
	v_num      numeric,
	v_text     text COLLATE "C",
	v_time     timestamptz,
	v_bool     boolean,
	PRIMARY KEY (tenant_id, record_id, field),
	FOREIGN KEY (tenant_id, record_id) REFERENCES records (tenant_id, id)
		ON DELETE CASCADE
) PARTITION BY HASH (tenant_id);
CALL make_hash_partitions('record_index');
CREATE INDEX record_index_num ON record_index (tenant_id, collection, field, v_num, record_id)
	WHERE v_num IS NOT NULL;
CREATE INDEX record_index_text ON record_index (tenant_id, collection, field, v_text, record_id)
	WHERE v_text IS NOT NULL;
CREATE INDEX record_index_time ON record_index (tenant_id, collection, field, v_time, record_id)
	WHERE v_time IS NOT NULL;
CREATE INDEX record_index_bool ON record_index (tenant_id, collection, field, v_bool, record_id)
	WHERE v_bool IS NOT NULL;

-- Record counts in 16 shards per tenant, so concurrent writers of one
-- tenant do not queue on one row; a limit check sums 16 rows.
CREATE TABLE tenant_counters (
	tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	shard     smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
	records   bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant_id, shard)
);

-- A timestamp from text, or NULL when the text is not one.
CREATE FUNCTION try_timestamptz(s text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
BEGIN
	IF s !~ '^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$' THEN
		RETURN NULL;
	END IF;
	RETURN s::timestamptz;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

-- Rebuilds the pivot rows of one field after its definition changed (it
-- became indexed, or changed type); typ NULL only removes them.  Values
-- that do not fit the type are left out, as a write would refuse them.
CREATE FUNCTION reindex_field(t uuid, c text, f text, typ text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	n bigint := 0;
BEGIN
	DELETE FROM record_index WHERE tenant_id = t AND collection = c AND field = f;
	IF typ IS NOT NULL THEN
		INSERT INTO record_index (tenant_id, collection, field, record_id,
		                          v_num, v_text, v_time, v_bool)
		SELECT * FROM (
			SELECT r.tenant_id, r.collection, f, r.id,
			       CASE WHEN typ IN ('integer', 'number')
			             AND jsonb_typeof(r.data -> f) = 'number'
			            THEN (r.data ->> f)::numeric END AS n,
			       CASE WHEN typ = 'string' AND jsonb_typeof(r.data -> f) = 'string'
			            THEN r.data ->> f END AS s,
			       CASE WHEN typ = 'datetime' AND jsonb_typeof(r.data -> f) = 'string'
			            THEN try_timestamptz(r.data ->> f) END AS d,
			       CASE WHEN typ = 'boolean' AND jsonb_typeof(r.data -> f) = 'boolean'
			            THEN (r.data ->> f)::boolean END AS b
			FROM records r
			WHERE r.tenant_id = t AND r.collection = c AND r.data ? f
		) v
		WHERE v.n IS NOT NULL OR v.s IS NOT NULL OR v.d IS NOT NULL OR v.b IS NOT NULL;
		GET DIAGNOSTICS n = ROW_COUNT;
	END IF;
	RETURN n;
END
$$;

-- Record counts per tenant for the operator API (enters each tenant).
CREATE FUNCTION tenant_record_counts(ids uuid[])
RETURNS TABLE (tenant_id uuid, records bigint, collections bigint)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	t uuid;
BEGIN
	FOREACH t IN ARRAY ids LOOP
		PERFORM set_config('strata.tenant_id', t::text, true);
		tenant_id := t;
		SELECT coalesce(sum(c.records), 0) INTO records FROM tenant_counters c
		WHERE c.tenant_id = t;
		SELECT count(*) INTO collections FROM collections c WHERE c.tenant_id = t;
		RETURN NEXT;
	END LOOP;
	PERFORM set_config('strata.tenant_id', '', true);
END
$$;

CALL secure_tenant_tables();

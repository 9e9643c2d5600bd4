-- 012_keyring: the end of a key's life, and the re-encryption checkpoint.
--
-- A key is current (retired_at NULL), then retired by a rotation: it no
-- longer signs or seals, but still verifies and opens.  It is loaded until
-- expires_at:
--   signing      set at rotation to the moment the longest access token it
--                can have signed expires;
--   data, index  NULL (they still seal values and blind indexes) until
--                `strata keys reencrypt` has re-sealed every value under the
--                current keys.
-- A key past expires_at is never loaded again; its wrapped bytes stay until
-- the tenant is destroyed.
SET LOCAL search_path = strata, public;

ALTER TABLE tenant_keys ADD COLUMN expires_at timestamptz;

-- One re-encryption in progress per tenant: the keys it re-seals under and
-- the last record id done, written in the same transaction as each batch,
-- so a run that stops resumes where it was (from the start again when the
-- keys rotated in between).
CREATE TABLE key_reencrypt (
	tenant_id    uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	data_key_id  uuid NOT NULL,
	index_key_id uuid NOT NULL,
	after_id     uuid,
	records      bigint NOT NULL DEFAULT 0,
	started_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);

CALL secure_tenant_tables();

-- 006_privacy: per-subject data keys for crypto-shredding.
--
-- A collection that names a subject_field encrypts its personal fields with
-- a key of that (tenant, subject), itself wrapped by a tenant data key.
-- Erasing the subject deletes the key: its values are unreadable from that
-- moment.  Subjects appear only as blind indexes (HMAC under a tenant
-- index key), never in clear.
SET LOCAL search_path = strata, public;

CREATE TABLE subject_keys (
	tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id           uuid NOT NULL,
	subject_hash text NOT NULL,
	wrapped      bytea NOT NULL,
	wrapped_by   uuid NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, subject_hash)
);


-- Retention purges records by age; subject rights find audit events about
-- records.
CREATE INDEX records_by_age ON records (tenant_id, collection, created_at);
CREATE INDEX audit_events_target ON audit_events (tenant_id, target_id, seq);

CALL secure_tenant_tables();

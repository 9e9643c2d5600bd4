-- 004_audit_chain: the tamper-evident chain over each tenant's audit events.
--
-- Writers only INSERT events (no chaining on the write path, so a tenant's
-- writes never queue on one row).  A sealer appends links, in event
-- sequence order, to this insert-only table: link n holds
-- hash_n = SHA-256(hash_{n-1} || canonical(event)).  A purge appends a link
-- that records what it removed and the hash the remaining chain starts
-- from.  strata_app may INSERT and SELECT links, nothing else.
SET LOCAL search_path = strata, public;

CREATE TABLE audit_links (
	tenant_id      uuid NOT NULL,
	link_no        bigint NOT NULL,
	kind           text NOT NULL CHECK (kind IN ('event', 'purge')),
	seq            bigint,           -- the event a link seals
	prev_hash      bytea NOT NULL,
	hash           bytea NOT NULL,
	anchor         bytea,            -- purge: hash of the last removed link
	purged_through bigint,           -- purge: events up to this seq removed
	purged_count   bigint,
	created_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, link_no)
) PARTITION BY HASH (tenant_id);
CALL make_hash_partitions('audit_links');
CREATE INDEX audit_links_seq ON audit_links (tenant_id, seq);

CALL secure_tenant_tables();

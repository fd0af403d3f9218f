-- 0013: contracts, one row per version, never changed. The document is
-- the contract's canonical YAML (contracts.Contract.Canonical);
-- recorded_at with recorded_ns holds the instant to the nanosecond, as
-- SQLite keeps it.
CREATE TABLE contracts (
	id          text COLLATE "C" NOT NULL CHECK (id <> ''),
	version     integer NOT NULL CHECK (version >= 1),
	document    text NOT NULL,
	recorded_at timestamptz NOT NULL,
	recorded_ns smallint NOT NULL CHECK (recorded_ns BETWEEN 0 AND 999),
	PRIMARY KEY (id, version)
);
CREATE TRIGGER contracts_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON contracts
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('contract versions are immutable');

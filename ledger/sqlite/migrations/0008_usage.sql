-- 0008: usage aggregates (contracts.Usage), so that runs and statements read
-- hundreds of rows instead of every event.
--
-- A usage set holds the aggregates of every stored event for one usage
-- signature (contracts.Contract.UsageSignature: what decides which events a
-- rule counts, in which period and at which FX date; rates, tiers and caps
-- are not part of it). Saving a contract builds its set when missing (one
-- pass over the events) and drops sets no current contract uses; an import
-- adds rows for the events it stores, in the same transaction, one row per
-- aggregate per transaction. Derived data: `revshare verify` rebuilds every
-- set from the events and compares.
CREATE TABLE usage_sets (
	id        INTEGER PRIMARY KEY,
	signature TEXT NOT NULL UNIQUE,
	built_at  TEXT NOT NULL
);

CREATE TABLE usage_rows (
	set_id    INTEGER NOT NULL REFERENCES usage_sets (id),
	batch_id  INTEGER NOT NULL, -- the import batch that added the events; 0 when built from stored events
	rule      TEXT NOT NULL,
	period    TEXT NOT NULL,    -- label in the contract's frequency
	channel   TEXT NOT NULL,
	product   TEXT NOT NULL,
	currency  TEXT NOT NULL,
	fx_date   TEXT NOT NULL,    -- YYYY-MM-DD, or '' in the contract currency
	amount    TEXT NOT NULL,    -- exact sum in currency, at the scale of its amounts
	events    INTEGER NOT NULL,
	event_ids BLOB NOT NULL     -- the events' IDs: signed varint deltas from 0
);
CREATE INDEX usage_rows_set ON usage_rows (set_id, period);

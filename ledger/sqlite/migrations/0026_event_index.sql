-- 0026: an inverted index of the events by seller, channel, customer,
-- product, region and UTC accounting date (ledger/sqlite/event_index.go,
-- docs/import.md), so that a filtered page of events reads the IDs that
-- match instead of every event.
--
-- A row lists, for one dimension and value, the IDs of events stored by one
-- import segment (at most 2^18 events, in one transaction): ascending, as
-- signed varint deltas from 0 (the encoding of usage_rows.event_ids). The
-- importer writes the rows in the transaction of the events; they are
-- derived data that `revshare verify` rebuilds from the events and compares.
-- Databases that have events when this migration runs are indexed by a Go
-- step of the migration, in the same transaction.
CREATE TABLE event_index (
	dim      INTEGER NOT NULL CHECK (dim BETWEEN 1 AND 6), -- 1 seller, 2 channel, 3 customer, 4 product, 5 region, 6 date
	value    TEXT NOT NULL,
	first_id INTEGER NOT NULL,
	last_id  INTEGER NOT NULL,
	n        INTEGER NOT NULL,
	ids      BLOB NOT NULL,
	PRIMARY KEY (dim, value, first_id)
) WITHOUT ROWID;

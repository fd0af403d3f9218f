-- 0007: one narrow row per usage event.
--
-- An event row is (id, source_id, event_id, data): data is a JSON array of
-- the event's other fields (ledger/sqlite/event_data.go; events_view below
-- names them). It keeps the first 8 bytes of the content digest; the UTC
-- date is derived from occurred_at. The only index is the idempotency key (source_id, event_id):
-- an import then costs about what a raw insert of the file's rows does
-- (docs/import.md).
--
-- The event -> entry link goes through import_groups: an import sums the new
-- events of a batch per seller, channel, currency, booking date and late flag
-- into groups, numbered in the batch, and posts one entry per group. An event
-- names its batch and group; the group names its entry and the range of event
-- IDs it spans, so an entry's events are found by scanning that range.

CREATE TABLE event_sources (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);
INSERT INTO event_sources (name) SELECT DISTINCT source FROM events ORDER BY source;

CREATE TABLE import_groups (
	batch_id    INTEGER NOT NULL REFERENCES import_batches (id),
	group_no    INTEGER NOT NULL,
	entry_id    INTEGER NOT NULL UNIQUE REFERENCES entries (id),
	first_event INTEGER NOT NULL,
	last_event  INTEGER NOT NULL,
	events      INTEGER NOT NULL,
	PRIMARY KEY (batch_id, group_no)
) WITHOUT ROWID;

CREATE TRIGGER import_groups_no_update BEFORE UPDATE ON import_groups
BEGIN SELECT RAISE(ABORT, 'import groups are immutable'); END;
CREATE TRIGGER import_groups_no_delete BEFORE DELETE ON import_groups
BEGIN SELECT RAISE(ABORT, 'import groups are immutable'); END;

-- Before 0007 every event carried its entry's ID: that ID becomes its group number.
INSERT INTO import_groups (batch_id, group_no, entry_id, first_event, last_event, events)
	SELECT batch_id, entry_id, entry_id, min(id), max(id), count(*) FROM events GROUP BY batch_id, entry_id;

CREATE TABLE event_rows (
	id        INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL,  -- event_sources.id (checked by verify, not by a foreign key: one lookup less per row)
	event_id  TEXT NOT NULL,
	data      TEXT NOT NULL
);

-- data as ledger/sqlite/event_data.go writes it: quantity, unit_price and
-- meta only up to the last one given.
INSERT INTO event_rows (id, source_id, event_id, data)
	SELECT e.id, s.id, e.event_id,
		CASE
		WHEN e.meta != '{}' THEN json_array(e.occurred_at, e.seller, e.channel, e.customer, e.product, e.region,
			e.amount, e.currency, lower(hex(substr(e.digest, 1, 8))), e.line, e.late, e.batch_id, e.entry_id,
			e.quantity, e.unit_price, json(e.meta))
		WHEN e.unit_price IS NOT NULL THEN json_array(e.occurred_at, e.seller, e.channel, e.customer, e.product, e.region,
			e.amount, e.currency, lower(hex(substr(e.digest, 1, 8))), e.line, e.late, e.batch_id, e.entry_id,
			e.quantity, e.unit_price)
		WHEN e.quantity IS NOT NULL THEN json_array(e.occurred_at, e.seller, e.channel, e.customer, e.product, e.region,
			e.amount, e.currency, lower(hex(substr(e.digest, 1, 8))), e.line, e.late, e.batch_id, e.entry_id,
			e.quantity)
		ELSE json_array(e.occurred_at, e.seller, e.channel, e.customer, e.product, e.region,
			e.amount, e.currency, lower(hex(substr(e.digest, 1, 8))), e.line, e.late, e.batch_id, e.entry_id)
		END
	FROM events e JOIN event_sources s ON s.name = e.source ORDER BY e.id;

DROP TRIGGER events_no_update;
DROP TRIGGER events_no_delete;
DROP INDEX events_entry;
DROP INDEX events_key;
DROP TABLE events;
ALTER TABLE event_rows RENAME TO events;

CREATE UNIQUE INDEX events_key ON events (source_id, event_id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable: import a correcting event instead'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable: import a correcting event instead'); END;

-- The events with named columns, for reading with the sqlite3 shell.
CREATE VIEW events_view AS
	SELECT e.id, s.name AS source, e.event_id,
		json_extract(e.data, '$[0]') AS occurred_at, date(json_extract(e.data, '$[0]')) AS date,
		json_extract(e.data, '$[1]') AS seller, json_extract(e.data, '$[2]') AS channel,
		json_extract(e.data, '$[3]') AS customer, json_extract(e.data, '$[4]') AS product,
		json_extract(e.data, '$[5]') AS region, json_extract(e.data, '$[6]') AS amount,
		json_extract(e.data, '$[7]') AS currency, json_extract(e.data, '$[8]') AS digest,
		json_extract(e.data, '$[9]') AS line, json_extract(e.data, '$[10]') AS late,
		json_extract(e.data, '$[11]') AS batch_id, json_extract(e.data, '$[13]') AS quantity,
		json_extract(e.data, '$[14]') AS unit_price, ifnull(json_extract(e.data, '$[15]'), '{}') AS meta,
		g.entry_id
	FROM events e JOIN event_sources s ON s.id = e.source_id
	LEFT JOIN import_groups g ON g.batch_id = json_extract(e.data, '$[11]') AND g.group_no = json_extract(e.data, '$[12]');

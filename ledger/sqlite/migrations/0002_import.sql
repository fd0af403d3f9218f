-- 0002: usage imports, usage events and exchange rates.
--
-- An import batch is one file. A usage event is a fact: once stored it
-- never changes (triggers below). (source, event_id) is the idempotency key;
-- digest is the first 16 bytes of SHA-256 of the event's canonical content
-- (ledger/usage.AppendCanonical), so a re-import compares one column.
-- entry_id is the journal entry that carries the event; one entry sums the
-- events of a batch chunk per seller, channel, currency, booking date and
-- late flag.

CREATE TABLE import_batches (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL CHECK (kind IN ('usage', 'rates')),
	source      TEXT NOT NULL,
	file_name   TEXT NOT NULL,
	file_sha256 TEXT NOT NULL,
	mode        TEXT NOT NULL CHECK (mode IN ('all', 'partial')),
	status      TEXT NOT NULL CHECK (status IN ('running', 'complete')),
	rows        INTEGER NOT NULL DEFAULT 0,
	posted      INTEGER NOT NULL DEFAULT 0,
	duplicates  INTEGER NOT NULL DEFAULT 0,
	rejected    INTEGER NOT NULL DEFAULT 0,
	late        INTEGER NOT NULL DEFAULT 0,
	entries     INTEGER NOT NULL DEFAULT 0,
	started_at  TEXT NOT NULL,
	finished_at TEXT
);

-- A batch's counters move while it runs (a partial import commits chunk by
-- chunk); once complete it is frozen.
CREATE TRIGGER import_batches_frozen BEFORE UPDATE ON import_batches
WHEN OLD.status = 'complete'
BEGIN SELECT RAISE(ABORT, 'import batches are immutable once complete'); END;
CREATE TRIGGER import_batches_no_delete BEFORE DELETE ON import_batches
BEGIN SELECT RAISE(ABORT, 'import batches are immutable'); END;

CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	source      TEXT NOT NULL,
	event_id    TEXT NOT NULL,
	occurred_at TEXT NOT NULL,   -- RFC 3339 as given (offset kept), or YYYY-MM-DD
	date_only   INTEGER NOT NULL,
	date        TEXT NOT NULL,   -- the event's true accounting date (UTC), YYYY-MM-DD
	seller      TEXT NOT NULL,
	channel     TEXT NOT NULL,
	customer    TEXT NOT NULL,
	product     TEXT NOT NULL,
	region      TEXT NOT NULL,
	quantity    TEXT,            -- exact decimal text, NULL when not given
	unit_price  TEXT,
	amount      TEXT NOT NULL,   -- exact decimal text, scale kept
	currency    TEXT NOT NULL,
	meta        TEXT NOT NULL,   -- JSON object of the other columns, keys sorted
	digest      BLOB NOT NULL,
	batch_id    INTEGER NOT NULL,
	line        INTEGER NOT NULL, -- physical line in the batch's file
	entry_id    INTEGER NOT NULL,
	late        INTEGER NOT NULL  -- 1: dated in a closed period, booked in the first open one
);
CREATE UNIQUE INDEX events_key ON events (source, event_id);
CREATE INDEX events_entry ON events (entry_id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable: import a correcting event instead'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable: import a correcting event instead'); END;

CREATE TABLE fx_rates (
	date      TEXT NOT NULL CHECK (length(date) = 10),
	from_ccy  TEXT NOT NULL CHECK (length(from_ccy) = 3),
	to_ccy    TEXT NOT NULL CHECK (length(to_ccy) = 3),
	rate      TEXT NOT NULL,  -- exact decimal text
	batch_id  INTEGER NOT NULL,
	PRIMARY KEY (from_ccy, to_ccy, date)
) WITHOUT ROWID;

CREATE TRIGGER fx_rates_no_update BEFORE UPDATE ON fx_rates
BEGIN SELECT RAISE(ABORT, 'exchange rates are immutable'); END;
CREATE TRIGGER fx_rates_no_delete BEFORE DELETE ON fx_rates
BEGIN SELECT RAISE(ABORT, 'exchange rates are immutable'); END;

-- 0010: usage imports. Events are facts in typed columns (the values of
-- the file, the accounting date, the import that stored them), keyed by
-- (source, event_id) for idempotency; import_batches records each file,
-- import_groups links each import entry to the events it booked, and the
-- rejected rows of partial imports are kept for the report.
--
-- Events come in with COPY. Each index is paid for on every row, so there
-- are few: the idempotency key, (seller, channel, date) for a contract's
-- events in a period, customer and product for lookups, and BRIN indexes
-- on date and batch, which cost almost nothing because events arrive
-- roughly in date order and batch after batch.

CREATE TABLE event_sources (
	id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text COLLATE "C" NOT NULL UNIQUE CHECK (name <> '')
);

-- A batch's ID is the last one plus one, taken under the writer lock (not
-- a sequence, which a rolled-back import would advance): batch numbers
-- appear in entries, so a book gets the same ones as on SQLite.
CREATE TABLE import_batches (
	id          bigint PRIMARY KEY CHECK (id >= 1),
	kind        text NOT NULL CHECK (kind IN ('usage', 'rates')),
	source      text COLLATE "C" NOT NULL,
	file_name   text NOT NULL,
	file_sha256 text NOT NULL,
	mode        text NOT NULL CHECK (mode IN ('all', 'partial')),
	status      text NOT NULL CHECK (status IN ('running', 'complete')),
	rows        bigint NOT NULL DEFAULT 0 CHECK (rows >= 0),
	posted      bigint NOT NULL DEFAULT 0 CHECK (posted >= 0),
	duplicates  bigint NOT NULL DEFAULT 0 CHECK (duplicates >= 0),
	rejected    bigint NOT NULL DEFAULT 0 CHECK (rejected >= 0),
	late        bigint NOT NULL DEFAULT 0 CHECK (late >= 0),
	entries     bigint NOT NULL DEFAULT 0 CHECK (entries >= 0),
	started_at  timestamptz NOT NULL,
	finished_at timestamptz,
	CHECK (rows = posted + duplicates + rejected),
	CHECK ((status = 'complete') = (finished_at IS NOT NULL))
);

-- id is assigned by the importer (it holds the writer lock): one import's
-- events have consecutive IDs, so a group's events are an ID range.
CREATE TABLE events (
	id         bigint PRIMARY KEY CHECK (id >= 1),
	source_id  integer NOT NULL,  -- event_sources (id); no foreign key, whose check would cost a query per row
	event_id   text COLLATE "C" NOT NULL CHECK (event_id <> ''),
	occurred   text NOT NULL,  -- as given: RFC 3339 (nanoseconds and offset kept) or YYYY-MM-DD
	date       date NOT NULL,  -- the accounting date: the UTC date of occurred, or the date given
	seller     text COLLATE "C" NOT NULL,
	channel    text COLLATE "C" NOT NULL,
	customer   text COLLATE "C" NOT NULL,
	product    text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	quantity   numeric CHECK (scale(quantity) <= 18),
	unit_price numeric CHECK (scale(unit_price) <= 18),
	amount     numeric NOT NULL CHECK (scale(amount) <= 18),
	currency   text COLLATE "C" NOT NULL CHECK (length(currency) = 3),
	meta       jsonb CHECK (jsonb_typeof(meta) = 'object'),  -- the file's other columns; NULL when none
	digest     bytea NOT NULL CHECK (length(digest) = 16),    -- usage.Digest of the content
	batch_id   bigint NOT NULL,
	line       integer NOT NULL CHECK (line >= 1),
	group_no   bigint NOT NULL,
	late       boolean NOT NULL,
	UNIQUE (source_id, event_id)
);
CREATE INDEX events_seller ON events (seller, channel, date);
CREATE INDEX events_customer ON events (customer);
CREATE INDEX events_product ON events (product);
CREATE INDEX events_date ON events USING brin (date);
CREATE INDEX events_batch ON events USING brin (batch_id);

CREATE TABLE import_groups (
	batch_id    bigint NOT NULL REFERENCES import_batches (id),
	group_no    bigint NOT NULL,
	entry_id    bigint NOT NULL UNIQUE, -- no foreign key: it would turn TRUNCATE entries' refusal into a foreign-key error
	first_event bigint NOT NULL,
	last_event  bigint NOT NULL CHECK (last_event >= first_event),
	events      bigint NOT NULL CHECK (events >= 1),
	PRIMARY KEY (batch_id, group_no)
);

CREATE TABLE import_reject_columns (
	batch_id bigint PRIMARY KEY REFERENCES import_batches (id),
	columns  jsonb NOT NULL
);
CREATE TABLE import_rejects (
	batch_id bigint NOT NULL REFERENCES import_batches (id),
	line     integer NOT NULL,
	errors   jsonb NOT NULL,
	record   jsonb NOT NULL,
	PRIMARY KEY (batch_id, line)
);

-- Facts never change: an event, a group link or a reject, once stored,
-- stays as it is (a correction is a new event). A batch's counters and
-- status move while it runs, so only its identity is fixed.
CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON events
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('events are immutable: import a correcting event instead');
CREATE TRIGGER import_groups_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON import_groups
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('import groups are immutable');
CREATE TRIGGER import_rejects_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON import_rejects
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('import rejects are immutable');
CREATE TRIGGER import_batches_kept BEFORE DELETE OR TRUNCATE ON import_batches
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('import batches cannot be deleted');
CREATE FUNCTION revshare_batch_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.id, NEW.kind, NEW.source, NEW.file_name, NEW.mode, NEW.started_at)
		IS DISTINCT FROM (OLD.id, OLD.kind, OLD.source, OLD.file_name, OLD.mode, OLD.started_at)
		OR OLD.status = 'complete' THEN
		RAISE EXCEPTION 'import batch %: only a running batch''s counters, hash and status may change', OLD.id
			USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER import_batches_identity BEFORE UPDATE ON import_batches
	FOR EACH ROW EXECUTE FUNCTION revshare_batch_identity();

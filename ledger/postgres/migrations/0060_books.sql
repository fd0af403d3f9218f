-- 0060: the books of contracts (contracts/books.Store), PostgreSQL's twin
-- of ledger/sqlite's 0003, 0010 and 0015: the rows runs, payments and
-- closes write beside the journal entries they post. Every row is a fact,
-- never changed; amounts are NUMERIC written from the decimal's String (as
-- SQLite stores its text), so a statement renders the same bytes on both.
--
-- Each bookings, advance_bookings, recoupments and payments row indexes one
-- journal entry: the entry must exist, with the row's date (checked once
-- per INSERT statement; a foreign key would turn TRUNCATE entries' refusal
-- into a foreign-key error, as for import_groups). The entries trigger
-- already refuses an entry dated in a closed period, so no row can be
-- dated there either.

CREATE TABLE bookings (
	entry_id   bigint PRIMARY KEY,
	contract   text COLLATE "C" NOT NULL,
	version    integer NOT NULL CHECK (version >= 1),
	rule       text COLLATE "C" NOT NULL,
	period     text COLLATE "C" NOT NULL,
	kind       text NOT NULL CHECK (kind IN ('accrual', 'adjustment')),
	booked_in  text COLLATE "C" NOT NULL,
	payer      text COLLATE "C" NOT NULL,
	payee      text COLLATE "C" NOT NULL,
	base       numeric NOT NULL,
	base_delta numeric NOT NULL,
	amount     numeric NOT NULL,
	date       date NOT NULL
);
CREATE INDEX bookings_contract ON bookings (contract, rule, period, entry_id);
CREATE INDEX bookings_contract_date ON bookings (contract, date);

CREATE TABLE advance_bookings (
	entry_id     bigint PRIMARY KEY,
	contract     text COLLATE "C" NOT NULL,
	version      integer NOT NULL CHECK (version >= 1),
	advance      text COLLATE "C" NOT NULL,
	payer        text COLLATE "C" NOT NULL,
	payee        text COLLATE "C" NOT NULL,
	advance_date date NOT NULL,
	amount       numeric NOT NULL,
	date         date NOT NULL
);
CREATE INDEX advance_bookings_contract ON advance_bookings (contract, advance);

CREATE TABLE recoupments (
	entry_id bigint PRIMARY KEY,
	contract text COLLATE "C" NOT NULL,
	version  integer NOT NULL CHECK (version >= 1),
	advance  text COLLATE "C" NOT NULL,
	period   text COLLATE "C" NOT NULL,
	payer    text COLLATE "C" NOT NULL,
	payee    text COLLATE "C" NOT NULL,
	amount   numeric NOT NULL,
	date     date NOT NULL
);
CREATE INDEX recoupments_contract ON recoupments (contract, advance, period);

CREATE TABLE payments (
	entry_id  bigint PRIMARY KEY,
	contract  text COLLATE "C" NOT NULL,
	payer     text COLLATE "C" NOT NULL,
	payee     text COLLATE "C" NOT NULL,
	amount    numeric NOT NULL CHECK (amount > 0),
	date      date NOT NULL,
	reference text NOT NULL
);
CREATE INDEX payments_contract ON payments (contract, date);

-- One row per run or close: the instant it started (the recorded-at of
-- the entries it booked, to the nanosecond) and how many it booked.
CREATE TABLE runs (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	through    date NOT NULL,
	started_at timestamptz NOT NULL,
	started_ns smallint NOT NULL CHECK (started_ns BETWEEN 0 AND 999),
	entries    bigint NOT NULL CHECK (entries >= 0)
);

-- Final statements, one per (contract, period) (the primary key), each
-- with what it was rendered from. id numbers them in the order they were
-- stored (StatementBookings asks which statement came before which).
-- finalized_at is the close's instant, as period_closes.closed_at holds it.
CREATE TABLE statements (
	id             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
	contract       text COLLATE "C" NOT NULL,
	period         text COLLATE "C" NOT NULL,
	body           text NOT NULL,
	hash           text NOT NULL,
	finalized_at   timestamptz NOT NULL,
	version        integer NOT NULL CHECK (version >= 1),
	events_through bigint NOT NULL CHECK (events_through >= 0),
	rates_through  bigint NOT NULL CHECK (rates_through >= 0),
	PRIMARY KEY (contract, period)
);

CREATE FUNCTION revshare_rows_have_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	bad bigint;
BEGIN
	SELECT n.entry_id INTO bad FROM new_rows n LEFT JOIN entries e ON e.id = n.entry_id
		WHERE e.date IS DISTINCT FROM n.date ORDER BY n.entry_id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '% row of entry %: no entry with that id and date', TG_TABLE_NAME, bad
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER bookings_entries AFTER INSERT ON bookings
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION revshare_rows_have_entries();
CREATE TRIGGER advance_bookings_entries AFTER INSERT ON advance_bookings
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION revshare_rows_have_entries();
CREATE TRIGGER recoupments_entries AFTER INSERT ON recoupments
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION revshare_rows_have_entries();
CREATE TRIGGER payments_entries AFTER INSERT ON payments
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION revshare_rows_have_entries();

-- Append-only, with SQLite's messages.
CREATE TRIGGER bookings_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON bookings
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('bookings are immutable');
CREATE TRIGGER advance_bookings_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON advance_bookings
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('advance bookings are immutable');
CREATE TRIGGER recoupments_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON recoupments
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('recoupments are immutable');
CREATE TRIGGER payments_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON payments
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('payments are immutable');
CREATE TRIGGER runs_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON runs
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('runs are immutable');
CREATE TRIGGER statements_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON statements
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('final statements are immutable');

-- 0001: the double-entry journal.
--
-- Amounts: postings.amount is the exact decimal as TEXT (scale kept). The
-- same value is carried as three generated integers so that sums in SQL are
-- exact:
--   amount = units + frac_hi / 1e9 + frac_lo / 1e18
-- with units = floor(amount) and 0 <= frac_hi, frac_lo < 1e9.

CREATE TABLE accounts (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	type TEXT NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense'))
);

CREATE TABLE entries (
	id          INTEGER PRIMARY KEY,
	source      TEXT NOT NULL,
	external_id TEXT NOT NULL,
	date        TEXT NOT NULL CHECK (length(date) = 10),  -- effective date, YYYY-MM-DD
	recorded_at TEXT NOT NULL,                            -- UTC, fixed width: 2006-01-02T15:04:05.000000000Z
	description TEXT NOT NULL,
	meta        TEXT NOT NULL,                            -- JSON object, keys sorted
	reverses    INTEGER REFERENCES entries (id),
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL,
	UNIQUE (source, external_id)
);
CREATE INDEX entries_recorded_at ON entries (recorded_at);
CREATE INDEX entries_date ON entries (date);

-- The integer columns are generated from amount by SQLite itself, so no
-- write can make them disagree with it; amount_format admits only plain
-- decimals ("-12.50") with at most 14 integer and 18 fractional digits.
CREATE TABLE postings (
	entry_id   INTEGER NOT NULL REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
	seq        INTEGER NOT NULL CHECK (seq >= 1),
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	currency   TEXT NOT NULL CHECK (length(currency) = 3),
	amount     TEXT NOT NULL CONSTRAINT amount_format CHECK (
		(amount GLOB '[0-9]*' OR amount GLOB '-[0-9]*')
		AND NOT substr(amount, 2) GLOB '*[^0-9.]*'
		AND NOT amount GLOB '*.*.*'
		AND NOT amount GLOB '*.'
		AND (instr(amount, '.') = 0 OR length(amount) - instr(amount, '.') <= 18)
		AND abs(CAST(amount AS INTEGER)) < 100000000000000),
	-- the 18 fractional digits of |amount| as an integer
	frac18     INTEGER GENERATED ALWAYS AS (CASE WHEN instr(amount, '.') = 0 THEN 0
		ELSE CAST(substr(substr(amount, instr(amount, '.') + 1) || '000000000000000000', 1, 18) AS INTEGER) END) VIRTUAL,
	units      INTEGER GENERATED ALWAYS AS (CAST(amount AS INTEGER) - (amount GLOB '-*' AND frac18 > 0)) STORED,
	frac_hi    INTEGER GENERATED ALWAYS AS ((CASE WHEN amount GLOB '-*' AND frac18 > 0
		THEN 1000000000000000000 - frac18 ELSE frac18 END) / 1000000000) STORED,
	frac_lo    INTEGER GENERATED ALWAYS AS ((CASE WHEN amount GLOB '-*' AND frac18 > 0
		THEN 1000000000000000000 - frac18 ELSE frac18 END) % 1000000000) STORED,
	PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;
CREATE INDEX postings_account ON postings (account_id, entry_id);

-- The last entry as revshare last wrote it (one row, updated once per
-- Tx.PostEntries call): deleting entries at the end of the journal leaves
-- it pointing past the end, which Verify reports.
CREATE TABLE journal_head (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	entry_id INTEGER NOT NULL,
	hash     TEXT NOT NULL
);

-- One row per close; the closed-through date is the latest "through".
CREATE TABLE period_closes (
	through   TEXT PRIMARY KEY CHECK (length(through) = 10),
	closed_at TEXT NOT NULL,
	head_id   INTEGER NOT NULL,  -- the chain head when the close happened
	head_hash TEXT NOT NULL
);

-- An entry is sealed by inserting its row AFTER its postings: it must have at
-- least two, and per currency they must sum to exactly zero (the common
-- one-currency case is checked without grouping). Its ID follows the last
-- entry's, its prev_hash is that entry's hash, and its date is after the
-- closed-through date. One trigger, so one sub-program runs per entry.
CREATE TRIGGER entries_insert_guard BEFORE INSERT ON entries
BEGIN
	SELECT CASE
		WHEN count(*) < 2 THEN RAISE(ABORT, 'entry has fewer than 2 postings')
		WHEN min(currency) = max(currency) THEN CASE
			WHEN sum(frac_lo) % 1000000000 != 0
			  OR (sum(frac_hi) + sum(frac_lo) / 1000000000) % 1000000000 != 0
			  OR sum(units) + (sum(frac_hi) + sum(frac_lo) / 1000000000) / 1000000000 != 0
			THEN RAISE(ABORT, 'entry does not balance') END
		WHEN EXISTS (
			SELECT 1 FROM postings WHERE entry_id = NEW.id GROUP BY currency
			HAVING sum(frac_lo) % 1000000000 != 0
			    OR (sum(frac_hi) + sum(frac_lo) / 1000000000) % 1000000000 != 0
			    OR sum(units) + (sum(frac_hi) + sum(frac_lo) / 1000000000) / 1000000000 != 0)
		THEN RAISE(ABORT, 'entry does not balance')
	END
	FROM postings WHERE entry_id = NEW.id;
	SELECT CASE
		WHEN NEW.id IS NOT coalesce((SELECT max(id) FROM entries), 0) + 1
		THEN RAISE(ABORT, 'entry id must follow the last entry')
		WHEN NEW.prev_hash IS NOT coalesce((SELECT hash FROM entries WHERE id = NEW.id - 1), '')
		THEN RAISE(ABORT, 'entry prev_hash must be the hash of the last entry')
		WHEN NEW.date <= (SELECT max(through) FROM period_closes)
		THEN RAISE(ABORT, 'entry is dated in a closed period')
	END;
END;

CREATE TRIGGER postings_sealed BEFORE INSERT ON postings
BEGIN
	SELECT RAISE(ABORT, 'entry is sealed: no postings may be added')
	WHERE EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id);
END;

CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are immutable: post a correcting entry instead'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are immutable: post a correcting entry instead'); END;
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'entries are immutable: postings cannot be changed'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'entries are immutable: postings cannot be deleted'); END;
CREATE TRIGGER accounts_no_update BEFORE UPDATE ON accounts
BEGIN SELECT RAISE(ABORT, 'accounts are immutable'); END;
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
BEGIN SELECT RAISE(ABORT, 'accounts are immutable'); END;

CREATE TRIGGER journal_head_forward BEFORE UPDATE ON journal_head
BEGIN
	SELECT RAISE(ABORT, 'the journal head only moves forward, to an existing entry')
	WHERE NEW.entry_id < OLD.entry_id OR NEW.hash IS NOT (SELECT hash FROM entries WHERE id = NEW.entry_id);
END;
CREATE TRIGGER journal_head_no_delete BEFORE DELETE ON journal_head
BEGIN SELECT RAISE(ABORT, 'the journal head cannot be deleted'); END;

CREATE TRIGGER period_closes_forward BEFORE INSERT ON period_closes
BEGIN
	SELECT RAISE(ABORT, 'periods close forward only')
	WHERE NEW.through <= (SELECT max(through) FROM period_closes);
END;
CREATE TRIGGER period_closes_no_update BEFORE UPDATE ON period_closes
BEGIN SELECT RAISE(ABORT, 'closed periods cannot be reopened'); END;
CREATE TRIGGER period_closes_no_delete BEFORE DELETE ON period_closes
BEGIN SELECT RAISE(ABORT, 'closed periods cannot be reopened'); END;

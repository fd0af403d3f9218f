-- 0061: the postings' two helper columns without a declared type, so that
-- PRAGMA quick_check no longer computes them for every row.
--
-- amount_sign and amount_digits (0050) are VIRTUAL: nothing is stored, the
-- STORED limbs l0..l7 are computed from them on insert. quick_check type-
-- checks every column that has a type affinity, and to check a VIRTUAL
-- one it computes it: at 1M entries (2M postings) 1.7 s of the 4.2 s the
-- write commands' whole-file check costs, and 1.3 s of verify's CPU
-- (docs/design/speed.md, section 4, session 10). Without a declared type (BLOB affinity) the
-- values are the same (the CASE gives an integer, the concatenation text)
-- and quick_check skips them. SQLite cannot change a column's type in
-- place, so the table is rebuilt as 0050 built it, its rows copied and its
-- index, triggers and the entries' guard made again.

DROP TRIGGER entries_insert_guard;

CREATE TABLE postings_new (
	entry_id   INTEGER NOT NULL REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
	seq        INTEGER NOT NULL CHECK (seq >= 1),
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	currency   TEXT NOT NULL CHECK (length(currency) = 3),
	-- a plain decimal: optional minus, 1 to 54 integer digits, optional
	-- point and 1 to 18 fractional digits
	amount     TEXT NOT NULL CONSTRAINT amount_format CHECK (
		(amount GLOB '[0-9]*' OR amount GLOB '-[0-9]*')
		AND NOT substr(amount, 2) GLOB '*[^0-9.]*'
		AND NOT amount GLOB '*.*.*'
		AND NOT amount GLOB '*.'
		AND (instr(amount, '.') = 0 OR length(amount) - instr(amount, '.') <= 18)
		AND CASE WHEN instr(amount, '.') = 0 THEN length(amount) ELSE instr(amount, '.') - 1 END - (amount GLOB '-*') <= 54),
	amount_sign   GENERATED ALWAYS AS (CASE WHEN amount GLOB '-*' THEN -1 ELSE 1 END) VIRTUAL,
	-- |amount| as 54 integer and 18 fractional digits, zero-padded
	amount_digits GENERATED ALWAYS AS (
		substr('000000000000000000000000000000000000000000000000000000' || CASE WHEN instr(amount, '.') = 0 THEN ltrim(amount, '-')
			ELSE substr(ltrim(amount, '-'), 1, instr(ltrim(amount, '-'), '.') - 1) END, -54)
		|| CASE WHEN instr(amount, '.') = 0 THEN '000000000000000000'
			ELSE substr(substr(amount, instr(amount, '.') + 1) || '000000000000000000', 1, 18) END) VIRTUAL,
	l0            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 64, 9) AS INTEGER) * amount_sign) STORED,
	l1            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 55, 9) AS INTEGER) * amount_sign) STORED,
	l2            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 46, 9) AS INTEGER) * amount_sign) STORED,
	l3            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 37, 9) AS INTEGER) * amount_sign) STORED,
	l4            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 28, 9) AS INTEGER) * amount_sign) STORED,
	l5            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 19, 9) AS INTEGER) * amount_sign) STORED,
	l6            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 10, 9) AS INTEGER) * amount_sign) STORED,
	l7            INTEGER GENERATED ALWAYS AS (CAST(substr(amount_digits, 1, 9) AS INTEGER) * amount_sign) STORED,
	PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;

INSERT INTO postings_new (entry_id, seq, account_id, currency, amount)
	SELECT entry_id, seq, account_id, currency, amount FROM postings ORDER BY entry_id, seq;
DROP TABLE postings;
ALTER TABLE postings_new RENAME TO postings;
CREATE INDEX postings_account ON postings (account_id, entry_id);

-- 0001's and 0006's guards, on the new table.
CREATE TRIGGER postings_sealed AFTER INSERT ON postings
BEGIN
	SELECT RAISE(ABORT, 'entry is sealed: no postings may be added')
	WHERE EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id);
END;
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'entries are immutable: postings cannot be changed'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'entries are immutable: postings cannot be deleted'); END;

CREATE TRIGGER entries_insert_guard AFTER INSERT ON entries
BEGIN
	SELECT CASE
		WHEN n < 2 THEN RAISE(ABORT, 'entry has fewer than 2 postings')
		WHEN one_currency THEN CASE
			WHEN s0 % 1000000000 != 0
			  OR (s1 + s0 / 1000000000) % 1000000000 != 0
			  OR (s2 + (s1 + s0 / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s6 + (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s7 + (s6 + (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) != 0
			THEN RAISE(ABORT, 'entry does not balance') END
		WHEN EXISTS (
			SELECT 1 FROM (SELECT sum(l0) AS s0, sum(l1) AS s1, sum(l2) AS s2, sum(l3) AS s3, sum(l4) AS s4, sum(l5) AS s5, sum(l6) AS s6, sum(l7) AS s7 FROM postings WHERE entry_id = NEW.id GROUP BY currency)
			WHERE s0 % 1000000000 != 0
			  OR (s1 + s0 / 1000000000) % 1000000000 != 0
			  OR (s2 + (s1 + s0 / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s6 + (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s7 + (s6 + (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) != 0)
		THEN RAISE(ABORT, 'entry does not balance')
	END
	FROM (SELECT count(*) AS n, min(currency) = max(currency) AS one_currency, sum(l0) AS s0, sum(l1) AS s1, sum(l2) AS s2, sum(l3) AS s3, sum(l4) AS s4, sum(l5) AS s5, sum(l6) AS s6, sum(l7) AS s7
		FROM postings WHERE entry_id = NEW.id);
	SELECT CASE
		WHEN NEW.id IS NOT (SELECT max(id) FROM entries)
		THEN RAISE(ABORT, 'entry id must follow the last entry')
		-- the previous entry's hash; '' before entry 1; NULL when missing
		WHEN NEW.prev_hash IS NOT coalesce((SELECT hash FROM entries WHERE id = NEW.id - 1), CASE WHEN NEW.id = 1 THEN '' END)
		THEN CASE
			WHEN NEW.id != 1 AND NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.id - 1)
			THEN RAISE(ABORT, 'entry id must follow the last entry')
			ELSE RAISE(ABORT, 'entry prev_hash must be the hash of the last entry') END
		WHEN NEW.date <= (SELECT max(through) FROM period_closes)
		THEN RAISE(ABORT, 'entry is dated in a closed period')
	END;
END;

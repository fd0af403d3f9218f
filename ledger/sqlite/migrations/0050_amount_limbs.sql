-- 0050: amounts of up to 54 integer and 18 fractional digits, summed
-- exactly in SQL (docs/ledger.md, "Amount storage").
--
-- 0001 bounded a posting below 10^14 so that its integer split (units,
-- frac_hi, frac_lo) could be summed in int64. Input amounts have up to 18
-- integer digits (spec section 1) and the amounts derived from them (a day's
-- events summed, an obligation converted at an exchange rate) more. Each
-- posting now carries its amount as eight signed limbs of nine digits:
--
--   amount = l0 / 10^18 + l1 / 10^9 + l2 + l3 * 10^9 + ... + l7 * 10^45
--
-- every limb with the amount's sign and |limb| < 10^9, so that SQL's sum()
-- of up to 9 * 10^9 postings cannot overflow, and |amount| < 10^54. SQLite
-- generates the limbs from the TEXT amount (stored), so no write can make
-- them disagree with it. The postings are copied into the new table; the
-- balance history (0005, 0025) is rebuilt with the same limbs.

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
	amount_sign   INTEGER GENERATED ALWAYS AS (CASE WHEN amount GLOB '-*' THEN -1 ELSE 1 END) VIRTUAL,
	-- |amount| as 54 integer and 18 fractional digits, zero-padded
	amount_digits TEXT GENERATED ALWAYS AS (
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

-- 0006's guard with the balance over the limbs: the postings of each
-- currency sum to zero when, carrying each limb's sum into the next (s0
-- first), every carried sum but the last is a multiple of 10^9 and the
-- last is zero (exact: within one entry no carried sum comes near 2^63).
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

-- The balance history (0005, 0025) with the same limbs: plain sums of the
-- postings' l0..l7, rebuilt below as 0025 built it.
DROP TABLE balance_totals;
DROP TABLE balance_days;
DROP TABLE balance_months;
DROP TABLE balance_marks;

CREATE TABLE balance_totals (
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	currency   TEXT NOT NULL,
	l0         INTEGER NOT NULL,
	l1         INTEGER NOT NULL,
	l2         INTEGER NOT NULL,
	l3         INTEGER NOT NULL,
	l4         INTEGER NOT NULL,
	l5         INTEGER NOT NULL,
	l6         INTEGER NOT NULL,
	l7         INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency)
) WITHOUT ROWID;

CREATE TABLE balance_days (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	date       TEXT NOT NULL,     -- YYYY-MM-DD, the entries' effective date
	n          INTEGER NOT NULL,  -- postings
	l0         INTEGER NOT NULL,
	l1         INTEGER NOT NULL,
	l2         INTEGER NOT NULL,
	l3         INTEGER NOT NULL,
	l4         INTEGER NOT NULL,
	l5         INTEGER NOT NULL,
	l6         INTEGER NOT NULL,
	l7         INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency, date)
) WITHOUT ROWID;

CREATE TABLE balance_months (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	month      TEXT NOT NULL,     -- YYYY-MM
	n          INTEGER NOT NULL,
	l0         INTEGER NOT NULL,
	l1         INTEGER NOT NULL,
	l2         INTEGER NOT NULL,
	l3         INTEGER NOT NULL,
	l4         INTEGER NOT NULL,
	l5         INTEGER NOT NULL,
	l6         INTEGER NOT NULL,
	l7         INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency, month)
) WITHOUT ROWID;

CREATE TABLE balance_marks (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	entry_id   INTEGER NOT NULL,
	l0         INTEGER NOT NULL,
	l1         INTEGER NOT NULL,
	l2         INTEGER NOT NULL,
	l3         INTEGER NOT NULL,
	l4         INTEGER NOT NULL,
	l5         INTEGER NOT NULL,
	l6         INTEGER NOT NULL,
	l7         INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency, entry_id)
) WITHOUT ROWID;

INSERT INTO balance_totals (account_id, currency, l0, l1, l2, l3, l4, l5, l6, l7)
	SELECT account_id, currency, sum(l0), sum(l1), sum(l2), sum(l3), sum(l4), sum(l5), sum(l6), sum(l7) FROM postings GROUP BY account_id, currency;

INSERT INTO balance_days (account_id, currency, date, n, l0, l1, l2, l3, l4, l5, l6, l7)
	SELECT p.account_id, p.currency, e.date, count(*), sum(p.l0), sum(p.l1), sum(p.l2), sum(p.l3), sum(p.l4), sum(p.l5), sum(p.l6), sum(p.l7)
	FROM postings p JOIN entries e ON e.id = p.entry_id
	GROUP BY p.account_id, p.currency, e.date;

INSERT INTO balance_months (account_id, currency, month, n, l0, l1, l2, l3, l4, l5, l6, l7)
	SELECT account_id, currency, substr(date, 1, 7), sum(n), sum(l0), sum(l1), sum(l2), sum(l3), sum(l4), sum(l5), sum(l6), sum(l7)
	FROM balance_days GROUP BY account_id, currency, substr(date, 1, 7);

INSERT INTO balance_marks (account_id, currency, entry_id, l0, l1, l2, l3, l4, l5, l6, l7)
	SELECT a, c, m, sum(s0) OVER w, sum(s1) OVER w, sum(s2) OVER w, sum(s3) OVER w, sum(s4) OVER w, sum(s5) OVER w, sum(s6) OVER w, sum(s7) OVER w FROM (
		SELECT p.account_id AS a, p.currency AS c, e.recorded_at, max(p.entry_id) AS m,
			sum(p.l0) AS s0, sum(p.l1) AS s1, sum(p.l2) AS s2, sum(p.l3) AS s3, sum(p.l4) AS s4, sum(p.l5) AS s5, sum(p.l6) AS s6, sum(p.l7) AS s7
		FROM postings p JOIN entries e ON e.id = p.entry_id
		GROUP BY p.account_id, p.currency, e.recorded_at)
	WINDOW w AS (PARTITION BY a, c ORDER BY m);

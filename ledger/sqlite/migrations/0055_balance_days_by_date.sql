-- 0055: balance_days keyed by date first (docs/ledger.md, "Balance history";
-- docs/design/speed.md, section 2).
--
-- Keyed by account first (0025), the days an import adds landed on one
-- b-tree leaf per account: a book of 2,000 accounts had each PostEntries
-- call rewrite 2,000 leaves, which outgrew the page cache at a million
-- entries. Keyed by date first, a call's days are consecutive keys near
-- the end of the table. The columns, their order and the rows are
-- unchanged; only the key's order is. The --as-of view reads the days of a
-- date range (one range scan), and verify reads the table in key order.
CREATE TABLE balance_days_new (
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
	PRIMARY KEY (date, account_id, currency)
) WITHOUT ROWID;

INSERT INTO balance_days_new (account_id, currency, date, n, l0, l1, l2, l3, l4, l5, l6, l7)
	SELECT account_id, currency, date, n, l0, l1, l2, l3, l4, l5, l6, l7 FROM balance_days
	ORDER BY date, account_id, currency;

DROP TABLE balance_days;
ALTER TABLE balance_days_new RENAME TO balance_days;

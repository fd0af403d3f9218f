-- 0025: persisted aggregates for historical trial balances (--as-of,
-- --known-at), so that a one-shot process answers them without reading
-- every posting (ledger/sqlite/balance_history.go, docs/ledger.md).
--
-- Like balance_totals (0005) they are kept by Tx.PostEntries in the
-- transaction that inserts the postings, hold the plain sums of the
-- postings' integer columns (units, frac_hi, frac_lo) and are derived data:
-- `revshare verify` recomputes them from the postings.
--
-- balance_days / balance_months: per account, currency and effective date
-- (month) of the entries, the number of postings and their sums. An --as-of
-- view sums the months before the date's month and the days of its month
-- up to the date (or subtracts the later ones, when fewer).
CREATE TABLE balance_days (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	date       TEXT NOT NULL,     -- YYYY-MM-DD, the entries' effective date
	n          INTEGER NOT NULL,  -- postings
	u          INTEGER NOT NULL,
	h          INTEGER NOT NULL,
	l          INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency, date)
) WITHOUT ROWID;

CREATE TABLE balance_months (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	month      TEXT NOT NULL,     -- YYYY-MM
	n          INTEGER NOT NULL,
	u          INTEGER NOT NULL,
	h          INTEGER NOT NULL,
	l          INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency, month)
) WITHOUT ROWID;

-- balance_marks: the running totals of an account and currency in the
-- recorded-at order. Each Tx.PostEntries call adds, per account and currency
-- it posts to, a row at the ID of the call's last entry with a posting to it,
-- holding the sums of every posting of the account up to that entry. Entries
-- of one transaction share one recorded-at instant, so a --known-at view is
-- a prefix of the journal ending at a call's end: per account and currency
-- it is the last mark at or before that prefix's last entry.
CREATE TABLE balance_marks (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	entry_id   INTEGER NOT NULL,
	u          INTEGER NOT NULL,
	h          INTEGER NOT NULL,
	l          INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency, entry_id)
) WITHOUT ROWID;

INSERT INTO balance_days (account_id, currency, date, n, u, h, l)
	SELECT p.account_id, p.currency, e.date, count(*), sum(p.units), sum(p.frac_hi), sum(p.frac_lo)
	FROM postings p JOIN entries e ON e.id = p.entry_id
	GROUP BY p.account_id, p.currency, e.date;

INSERT INTO balance_months (account_id, currency, month, n, u, h, l)
	SELECT account_id, currency, substr(date, 1, 7), sum(n), sum(u), sum(h), sum(l)
	FROM balance_days GROUP BY account_id, currency, substr(date, 1, 7);

-- Existing journals: one mark per account, currency and recorded-at instant,
-- at the last entry of that instant that posts to the account.
INSERT INTO balance_marks (account_id, currency, entry_id, u, h, l)
	SELECT a, c, m, sum(u) OVER w, sum(h) OVER w, sum(l) OVER w FROM (
		SELECT p.account_id AS a, p.currency AS c, e.recorded_at, max(p.entry_id) AS m,
			sum(p.units) AS u, sum(p.frac_hi) AS h, sum(p.frac_lo) AS l
		FROM postings p JOIN entries e ON e.id = p.entry_id
		GROUP BY p.account_id, p.currency, e.recorded_at)
	WINDOW w AS (PARTITION BY a, c ORDER BY m);

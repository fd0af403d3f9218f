-- Running totals per account and currency, kept by Tx.PostEntries in the
-- transaction that inserts the postings (one upsert per account and currency
-- of a batch), so that the current trial balance is one small read in any new
-- process (as-of and known-at views still sum the postings). Exact: the same
-- integer split as the postings. Derived data: `revshare verify` checks it
-- against the postings.
CREATE TABLE balance_totals (
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	currency   TEXT NOT NULL,
	u          INTEGER NOT NULL,
	h          INTEGER NOT NULL,
	l          INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency)
) WITHOUT ROWID;

INSERT INTO balance_totals (account_id, currency, u, h, l)
	SELECT account_id, currency, sum(units), sum(frac_hi), sum(frac_lo) FROM postings GROUP BY account_id, currency;

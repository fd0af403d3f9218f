-- Running totals per account and currency, kept by a trigger as postings are
-- inserted, so that the current trial balance is one small read in any new
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

CREATE TRIGGER postings_balance_totals AFTER INSERT ON postings
BEGIN
	INSERT INTO balance_totals (account_id, currency, u, h, l)
	VALUES (NEW.account_id, NEW.currency, NEW.units, NEW.frac_hi, NEW.frac_lo)
	ON CONFLICT (account_id, currency) DO UPDATE SET u = u + excluded.u, h = h + excluded.h, l = l + excluded.l;
END;

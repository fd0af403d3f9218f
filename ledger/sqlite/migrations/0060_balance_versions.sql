-- 0060: the balance history's versions, for a trial balance both as of a
-- date and known at an instant (--as-of D --known-at T) read from one row
-- per account instead of the postings (ledger/sqlite/balance_versions.go,
-- docs/ledger.md "Balance history").
--
-- balance_versions: per account and currency, the sums of its postings
-- dated on or before `date` in the entries up to `entry_id` (the last entry
-- of a transaction that posts to the account: the entry of its mark). Each
-- transaction writes a row at every date it posts to and at every date the
-- account already had from the earliest it posts to on (their sums change),
-- nothing else: a view known at T as of D is, per account, the row at the
-- last date on or before D with a row up to T's cut, at its last entry up
-- to the cut.
--
-- balance_spans: per account, currency and transaction (the same entry), the
-- first and last dates of the account's postings in the entries up to it. A
-- view's date before the first leaves the account out; on or after the
-- last, its balance is the mark's.
--
-- Both are derived data, kept in the transaction of the postings; verify
-- recomputes them from the journal. The migration's Go step fills them
-- from an existing journal (one version per recorded-at instant).
CREATE TABLE balance_versions (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	date       TEXT NOT NULL,     -- YYYY-MM-DD
	entry_id   INTEGER NOT NULL,
	l0         INTEGER NOT NULL,
	l1         INTEGER NOT NULL,
	l2         INTEGER NOT NULL,
	l3         INTEGER NOT NULL,
	l4         INTEGER NOT NULL,
	l5         INTEGER NOT NULL,
	l6         INTEGER NOT NULL,
	l7         INTEGER NOT NULL,
	PRIMARY KEY (account_id, currency, date, entry_id)
) WITHOUT ROWID;

CREATE TABLE balance_spans (
	account_id INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	entry_id   INTEGER NOT NULL,
	first_date TEXT NOT NULL,     -- YYYY-MM-DD
	last_date  TEXT NOT NULL,
	PRIMARY KEY (account_id, currency, entry_id)
) WITHOUT ROWID;

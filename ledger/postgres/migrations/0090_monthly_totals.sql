-- 0090: the as-of trial balance from running monthly sums (issue #14;
-- docs/postgres.md, "Reads").
--
-- 0085 summed, per account, the account's days on one side of the date:
-- on a book of 2,000 accounts and 1,000 days, about a million index
-- entries a view (1.3-1.6 s where SQLite answers in 0.02-0.03 s).
--
-- monthly_totals holds, per account, currency and month in which the
-- account has postings, the sum of all its postings dated up to the end
-- of that month (a running sum, not the month's own sum). The balance as
-- of D is then the account's last row before D's month plus its days of
-- D's month up to D: one index descent and one short index range per
-- account, whatever the length of the book.
--
-- The rows are kept by a statement trigger on entries, in the
-- transaction of the post, as daily_totals are by 0001's entries_seal:
-- every writer (Post, revshare copy, the books) passes through it, and
-- the table accepts writes from inside a trigger only. A post adds its
-- postings' sums to the rows of their months and of every later month the
-- account has (an entry dated before the account's last month rewrites
-- the rows after it: a backdated post costs a row per later month per
-- account it touches; posts in date order touch only the current month),
-- and inserts the months it is the first to post in, starting from the
-- account's previous running sum. Verify recomputes every row from the
-- postings (verify.go).
CREATE TABLE monthly_totals (
	account_id bigint NOT NULL REFERENCES accounts (id),
	currency   text COLLATE "C" NOT NULL,
	month      date NOT NULL,     -- the month's first day
	amount     numeric NOT NULL,  -- the account's postings dated up to the month's last day
	PRIMARY KEY (account_id, currency, month)
);

-- Existing books: the running sums of their daily totals (which verify
-- checks against the postings).
INSERT INTO monthly_totals (account_id, currency, month, amount)
	SELECT account_id, currency, month, sum(sum(amount)) OVER (PARTITION BY account_id, currency ORDER BY month)
	FROM (SELECT account_id, currency, date_trunc('month', date::timestamp)::date AS month, amount FROM daily_totals) d
	GROUP BY account_id, currency, month;

CREATE FUNCTION revshare_entries_months() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	first_id bigint;
	last_id  bigint;
BEGIN
	SELECT min(id), max(id) INTO first_id, last_id FROM new_entries;
	IF first_id IS NULL THEN
		RETURN NULL;
	END IF;
	-- d: the post's sums per account, currency and month. x: the months
	-- whose rows change (the post's, and every stored later month of an
	-- account it posts to), each with the post's sum in that month (0 for
	-- a stored month it does not post in). A row's new amount is the
	-- stored running sum at or before its month (before this statement:
	-- a statement does not see its own writes) plus the post's running
	-- sum up to its month.
	WITH d AS (
		SELECT p.account_id, p.currency, date_trunc('month', e.date::timestamp)::date AS month, sum(p.amount) AS delta
		FROM postings p JOIN new_entries e ON e.id = p.entry_id
		WHERE p.entry_id BETWEEN first_id AND last_id GROUP BY 1, 2, 3
	), x AS (
		SELECT account_id, currency, month, sum(delta) AS delta FROM (
			SELECT account_id, currency, month, delta FROM d
			UNION ALL
			SELECT m.account_id, m.currency, m.month, 0 FROM monthly_totals m
				JOIN (SELECT account_id, currency, min(month) AS month FROM d GROUP BY 1, 2) f
				ON m.account_id = f.account_id AND m.currency = f.currency AND m.month > f.month
		) u GROUP BY 1, 2, 3
	), r AS (
		SELECT account_id, currency, month, sum(delta) OVER (PARTITION BY account_id, currency ORDER BY month) AS run FROM x
	)
	INSERT INTO monthly_totals AS t (account_id, currency, month, amount)
		SELECT r.account_id, r.currency, r.month, coalesce((SELECT m.amount FROM monthly_totals m
				WHERE m.account_id = r.account_id AND m.currency = r.currency AND m.month <= r.month
				ORDER BY m.month DESC LIMIT 1), 0) + r.run
		FROM r
		ON CONFLICT (account_id, currency, month) DO UPDATE SET amount = excluded.amount;
	RETURN NULL;
END $$;
-- After entries_seal (triggers of one event fire in name order), which
-- refuses a bad post before this one runs.
CREATE TRIGGER entries_seal_months AFTER INSERT ON entries
	REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION revshare_entries_months();
CREATE TRIGGER monthly_totals_derived BEFORE INSERT OR UPDATE OR DELETE ON monthly_totals
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('monthly totals are derived from the postings');
CREATE TRIGGER monthly_totals_no_truncate BEFORE TRUNCATE ON monthly_totals
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('monthly totals are derived from the postings');

-- The as-of view: per account and currency, its last running sum before
-- D's month plus its days of that month up to D (the index on
-- daily_totals (account_id, currency, date) INCLUDE (amount), 0085). An
-- account is listed if it has a posting dated up to D: a row before the
-- month, or a day of the month up to D. A LANGUAGE sql function of one
-- SELECT, inlined into the calling statement (0085).
CREATE OR REPLACE FUNCTION revshare_balances_as_of(as_of date)
RETURNS TABLE (account_id bigint, currency text, amount numeric) LANGUAGE sql STABLE AS $$
	SELECT t.account_id, t.currency::text, coalesce(m.amount, 0) + coalesce(d.amount, 0)
	FROM balance_totals t
	LEFT JOIN LATERAL (SELECT m.amount FROM monthly_totals m
		WHERE m.account_id = t.account_id AND m.currency = t.currency AND m.month < date_trunc('month', as_of::timestamp)::date
		ORDER BY m.month DESC LIMIT 1) m ON true
	LEFT JOIN LATERAL (SELECT sum(d.amount) AS amount FROM daily_totals d
		WHERE d.account_id = t.account_id AND d.currency = t.currency
		AND d.date >= date_trunc('month', as_of::timestamp)::date AND d.date <= as_of) d ON true
	WHERE m.amount IS NOT NULL OR d.amount IS NOT NULL
$$;

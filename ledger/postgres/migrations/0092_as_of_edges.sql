-- 0092: the as-of view reads the fewest days of three ways (issue #14).
--
-- 0090's view reads, per account, its running sum before D's month and its
-- days of that month up to D: up to 31 days an account. On a book of few
-- accounts and a date near its last (or first) day, 0085's way read fewer:
-- the current total less the days after D, or the days up to D. Measured on
-- the 8-account book of BenchmarkTrialBalance1M (as of 2026-06-30, a
-- quiet machine): 0090's view took 1.9-2.1x SQLite's CPU, 0085's 1.2-1.7x.
--
-- So the view takes, for the whole book, the way that reads the fewest
-- days: the days up to D when the book begins within that many days of D's
-- month, the days after D when it ends within them, else 0090's month.
-- The choice is made once (an InitPlan over the book's first and last
-- days, two descents of the primary key, which leads with the date) and a
-- CASE evaluates only the chosen branch per account, so the statement
-- keeps one generic plan (0085's shape; a UNION ALL of the branches under
-- one-time filters was replanned on every call, docs/postgres.md).
--
-- An account is in the view only if it has a day up to D. A branch gives
-- NULL exactly when it has none; a sum other than zero needs one; only an
-- account at zero is probed (0085's rule).
CREATE OR REPLACE FUNCTION revshare_balances_as_of(as_of date)
RETURNS TABLE (account_id bigint, currency text, amount numeric) LANGUAGE sql STABLE AS $$
	SELECT t.account_id, t.currency::text, s.amount
	FROM balance_totals t CROSS JOIN LATERAL (
		SELECT CASE (SELECT CASE
				WHEN max(d.date) - as_of < as_of - date_trunc('month', as_of::timestamp)::date + 1 THEN 'late'
				WHEN as_of - min(d.date) < as_of - date_trunc('month', as_of::timestamp)::date + 1 THEN 'early'
				ELSE 'month' END FROM daily_totals d)
			WHEN 'early' THEN (SELECT sum(d.amount) FROM daily_totals d
				WHERE d.account_id = t.account_id AND d.currency = t.currency AND d.date <= as_of)
			WHEN 'late' THEN t.amount - coalesce((SELECT sum(d.amount) FROM daily_totals d
				WHERE d.account_id = t.account_id AND d.currency = t.currency AND d.date > as_of), 0)
			ELSE (SELECT CASE WHEN x.m IS NULL AND x.d IS NULL THEN NULL ELSE coalesce(x.m, 0) + coalesce(x.d, 0) END
				FROM (SELECT (SELECT m.amount FROM monthly_totals m
						WHERE m.account_id = t.account_id AND m.currency = t.currency AND m.month < date_trunc('month', as_of::timestamp)::date
						ORDER BY m.month DESC LIMIT 1) AS m,
					(SELECT sum(d.amount) FROM daily_totals d
						WHERE d.account_id = t.account_id AND d.currency = t.currency
						AND d.date >= date_trunc('month', as_of::timestamp)::date AND d.date <= as_of) AS d
					OFFSET 0) x)
		END AS amount
		OFFSET 0
	) s
	WHERE CASE WHEN s.amount IS NULL THEN false WHEN s.amount <> 0 THEN true
		ELSE EXISTS (SELECT FROM daily_totals d WHERE d.account_id = t.account_id AND d.currency = t.currency AND d.date <= as_of)
	END
$$;

-- 0085: the as-of trial balance as one SQL statement. 0002's PL/pgSQL
-- function asked for the book's first and last days, then ran one of two
-- queries through a tuplestore, and kept an account only after an index
-- probe for its first day. As a LANGUAGE sql function of one SELECT
-- (STABLE, no SET) it is inlined into the query that calls it, so the
-- whole view is one plan, cached with the prepared statement.
--
-- The side stays 0002's, chosen once (an InitPlan), and a CASE evaluates
-- only the chosen branch, per account: before the middle of the book's
-- dates, the sum of the account's days up to the date; after it, the
-- current total less the account's days after the date. Both are one
-- range of the index on (account_id, currency, date), which now carries
-- the amount too (INCLUDE): the sums read the index alone (an index-only
-- scan once the visibility map is set) instead of a bitmap scan of the
-- table.
--
-- An account is in the view only if it has a day up to the date. The sum
-- says so without a probe in most cases: an early sum is NULL exactly when
-- there is no such day, and a late balance other than zero needs one. Only
-- an account whose balance at the date is zero is probed (EXISTS, one
-- index descent); 0002 probed every account. (OFFSET 0 keeps the balance a
-- subquery computed once per account, not copied into the filter.) The
-- rows are 0002's: TestAsOfMatchesEntries checks every date on both sides.
CREATE OR REPLACE FUNCTION revshare_balances_as_of(as_of date)
RETURNS TABLE (account_id bigint, currency text, amount numeric) LANGUAGE sql STABLE AS $$
	SELECT t.account_id, t.currency::text, s.amount
	FROM balance_totals t CROSS JOIN LATERAL (
		SELECT CASE WHEN (SELECT as_of - min(d.date) <= max(d.date) - as_of FROM daily_totals d)
			THEN (SELECT sum(d.amount) FROM daily_totals d
				WHERE d.account_id = t.account_id AND d.currency = t.currency AND d.date <= as_of)
			ELSE t.amount - coalesce((SELECT sum(d.amount) FROM daily_totals d
				WHERE d.account_id = t.account_id AND d.currency = t.currency AND d.date > as_of), 0)
		END AS amount
		OFFSET 0
	) s
	WHERE CASE WHEN s.amount IS NULL THEN false WHEN s.amount <> 0 THEN true
		ELSE EXISTS (SELECT FROM daily_totals d WHERE d.account_id = t.account_id AND d.currency = t.currency AND d.date <= as_of)
	END
$$;

CREATE INDEX daily_totals_account_amount ON daily_totals (account_id, currency, date) INCLUDE (amount);
DROP INDEX daily_totals_account;

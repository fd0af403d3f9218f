-- 0002: the as-of trial balance reads the smaller side of the book. Before
-- the middle of its dates: the daily totals up to the date. After it: the
-- current totals less the days after the date, account by account (an
-- account is in the view only if it has a day up to the date). A function,
-- so that the choice costs no round trip and each branch keeps its plan.
CREATE FUNCTION revshare_balances_as_of(as_of date)
RETURNS TABLE (account_id bigint, currency text, amount numeric) LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	lo date;
	hi date;
BEGIN
	SELECT min(date), max(date) INTO lo, hi FROM daily_totals;
	IF lo IS NULL OR as_of - lo <= hi - as_of THEN
		RETURN QUERY SELECT d.account_id, d.currency::text, sum(d.amount) FROM daily_totals d
			WHERE d.date <= as_of GROUP BY d.account_id, d.currency;
	ELSE
		RETURN QUERY SELECT t.account_id, t.currency::text, t.amount - coalesce((SELECT sum(d.amount) FROM daily_totals d
				WHERE d.account_id = t.account_id AND d.currency = t.currency AND d.date > as_of), 0)
			FROM balance_totals t
			WHERE (SELECT min(d.date) FROM daily_totals d WHERE d.account_id = t.account_id AND d.currency = t.currency) <= as_of;
	END IF;
END $$;

-- 0101: the monthly totals at commit too, from the same grouping as 0100's
-- daily totals (issue #14, the import's speed; docs/postgres.md,
-- "Session 20").
--
-- revshare_entries_months (0090), a statement trigger on entries, joined
-- each statement's postings to its entries again and upserted a row per
-- account and month the statement touched: an import of 100,000
-- per-event rows in ten statements upserted 24,000 rows for 8,000.
-- revshare_versions_add now computes them from its q (the sums per
-- account, currency and day of an instant's postings), once per
-- recorded-at instant at commit, with 0090's SQL; the trigger and its
-- function go. The rows are the same (each the running sum of the
-- account's postings up to the month's end); they are written at commit,
-- as the daily totals are since 0100.
DROP TRIGGER entries_seal_months ON entries;
DROP FUNCTION revshare_entries_months();

CREATE OR REPLACE FUNCTION revshare_versions_add(first_id bigint, last_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	top date := (SELECT max(date) FROM daily_totals);
BEGIN
	WITH q AS (
		SELECT p.account_id, p.currency, e.date, sum(p.amount) AS amount, max(p.entry_id) AS v
		FROM postings p JOIN entries e ON e.id = p.entry_id
		WHERE p.entry_id BETWEEN first_id AND last_id AND e.id BETWEEN first_id AND last_id
		GROUP BY 1, 2, 3
	), fresh AS (
		-- The daily totals (0097: a day after the last stored one by a
		-- plain INSERT, the others through ON CONFLICT).
		INSERT INTO daily_totals (account_id, currency, date, amount)
			SELECT account_id, currency, date, amount FROM q WHERE top IS NULL OR date > top
	), stored AS (
		INSERT INTO daily_totals AS t (account_id, currency, date, amount)
			SELECT account_id, currency, date, amount FROM q WHERE date <= top
			ON CONFLICT (date, account_id, currency) DO UPDATE SET amount = t.amount + excluded.amount
	), md AS (
		-- The monthly totals (0090's, from q's days): md, the sums per
		-- account, currency and month; mx, the months whose rows change
		-- (the instant's, and every stored later month of an account it
		-- posts to), each with the instant's sum in it; mr, the instant's
		-- running sum up to each. A row's new amount is the stored running
		-- sum at or before its month plus mr's.
		SELECT account_id, currency, date_trunc('month', date::timestamp)::date AS month, sum(amount) AS delta
		FROM q GROUP BY 1, 2, 3
	), mx AS (
		SELECT account_id, currency, month, sum(delta) AS delta FROM (
			SELECT account_id, currency, month, delta FROM md
			UNION ALL
			SELECT m.account_id, m.currency, m.month, 0 FROM monthly_totals m
				JOIN (SELECT account_id, currency, min(month) AS month FROM md GROUP BY 1, 2) f
				ON m.account_id = f.account_id AND m.currency = f.currency AND m.month > f.month
		) x GROUP BY 1, 2, 3
	), mr AS (
		SELECT account_id, currency, month, sum(delta) OVER (PARTITION BY account_id, currency ORDER BY month) AS run FROM mx
	), months AS (
		INSERT INTO monthly_totals AS t (account_id, currency, month, amount)
			SELECT mr.account_id, mr.currency, mr.month, coalesce((SELECT m.amount FROM monthly_totals m
					WHERE m.account_id = mr.account_id AND m.currency = mr.currency AND m.month <= mr.month
					ORDER BY m.month DESC LIMIT 1), 0) + mr.run
			FROM mr
			ON CONFLICT (account_id, currency, month) DO UPDATE SET amount = excluded.amount
	), g AS (
		SELECT account_id, currency, max(v) AS v, min(date) AS f, max(date) AS l FROM q GROUP BY 1, 2
	), base AS (
		SELECT g.account_id, g.currency, g.v, coalesce((SELECT b.amount FROM balance_versions b
				WHERE b.account_id = g.account_id AND b.currency = g.currency AND b.date < g.f
				ORDER BY b.date DESC, b.entry_id DESC LIMIT 1), 0) AS amount
		FROM g
	), s AS (
		-- LATERAL: an index range per account (a join was planned as a
		-- scan of the whole table, the import's CPU doubled).
		SELECT g.account_id, g.currency, b.date, b.amount
		FROM g CROSS JOIN LATERAL (SELECT DISTINCT ON (b.date) b.date, b.amount FROM balance_versions b
			WHERE b.account_id = g.account_id AND b.currency = g.currency AND b.date >= g.f
			ORDER BY b.date, b.entry_id DESC) b
	), u AS (
		SELECT account_id, currency, date, sum(delta) AS delta FROM (
			SELECT s.account_id, s.currency, s.date,
				s.amount - lag(s.amount, 1, base.amount) OVER (PARTITION BY s.account_id, s.currency ORDER BY s.date) AS delta
			FROM s JOIN base USING (account_id, currency)
			UNION ALL
			SELECT account_id, currency, date, amount FROM q
		) x GROUP BY 1, 2, 3
	), spans AS (
		INSERT INTO balance_spans (account_id, currency, entry_id, first_date, last_date)
			SELECT g.account_id, g.currency, g.v, least(g.f, ps.first_date), greatest(g.l, ps.last_date)
			FROM g LEFT JOIN LATERAL (SELECT ps.first_date, ps.last_date FROM balance_spans ps
				WHERE ps.account_id = g.account_id AND ps.currency = g.currency
				ORDER BY ps.entry_id DESC LIMIT 1) ps ON true
	)
	INSERT INTO balance_versions (account_id, currency, date, entry_id, amount)
		SELECT u.account_id, u.currency, u.date, base.v,
			base.amount + sum(u.delta) OVER (PARTITION BY u.account_id, u.currency ORDER BY u.date)
		FROM u JOIN base USING (account_id, currency);
END $$;

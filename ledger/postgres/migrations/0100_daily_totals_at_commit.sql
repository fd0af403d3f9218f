-- 0100: the daily totals at commit, from the balance versions' grouping
-- (issue #14, the import's speed; docs/postgres.md, "Session 20").
--
-- revshare_entries_seal added each statement's sums per account, currency
-- and day to daily_totals (0001, 0097): a join of the statement's postings
-- to its entries and a hash aggregate per statement, about a quarter of an
-- import's backend CPU on a per-event file with the rows' insertion.
-- revshare_versions_add, at commit (0094), groups the same postings by the
-- same account, currency and day (its q) once per recorded-at instant of
-- the transaction: the daily totals now go in from that grouping, and the
-- seal no longer writes them. The rows are the same (sums of the same
-- postings, an instant's added to the stored ones as a statement's were);
-- they are written at the transaction's commit, as the marks and versions
-- are, so a reader inside a write transaction no longer sees its own
-- posts' daily totals (revshare reads them on the pool, committed data
-- only). The rest of both functions is 0097's and 0093's.
CREATE OR REPLACE FUNCTION revshare_entries_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	first_id bigint;
	last_id  bigint;
	n        bigint;
	bad      bigint;
	head     record;
	closed   date;
BEGIN
	SELECT min(id), max(id), count(*) INTO first_id, last_id, n FROM new_entries;
	IF n = 0 THEN
		RETURN NULL;
	END IF;
	IF last_id - first_id + 1 <> n OR (SELECT max(id) FROM entries) <> last_id THEN
		RAISE EXCEPTION 'entry id must follow the last entry' USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	SELECT hash, recorded_at, recorded_ns INTO head FROM entries WHERE id = first_id - 1;
	IF first_id > 1 AND NOT FOUND THEN
		RAISE EXCEPTION 'entry id must follow the last entry' USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	SELECT id INTO bad FROM (
		SELECT id, prev_hash, recorded_at, recorded_ns,
			lag(hash, 1, coalesce(head.hash, ''::bytea)) OVER w AS want_prev,
			lag(recorded_at, 1, head.recorded_at) OVER w AS prev_at,
			lag(recorded_ns, 1, head.recorded_ns) OVER w AS prev_ns
		FROM new_entries WINDOW w AS (ORDER BY id)
	) c WHERE prev_hash <> want_prev OR (recorded_at, recorded_ns) < (prev_at, prev_ns)
	ORDER BY id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'entry %: prev_hash must be the hash of the entry before it, and recorded_at may not go back', bad
			USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	SELECT max(through) INTO closed FROM period_closes;
	IF (SELECT min(date) FROM new_entries) <= closed THEN
		RAISE EXCEPTION 'entry is dated in a closed period (closed through %)', closed USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	IF (SELECT count(DISTINCT entry_id) FROM postings WHERE entry_id BETWEEN first_id AND last_id) <> n
	   OR EXISTS (SELECT 1 FROM postings WHERE entry_id BETWEEN first_id AND last_id GROUP BY entry_id HAVING count(*) < 2) THEN
		RAISE EXCEPTION 'entry has fewer than 2 postings' USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	SELECT entry_id INTO bad FROM postings WHERE entry_id BETWEEN first_id AND last_id
		GROUP BY entry_id, currency HAVING sum(amount) <> 0 ORDER BY entry_id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'entry % does not balance', bad USING ERRCODE = 'integrity_constraint_violation';
	END IF;

	INSERT INTO balance_totals AS t (account_id, currency, amount)
		SELECT account_id, currency, sum(amount) FROM postings
		WHERE entry_id BETWEEN first_id AND last_id GROUP BY account_id, currency
		ON CONFLICT (account_id, currency) DO UPDATE SET amount = t.amount + excluded.amount;
	UPDATE journal_head SET entry_id = last_id, hash = (SELECT hash FROM new_entries WHERE id = last_id);
	RETURN NULL;
END $$;


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


-- CREATE OR REPLACE resets what 0095 set on the seal: the definer, the
-- search_path. revshare_versions_add keeps its owner and its ACL (0095
-- revoked PUBLIC's EXECUTE) and runs inside the flush, a definer.
DO $$
BEGIN
	EXECUTE format('ALTER FUNCTION %I.revshare_entries_seal() SECURITY DEFINER SET search_path = %I, pg_temp',
		current_schema(), current_schema());
END $$;

-- 0097: the daily totals of a post's new days by a plain INSERT (issue #14,
-- the import's speed; docs/postgres.md, "Session 14").
--
-- revshare_entries_seal added each statement's sums per account, currency
-- and day with INSERT ... ON CONFLICT DO UPDATE. ON CONFLICT inserts each
-- row speculatively (a probe of the key, the insertion, then a second WAL
-- record to confirm it), which cost about half of the daily totals' share
-- of an import of per-event rows, where nearly every row is a new day:
-- a day after the last stored one cannot meet a stored row, so those rows
-- go in with a plain INSERT and only the others through ON CONFLICT. The
-- rest of the function is 0001's.
CREATE OR REPLACE FUNCTION revshare_entries_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	first_id bigint;
	last_id  bigint;
	n        bigint;
	bad      bigint;
	head     record;
	closed   date;
	top      date;
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
	-- A day after the last stored one is new: a plain INSERT. Only the
	-- others may meet a stored row (ON CONFLICT, which costs a speculative
	-- insertion per row). The two are disjoint; d is computed once.
	top := (SELECT max(date) FROM daily_totals);
	WITH d AS MATERIALIZED (
		SELECT p.account_id, p.currency, e.date, sum(p.amount) AS amount
		FROM postings p JOIN new_entries e ON e.id = p.entry_id
		WHERE p.entry_id BETWEEN first_id AND last_id GROUP BY e.date, p.account_id, p.currency
	), fresh AS (
		INSERT INTO daily_totals (account_id, currency, date, amount)
			SELECT account_id, currency, date, amount FROM d WHERE top IS NULL OR date > top
	)
	INSERT INTO daily_totals AS t (account_id, currency, date, amount)
		SELECT account_id, currency, date, amount FROM d WHERE date <= top
		ON CONFLICT (date, account_id, currency) DO UPDATE SET amount = t.amount + excluded.amount;
	UPDATE journal_head SET entry_id = last_id, hash = (SELECT hash FROM new_entries WHERE id = last_id);
	RETURN NULL;
END $$;

-- CREATE OR REPLACE resets what 0095 set: the definer, the search_path.
DO $$
BEGIN
	EXECUTE format('ALTER FUNCTION %I.revshare_entries_seal() SECURITY DEFINER SET search_path = %I, pg_temp',
		current_schema(), current_schema());
END $$;

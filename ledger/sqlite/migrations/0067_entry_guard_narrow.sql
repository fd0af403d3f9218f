-- 0067: the entry guard's balance check, cheaper for narrow postings.
-- When every posting of an entry is in one currency and narrow (its limbs
-- l0 and l3..l7 zero: at most 9 integer and 9 fractional digits), the sum
-- is zero exactly when s1 is a multiple of 10^9 and s2 + s1 / 10^9 is
-- zero: 0050's carry chain with the other limbs' sums at zero. Any other
-- entry takes that chain, per currency, as before. The verdicts and the
-- messages are 0061's (TestEntryGuardBalance); the hash chain's checks
-- are unchanged. Why: the chain's eight sums and 36 nested divisions were
-- most of the guard's cost (docs/design/speed.md, section 2, session 23).

DROP TRIGGER entries_insert_guard;

CREATE TRIGGER entries_insert_guard AFTER INSERT ON entries
BEGIN
	SELECT CASE
		WHEN n < 2 THEN RAISE(ABORT, 'entry has fewer than 2 postings')
		WHEN one_currency AND narrow THEN CASE
			WHEN s1 % 1000000000 != 0 OR s2 + s1 / 1000000000 != 0
			THEN RAISE(ABORT, 'entry does not balance') END
		WHEN EXISTS (
			SELECT 1 FROM (SELECT sum(l0) AS s0, sum(l1) AS s1, sum(l2) AS s2, sum(l3) AS s3, sum(l4) AS s4, sum(l5) AS s5, sum(l6) AS s6, sum(l7) AS s7 FROM postings WHERE entry_id = NEW.id GROUP BY currency)
			WHERE s0 % 1000000000 != 0
			  OR (s1 + s0 / 1000000000) % 1000000000 != 0
			  OR (s2 + (s1 + s0 / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s6 + (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) % 1000000000 != 0
			  OR (s7 + (s6 + (s5 + (s4 + (s3 + (s2 + (s1 + s0 / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) / 1000000000) != 0)
		THEN RAISE(ABORT, 'entry does not balance')
	END
	FROM (SELECT count(*) AS n, min(currency) = max(currency) AS one_currency, sum(l1) AS s1, sum(l2) AS s2,
			NOT max(l0 != 0 OR l3 != 0 OR l4 != 0 OR l5 != 0 OR l6 != 0 OR l7 != 0) AS narrow
		FROM postings WHERE entry_id = NEW.id);
	SELECT CASE
		WHEN NEW.id IS NOT (SELECT max(id) FROM entries)
		THEN RAISE(ABORT, 'entry id must follow the last entry')
		-- the previous entry's hash; '' before entry 1; NULL when missing
		WHEN NEW.prev_hash IS NOT coalesce((SELECT hash FROM entries WHERE id = NEW.id - 1), CASE WHEN NEW.id = 1 THEN '' END)
		THEN CASE
			WHEN NEW.id != 1 AND NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.id - 1)
			THEN RAISE(ABORT, 'entry id must follow the last entry')
			ELSE RAISE(ABORT, 'entry prev_hash must be the hash of the last entry') END
		WHEN NEW.date <= (SELECT max(through) FROM period_closes)
		THEN RAISE(ABORT, 'entry is dated in a closed period')
	END;
END;

-- 0006: the journal's insert guards run AFTER the row is written.
--
-- Same rules and messages as 0001; a refused row still aborts its statement,
-- which undoes it. Cheaper: SQLite computes a table's generated columns a
-- second time for a BEFORE trigger (postings' integer columns, the costly
-- part of a posting insert), and copies the row for it. The chain check now
-- reads the entry before this one once.
--
-- After the insert the new row is in the table: its ID follows the last
-- entry when it is the largest ID and the entry before it exists (or it is
-- entry 1). IDs are contiguous from 1 (every insert passed this check and
-- no delete is allowed), so that is the same rule as 0001's.

DROP TRIGGER postings_sealed;
CREATE TRIGGER postings_sealed AFTER INSERT ON postings
BEGIN
	SELECT RAISE(ABORT, 'entry is sealed: no postings may be added')
	WHERE EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id);
END;

DROP TRIGGER entries_insert_guard;
CREATE TRIGGER entries_insert_guard AFTER INSERT ON entries
BEGIN
	SELECT CASE
		WHEN count(*) < 2 THEN RAISE(ABORT, 'entry has fewer than 2 postings')
		WHEN min(currency) = max(currency) THEN CASE
			WHEN sum(frac_lo) % 1000000000 != 0
			  OR (sum(frac_hi) + sum(frac_lo) / 1000000000) % 1000000000 != 0
			  OR sum(units) + (sum(frac_hi) + sum(frac_lo) / 1000000000) / 1000000000 != 0
			THEN RAISE(ABORT, 'entry does not balance') END
		WHEN EXISTS (
			SELECT 1 FROM postings WHERE entry_id = NEW.id GROUP BY currency
			HAVING sum(frac_lo) % 1000000000 != 0
			    OR (sum(frac_hi) + sum(frac_lo) / 1000000000) % 1000000000 != 0
			    OR sum(units) + (sum(frac_hi) + sum(frac_lo) / 1000000000) / 1000000000 != 0)
		THEN RAISE(ABORT, 'entry does not balance')
	END
	FROM postings WHERE entry_id = NEW.id;
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

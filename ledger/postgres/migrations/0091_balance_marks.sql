-- 0091: the known-at trial balance from marks (issue #14; docs/postgres.md,
-- "Reads"), the shape of SQLite's balance_marks (its migration 0025).
--
-- Before, a known-at view before the last entry summed the postings of
-- that prefix of the journal: 2.0 s on the 1M per-event book.
--
-- balance_marks holds, per account and currency, a row at the last entry
-- of each recorded-at instant that posts to it (per statement: a post of
-- several COPYs may leave one per COPY), with the sum of all the
-- account's postings up to that entry. Recorded-at never goes back along
-- the journal, so "known at T" is the prefix ending at the last entry of
-- an instant (the cut), and the account's balance in it is its last mark
-- at or before the cut: an entry of the account's after that mark and up
-- to the cut would be in a later instant group, which has its own mark.
--
-- Kept by a statement trigger on entries after entries_seal (name order),
-- which has already added the post to balance_totals: a mark is the new
-- total less the account's postings of this statement after it. Verify
-- recomputes every mark and requires one at every account's last entry of
-- each instant (verify.go).
CREATE TABLE balance_marks (
	account_id bigint NOT NULL REFERENCES accounts (id),
	currency   text COLLATE "C" NOT NULL,
	entry_id   bigint NOT NULL,
	amount     numeric NOT NULL,  -- the account's postings up to entry_id
	PRIMARY KEY (account_id, currency, entry_id)
);

-- Existing books: one mark per account, currency and instant, at the
-- instant's last entry that posts to the account.
INSERT INTO balance_marks (account_id, currency, entry_id, amount)
	SELECT account_id, currency, entry_id, sum(delta) OVER (PARTITION BY account_id, currency ORDER BY entry_id)
	FROM (SELECT p.account_id, p.currency, max(p.entry_id) AS entry_id, sum(p.amount) AS delta
		FROM postings p JOIN entries e ON e.id = p.entry_id
		GROUP BY p.account_id, p.currency, e.recorded_at, e.recorded_ns) g;

CREATE FUNCTION revshare_entries_marks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	first_id bigint;
	last_id  bigint;
BEGIN
	SELECT min(id), max(id) INTO first_id, last_id FROM new_entries;
	IF first_id IS NULL THEN
		RETURN NULL;
	END IF;
	INSERT INTO balance_marks (account_id, currency, entry_id, amount)
		SELECT g.account_id, g.currency, g.entry_id, t.amount - coalesce(sum(g.delta) OVER (PARTITION BY g.account_id, g.currency
				ORDER BY g.entry_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
		FROM (SELECT p.account_id, p.currency, max(p.entry_id) AS entry_id, sum(p.amount) AS delta
			FROM postings p JOIN new_entries e ON e.id = p.entry_id
			WHERE p.entry_id BETWEEN first_id AND last_id
			GROUP BY p.account_id, p.currency, e.recorded_at, e.recorded_ns) g
		JOIN balance_totals t ON t.account_id = g.account_id AND t.currency = g.currency;
	RETURN NULL;
END $$;
CREATE TRIGGER entries_seal_marks AFTER INSERT ON entries
	REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION revshare_entries_marks();
CREATE TRIGGER balance_marks_derived BEFORE INSERT OR UPDATE OR DELETE ON balance_marks
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('balance marks are derived from the postings');
CREATE TRIGGER balance_marks_no_truncate BEFORE TRUNCATE ON balance_marks
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('balance marks are derived from the postings');

-- The cut of a known-at view is the last entry recorded at or before T.
-- As max(id) over the entries up to T it read every one of them (0.98 s
-- for half of the 1M book, more than the view): with the ID in the index
-- it is the first row of a backward scan from T (recorded-at never goes
-- back along the journal, so the last instant's highest ID is the cut).
CREATE INDEX entries_recorded_id ON entries (recorded_at, recorded_ns, id);
DROP INDEX entries_recorded;

-- 0094: balance marks, spans and versions once per transaction, at its
-- commit, as SQLite writes them (issue #14; docs/postgres.md, "Reads").
--
-- 0091 and 0093 wrote them per statement: an import posts its entries in
-- statements of up to 10,000 groups (usage.MaxOpenGroups), all at the
-- transaction's one recorded-at instant, so a 100,000-event import wrote
-- ten marks and ten spans per account (200,000 each on the 1M per-event
-- book, where the known-at views need 20,000), and a file not in date
-- order rewrote an account's later dates once per statement. A version is
-- now an account's last entry of a recorded-at instant in a transaction.
--
-- How: the statement trigger on entries notes the statement's ID range in
-- balance_pending; a deferred constraint trigger on that table (constraint
-- triggers are per row: one event per statement, not per entry) runs at
-- commit, takes every range noted (the first of its events finds them,
-- the others none), and writes the marks and then the versions of each
-- recorded-at instant in them. A deferred trigger rather than a call
-- revshare makes before its commit: every writer (Post, the books,
-- revshare copy's raw INSERTs, a client past revshare) still goes through
-- it, and nothing reads these tables inside a write transaction (the
-- known-at views read committed data on the pool). A transaction's entries
-- are consecutive IDs (the chain has no gaps), so the ranges make one.
-- balance_totals is final at commit, so a mark is the account's total less
-- its postings of the transaction after the mark, as in 0091.
--
-- Books written before keep their per-statement rows: they are versions at
-- entries of an instant too, which the views and verify read as before.
CREATE TABLE balance_pending (
	first_id bigint NOT NULL,
	last_id  bigint NOT NULL
);

CREATE FUNCTION revshare_entries_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO balance_pending (first_id, last_id)
		SELECT min(id), max(id) FROM new_entries HAVING count(*) > 0;
	RETURN NULL;
END $$;

CREATE FUNCTION revshare_balance_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	first_id bigint;
	last_id  bigint;
	r        record;
BEGIN
	SELECT min(p.first_id), max(p.last_id) INTO first_id, last_id FROM balance_pending p;
	IF first_id IS NULL THEN
		RETURN NULL;  -- an earlier event of this commit wrote them
	END IF;
	DELETE FROM balance_pending;
	INSERT INTO balance_marks (account_id, currency, entry_id, amount)
		SELECT g.account_id, g.currency, g.entry_id, t.amount - coalesce(sum(g.delta) OVER (PARTITION BY g.account_id, g.currency
				ORDER BY g.entry_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
		FROM (SELECT p.account_id, p.currency, max(p.entry_id) AS entry_id, sum(p.amount) AS delta
			FROM postings p JOIN entries e ON e.id = p.entry_id
			WHERE p.entry_id BETWEEN first_id AND last_id AND e.id BETWEEN first_id AND last_id
			GROUP BY p.account_id, p.currency, e.recorded_at, e.recorded_ns) g
		JOIN balance_totals t ON t.account_id = g.account_id AND t.currency = g.currency;
	FOR r IN SELECT min(e.id) AS f, max(e.id) AS l FROM entries e WHERE e.id BETWEEN first_id AND last_id
			GROUP BY e.recorded_at, e.recorded_ns ORDER BY 1 LOOP
		PERFORM revshare_versions_add(r.f, r.l);
	END LOOP;
	RETURN NULL;
END $$;

DROP TRIGGER entries_seal_marks ON entries;
DROP TRIGGER entries_seal_versions ON entries;
DROP FUNCTION revshare_entries_marks();
DROP FUNCTION revshare_entries_versions();

CREATE TRIGGER entries_seal_pending AFTER INSERT ON entries
	REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION revshare_entries_pending();
CREATE CONSTRAINT TRIGGER balance_pending_flush AFTER INSERT ON balance_pending
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION revshare_balance_flush();
CREATE TRIGGER balance_pending_derived BEFORE INSERT OR UPDATE OR DELETE ON balance_pending
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('pending balance versions are derived from the postings');
CREATE TRIGGER balance_pending_no_truncate BEFORE TRUNCATE ON balance_pending
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('pending balance versions are derived from the postings');

-- 0096: the import's per-row foreign-key checks become per-statement checks
-- (issue #14, the import's speed; docs/postgres.md, "Session 14").
--
-- A foreign key is a row trigger: each inserted row runs a query on the
-- referenced table (SELECT ... FOR KEY SHARE, which also locks the row).
-- An import of the 1M per-event book ran about 5.5 million of them: two per
-- posting at commit (postings -> entries), two per entry for the daily
-- totals and more for the other running totals (-> accounts), one per
-- group link (import_groups -> import_batches). They go:
--
-- * The running totals' account_id (balance_totals, daily_totals,
--   monthly_totals, balance_marks): these tables are written only by the
--   entries triggers (pg_trigger_depth() > 0), from postings, whose
--   accounts revshare_postings_sealed checks once per statement, and
--   accounts are never deleted. The key checked again what was checked.
-- * entries.reverses: CHECK (reverses >= 1 AND reverses < id) with the IDs
--   contiguous from 1 (revshare_entries_seal) already means the entry
--   exists.
-- * postings.entry_id, deferred to commit: postings go in before their
--   entry, and none may stay without one. IDs are contiguous and a posting
--   of a sealed entry is refused, so "every posting has its entry" is
--   "no posting's entry_id is above the last entry's" at commit: one check
--   of two index ends per transaction (revshare_postings_flush, a deferred
--   trigger on postings_pending, the pattern of 0094's balance_pending),
--   with the foreign key's message.
-- * import_groups.batch_id: one anti-join over the statement's rows
--   (revshare_groups_batch), with the foreign key's message.
ALTER TABLE balance_totals DROP CONSTRAINT balance_totals_account_id_fkey;
ALTER TABLE daily_totals DROP CONSTRAINT daily_totals_account_id_fkey;
ALTER TABLE monthly_totals DROP CONSTRAINT monthly_totals_account_id_fkey;
ALTER TABLE balance_marks DROP CONSTRAINT balance_marks_account_id_fkey;
ALTER TABLE entries DROP CONSTRAINT entries_reverses_fkey;
ALTER TABLE postings DROP CONSTRAINT postings_entry_id_fkey;
ALTER TABLE import_groups DROP CONSTRAINT import_groups_batch_id_fkey;

-- One row per statement that inserted postings in the open transaction.
CREATE TABLE postings_pending (
	entry_id bigint NOT NULL  -- the statement's highest entry_id
);

CREATE OR REPLACE FUNCTION revshare_postings_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT min(entry_id) FROM new_postings) <= (SELECT coalesce(max(id), 0) FROM entries) THEN
		RAISE EXCEPTION 'entry is sealed: no postings may be added' USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	IF EXISTS (SELECT 1 FROM new_postings p WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = p.account_id)) THEN
		RAISE EXCEPTION 'posting to an account that does not exist' USING ERRCODE = 'foreign_key_violation';
	END IF;
	INSERT INTO postings_pending (entry_id) SELECT max(entry_id) FROM new_postings HAVING count(*) > 0;
	RETURN NULL;
END $$;

-- At commit: the first event finds the rows and checks, the others none.
CREATE FUNCTION revshare_postings_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	top bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM postings_pending) THEN
		RETURN NULL;
	END IF;
	DELETE FROM postings_pending;
	SELECT max(entry_id) INTO top FROM postings;
	IF top > (SELECT coalesce(max(id), 0) FROM entries) THEN
		RAISE EXCEPTION 'insert or update on table "postings" violates foreign key constraint "postings_entry_id_fkey"'
			USING ERRCODE = 'foreign_key_violation',
			DETAIL = format('Key (entry_id)=(%s) is not present in table "entries".', top);
	END IF;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER postings_pending_check AFTER INSERT ON postings_pending
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION revshare_postings_flush();
CREATE TRIGGER postings_pending_derived BEFORE INSERT OR UPDATE OR DELETE ON postings_pending
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('pending postings are derived from the postings');
CREATE TRIGGER postings_pending_no_truncate BEFORE TRUNCATE ON postings_pending
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('pending postings are derived from the postings');

CREATE FUNCTION revshare_groups_batch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	bad bigint;
BEGIN
	SELECT g.batch_id INTO bad FROM (SELECT DISTINCT batch_id FROM new_groups) g
		WHERE NOT EXISTS (SELECT 1 FROM import_batches b WHERE b.id = g.batch_id) ORDER BY 1 LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'insert or update on table "import_groups" violates foreign key constraint "import_groups_batch_id_fkey"'
			USING ERRCODE = 'foreign_key_violation',
			DETAIL = format('Key (batch_id)=(%s) is not present in table "import_batches".', bad);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER import_groups_batch AFTER INSERT ON import_groups
	REFERENCING NEW TABLE AS new_groups FOR EACH STATEMENT EXECUTE FUNCTION revshare_groups_batch();

-- The postings' trigger now writes postings_pending, which the login role
-- may not: it runs as its owner, as 0095's do.
DO $$
DECLARE
	f text;
BEGIN
	FOREACH f IN ARRAY ARRAY['revshare_postings_sealed()', 'revshare_postings_flush()'] LOOP
		EXECUTE format('ALTER FUNCTION %I.%s SECURITY DEFINER SET search_path = %I, pg_temp',
			current_schema(), f, current_schema());
		EXECUTE format('REVOKE EXECUTE ON FUNCTION %I.%s FROM PUBLIC', current_schema(), f);
	END LOOP;
END $$;

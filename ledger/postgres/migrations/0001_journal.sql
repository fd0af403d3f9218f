-- 0001: the double-entry journal, PostgreSQL's twin of ledger/sqlite's
-- 0001 (same rows, same invariants, enforced by the database itself).
--
-- Types: amounts are NUMERIC (exact, scale kept: "10.50" reads back as
-- 10.50), dates DATE, and the recorded-at instant a TIMESTAMPTZ (whole
-- microseconds) plus recorded_ns, its nanoseconds below the microsecond:
-- the chain hash covers the instant to the nanosecond (RFC 3339 with
-- nanoseconds), and a book copied from SQLite keeps its hashes. Names and
-- keys are COLLATE "C" so that ORDER BY is byte order, as in Go.
--
-- Writes: a post inserts its postings first (COPY), then the entries that
-- seal them (COPY); a statement trigger on entries checks the new entries
-- as a set: contiguous IDs after the head, prev_hash linking each to the
-- one before, recorded-at never going back, dates after the closed period,
-- at least two postings each, balanced per currency. The same trigger keeps
-- the running totals the trial balance reads.

CREATE TABLE accounts (
	id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text COLLATE "C" NOT NULL UNIQUE
		CHECK (name ~ '^(assets|liabilities|equity|income|expenses)(:[a-z0-9._-]+)+$'),
	type text NOT NULL CHECK (type = CASE split_part(name, ':', 1)
		WHEN 'assets' THEN 'asset' WHEN 'liabilities' THEN 'liability' WHEN 'equity' THEN 'equity'
		WHEN 'income' THEN 'income' WHEN 'expenses' THEN 'expense' END)
);

CREATE TABLE entries (
	id          bigint PRIMARY KEY CHECK (id >= 1),
	source      text COLLATE "C" NOT NULL CHECK (source <> ''),
	external_id text COLLATE "C" NOT NULL CHECK (external_id <> ''),
	date        date NOT NULL,
	recorded_at timestamptz NOT NULL,
	recorded_ns smallint NOT NULL CHECK (recorded_ns BETWEEN 0 AND 999),
	description text NOT NULL,
	meta        jsonb NOT NULL CHECK (jsonb_typeof(meta) = 'object'
		AND NOT jsonb_path_exists(meta, '$.* ? (@.type() != "string")')),
	reverses    bigint REFERENCES entries (id) CHECK (reverses >= 1 AND reverses < id),
	prev_hash   bytea NOT NULL CHECK (length(prev_hash) IN (0, 32)), -- SHA-256, empty for the first entry
	hash        bytea NOT NULL CHECK (length(hash) = 32),
	UNIQUE (source, external_id)
);
CREATE INDEX entries_recorded ON entries (recorded_at, recorded_ns);
CREATE INDEX entries_date ON entries (date);

-- The foreign key to entries is checked at commit: postings go in before
-- the entry that seals them, and none may stay without one. account_id is
-- checked by the postings trigger, once per statement (accounts are never
-- deleted), rather than by a foreign key, which would query per row.
CREATE TABLE postings (
	entry_id   bigint NOT NULL REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
	seq        integer NOT NULL CHECK (seq >= 1),
	account_id bigint NOT NULL,
	currency   text COLLATE "C" NOT NULL
		CHECK (length(currency) = 3 AND translate(currency, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = ''),
	amount     numeric NOT NULL CHECK (scale(amount) <= 18 AND abs(amount) < 100000000000000),
	PRIMARY KEY (entry_id, seq)
);
CREATE INDEX postings_account ON postings (account_id, entry_id);

-- The last entry (one row, moved by the entries trigger only).
CREATE TABLE journal_head (
	id       integer PRIMARY KEY CHECK (id = 1),
	entry_id bigint NOT NULL,
	hash     bytea NOT NULL
);
INSERT INTO journal_head VALUES (1, 0, '');

-- One row per close; the closed-through date is the latest "through".
CREATE TABLE period_closes (
	through   date PRIMARY KEY,
	closed_at timestamptz NOT NULL,
	head_id   bigint NOT NULL,  -- the chain head when the close happened
	head_hash bytea NOT NULL
);

-- Running sums of the postings per account and currency, and per day:
-- the current trial balance reads the first, an as-of one the second.
-- Written by the entries trigger only, in the transaction of the post.
CREATE TABLE balance_totals (
	account_id bigint NOT NULL REFERENCES accounts (id),
	currency   text COLLATE "C" NOT NULL,
	amount     numeric NOT NULL,
	PRIMARY KEY (account_id, currency)
);
CREATE TABLE daily_totals (
	account_id bigint NOT NULL REFERENCES accounts (id),
	currency   text COLLATE "C" NOT NULL,
	date       date NOT NULL,
	amount     numeric NOT NULL,
	PRIMARY KEY (date, account_id, currency)
);
-- An as-of view late in the book subtracts the days after it from the
-- current totals, account by account.
CREATE INDEX daily_totals_account ON daily_totals (account_id, currency, date);

-- Postings may only be added to entries not yet sealed: entry IDs are
-- contiguous, so every ID up to the last entry's is sealed. Their accounts
-- must exist.
CREATE FUNCTION revshare_postings_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT min(entry_id) FROM new_postings) <= (SELECT coalesce(max(id), 0) FROM entries) THEN
		RAISE EXCEPTION 'entry is sealed: no postings may be added' USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	IF EXISTS (SELECT 1 FROM new_postings p WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = p.account_id)) THEN
		RAISE EXCEPTION 'posting to an account that does not exist' USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER postings_sealed AFTER INSERT ON postings
	REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION revshare_postings_sealed();

CREATE FUNCTION revshare_entries_seal() RETURNS trigger LANGUAGE plpgsql AS $$
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
	INSERT INTO daily_totals AS t (account_id, currency, date, amount)
		SELECT p.account_id, p.currency, e.date, sum(p.amount)
		FROM postings p JOIN new_entries e ON e.id = p.entry_id
		WHERE p.entry_id BETWEEN first_id AND last_id GROUP BY e.date, p.account_id, p.currency
		ON CONFLICT (date, account_id, currency) DO UPDATE SET amount = t.amount + excluded.amount;
	UPDATE journal_head SET entry_id = last_id, hash = (SELECT hash FROM new_entries WHERE id = last_id);
	RETURN NULL;
END $$;
CREATE TRIGGER entries_seal AFTER INSERT ON entries
	REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION revshare_entries_seal();

-- Append-only: the journal's rows never change and are never removed
-- (corrections are new entries). TRUNCATE fires no row trigger, so it has
-- its own.
CREATE FUNCTION revshare_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER entries_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON entries
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('entries are immutable: post a correcting entry instead');
CREATE TRIGGER postings_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON postings
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('entries are immutable: postings cannot be changed');
CREATE TRIGGER accounts_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON accounts
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('accounts are immutable');
CREATE TRIGGER period_closes_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON period_closes
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('closed periods cannot be reopened');
CREATE TRIGGER journal_head_kept BEFORE INSERT OR DELETE OR TRUNCATE ON journal_head
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('the journal head cannot be replaced or deleted');
-- The derived rows change only from the entries trigger (trigger depth 1).
CREATE TRIGGER journal_head_derived BEFORE UPDATE ON journal_head
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('the journal head moves only when entries are posted');
CREATE TRIGGER balance_totals_derived BEFORE INSERT OR UPDATE OR DELETE ON balance_totals
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('balance totals are derived from the postings');
CREATE TRIGGER daily_totals_derived BEFORE INSERT OR UPDATE OR DELETE ON daily_totals
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('daily totals are derived from the postings');
CREATE TRIGGER balance_totals_no_truncate BEFORE TRUNCATE ON balance_totals
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('balance totals are derived from the postings');
CREATE TRIGGER daily_totals_no_truncate BEFORE TRUNCATE ON daily_totals
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('daily totals are derived from the postings');

CREATE FUNCTION revshare_closes_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.through <= (SELECT max(through) FROM period_closes) THEN
		RAISE EXCEPTION 'periods close forward only' USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER period_closes_forward BEFORE INSERT ON period_closes
	FOR EACH ROW EXECUTE FUNCTION revshare_closes_forward();

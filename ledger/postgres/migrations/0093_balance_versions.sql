-- 0093: the trial balance both as of a date and known at an instant
-- (--as-of D --known-at T) from balance versions (issue #14;
-- docs/postgres.md, "Reads"), the shape of SQLite's (its migration 0060).
--
-- Before, that view summed the postings of the known prefix dated up to D:
-- 2.8-4.1 s wall, about 0.8 s of server CPU, on half of the 1M per-event
-- book, where SQLite read one row per account.
--
-- A version is, per account and currency, its last entry of each
-- recorded-at instant of a statement (where the trigger of 0091 puts a
-- mark; this migration puts one per instant, as 0091's did).
-- balance_versions holds, per account, currency, date and
-- version, the sum of the account's postings dated up to that date in the
-- entries up to the version. A version writes a row at each date it posts
-- to and at each date the account already had from the earliest it posts
-- to on (their sums change), nothing else: so the rows at or before the
-- cut of a view known at T are at dates with a posting up to the cut, and
-- the balance as of D is, per account, the row at the last date on or
-- before D with a row up to the cut, at its last version up to the cut (no
-- posting up to the cut lies after that date and on or before D, and
-- every version up to the cut that posted on or before that date wrote a
-- row at it).
--
-- balance_spans holds, per account, currency and version, the first and
-- last dates of the account's postings up to the version: a view's date
-- before the first leaves the account out (no posting in the view), and on
-- or after the last the row to read is the one at the last date.
--
-- Kept by a statement trigger on entries (after entries_seal and the other
-- derived tables, name order), one set statement per recorded-at instant
-- of the statement (an instant is a range of IDs: recorded-at never goes
-- back). Verify recomputes both tables from the postings and the marks
-- (verify.go). No foreign key: a key checked per row would cost each row
-- of an import; verify's full join names any row of no account.
CREATE TABLE balance_versions (
	account_id bigint NOT NULL,
	currency   text COLLATE "C" NOT NULL,
	date       date NOT NULL,
	entry_id   bigint NOT NULL,   -- the version
	amount     numeric NOT NULL,  -- the account's postings dated up to date in the entries up to entry_id
	PRIMARY KEY (account_id, currency, date, entry_id)
);

CREATE TABLE balance_spans (
	account_id bigint NOT NULL,
	currency   text COLLATE "C" NOT NULL,
	entry_id   bigint NOT NULL,   -- the version
	first_date date NOT NULL,     -- the account's first and last posting dates up to entry_id
	last_date  date NOT NULL,
	PRIMARY KEY (account_id, currency, entry_id)
);

-- The versions of the entries first_id..last_id, one recorded-at instant
-- (their postings are stored; the versions before them too). Per account:
-- q, its sums per date; g, its version (the last entry posting to it), its
-- first and last dates; s, the dates it already has from the first on, at
-- their latest running sums; base, its running sum before the first date.
-- A row's amount is base plus the running sum, over the union of both
-- sets of dates, of the stored sums' steps and the new postings.
CREATE FUNCTION revshare_versions_add(first_id bigint, last_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	WITH q AS (
		SELECT p.account_id, p.currency, e.date, sum(p.amount) AS amount, max(p.entry_id) AS v
		FROM postings p JOIN entries e ON e.id = p.entry_id
		WHERE p.entry_id BETWEEN first_id AND last_id AND e.id BETWEEN first_id AND last_id
		GROUP BY 1, 2, 3
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

-- Existing books: the versions of each instant in turn (each statement
-- sees the ones before), one per account and instant, as 0091's marks.
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT min(id) AS first_id, max(id) AS last_id FROM entries GROUP BY recorded_at, recorded_ns ORDER BY 1 LOOP
		PERFORM revshare_versions_add(r.first_id, r.last_id);
	END LOOP;
END $$;

CREATE FUNCTION revshare_entries_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT min(id) AS first_id, max(id) AS last_id FROM new_entries GROUP BY recorded_at, recorded_ns ORDER BY 1 LOOP
		PERFORM revshare_versions_add(r.first_id, r.last_id);
	END LOOP;
	RETURN NULL;
END $$;
CREATE TRIGGER entries_seal_versions AFTER INSERT ON entries
	REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION revshare_entries_versions();
CREATE TRIGGER balance_versions_derived BEFORE INSERT OR UPDATE OR DELETE ON balance_versions
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('balance versions are derived from the postings');
CREATE TRIGGER balance_versions_no_truncate BEFORE TRUNCATE ON balance_versions
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('balance versions are derived from the postings');
CREATE TRIGGER balance_spans_derived BEFORE INSERT OR UPDATE OR DELETE ON balance_spans
	FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
	EXECUTE FUNCTION revshare_refuse('balance spans are derived from the postings');
CREATE TRIGGER balance_spans_no_truncate BEFORE TRUNCATE ON balance_spans
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('balance spans are derived from the postings');

-- 0095: two roles (issue #14; docs/postgres.md, "Two roles"). The schema's
-- owner runs the migrations; revshare's login role gets only what the
-- commands need (roles.go, loginGrants): SELECT and INSERT, UPDATE of a
-- running import batch's counters, of a token's revoked_at and of the data
-- version, nothing on the derived tables but SELECT. Then not even
-- revshare's own credentials can switch a trigger off, drop one, truncate
-- a table or write the derived tables: those need the owner.
--
-- The triggers that write tables the login role may not write (the
-- running totals, the months, the head, the pending ranges, the marks,
-- spans and versions) run as their owner: SECURITY DEFINER, with the
-- search_path fixed to this schema (then pg_temp, so a session's temporary
-- objects cannot stand in for the book's tables), as a definer function
-- must. Nobody else may call them: trigger functions are not callable, and
-- revshare_versions_add (called by the flush only) loses PUBLIC's EXECUTE.
-- In a single-role book (the owner logs in) nothing changes: the definer
-- is the caller.
--
-- revshare_balances_as_of stays SECURITY INVOKER without a SET clause:
-- either would stop the planner inlining it into the view (0085).
--
-- login_roles lists the roles granted with `revshare grant`, so that a
-- later migration, applied by the owner, grants them what it adds.
CREATE TABLE login_roles (
	role       text COLLATE "C" PRIMARY KEY,
	granted_at timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE
	f text;
BEGIN
	FOREACH f IN ARRAY ARRAY['revshare_entries_seal()', 'revshare_entries_months()',
			'revshare_entries_pending()', 'revshare_balance_flush()'] LOOP
		EXECUTE format('ALTER FUNCTION %I.%s SECURITY DEFINER SET search_path = %I, pg_temp',
			current_schema(), f, current_schema());
		EXECUTE format('REVOKE EXECUTE ON FUNCTION %I.%s FROM PUBLIC', current_schema(), f);
	END LOOP;
	EXECUTE format('REVOKE EXECUTE ON FUNCTION %I.revshare_versions_add(bigint, bigint) FROM PUBLIC', current_schema());
END $$;

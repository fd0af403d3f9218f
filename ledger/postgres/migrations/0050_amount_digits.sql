-- 0050: a posting's amount may have up to 54 integer digits (0001 bounded it
-- below 10^14). Input amounts have up to 18 integer digits (spec section 1);
-- sums of events and obligations derived from them need more. NUMERIC sums
-- are exact at any size, so only the bound moves, to SQLite's (docs/ledger.md).
ALTER TABLE postings DROP CONSTRAINT postings_amount_check;
ALTER TABLE postings ADD CONSTRAINT postings_amount_check
	CHECK (scale(amount) <= 18 AND abs(amount) < 1000000000000000000000000000000000000000000000000000000);

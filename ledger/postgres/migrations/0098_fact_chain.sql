-- 0098: the fact chain, as on SQLite (0062). The rows of the books that are
-- not journal entries and that verify cannot rebuild from anything else
-- (runs, period_closes, contracts, statements, import_batches with their
-- fx_rates and rejects) are sealed, once final, by a link of this chain:
-- the row's table, key and columns as text (content), hashed with the link
-- before it (ledger.FactHash). fact_head keeps the last link, so that
-- removing it is seen. The migration's Go step seals the rows already
-- stored (docs/ledger.md, "The fact chain").

CREATE TABLE fact_chain (
	seq     bigint PRIMARY KEY CHECK (seq > 0),
	tbl     text NOT NULL,
	row_key text NOT NULL,
	content text NOT NULL,
	hash    text NOT NULL,
	UNIQUE (tbl, row_key)
);

CREATE TABLE fact_head (
	one  boolean PRIMARY KEY CHECK (one),
	seq  bigint NOT NULL,
	hash text NOT NULL
);

CREATE TRIGGER fact_chain_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON fact_chain
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('the fact chain is append-only');
CREATE TRIGGER fact_head_kept BEFORE DELETE OR TRUNCATE ON fact_head
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('the fact chain is append-only');

-- 0062: the fact chain. The rows of the books that are not journal entries
-- and that verify cannot rebuild from anything else (runs, period_closes,
-- contracts, statements, import_batches with their fx_rates and rejects)
-- are sealed, once final, by a link of this chain: the row's table, key
-- and columns as text (content), hashed with the link before it
-- (ledger.FactHash). fact_head keeps the last link, so that removing it is
-- seen. The migration's Go step seals the rows already stored
-- (docs/ledger.md, "The fact chain").

CREATE TABLE fact_chain (
	seq     INTEGER PRIMARY KEY,
	tbl     TEXT NOT NULL,
	row_key TEXT NOT NULL,
	content TEXT NOT NULL,
	hash    TEXT NOT NULL,
	UNIQUE (tbl, row_key)
);

CREATE TABLE fact_head (
	one  INTEGER PRIMARY KEY CHECK (one = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);

CREATE TRIGGER fact_chain_no_update BEFORE UPDATE ON fact_chain
BEGIN SELECT RAISE(ABORT, 'the fact chain is append-only'); END;

CREATE TRIGGER fact_chain_no_delete BEFORE DELETE ON fact_chain
BEGIN SELECT RAISE(ABORT, 'the fact chain is append-only'); END;

CREATE TRIGGER fact_head_no_delete BEFORE DELETE ON fact_head
BEGIN SELECT RAISE(ABORT, 'the fact chain is append-only'); END;

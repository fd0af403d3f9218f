-- 0010: what each final statement was rendered from, recorded with it at
-- its close so that verify can render it again and compare: the contract
-- version, the last event and the last exchange-rate batch the close knew.
-- Rows stored before 0010 have NULLs there: verify checks their hash only
-- (docs/ledger.md).
ALTER TABLE statements ADD COLUMN version INTEGER;
ALTER TABLE statements ADD COLUMN events_through INTEGER;
ALTER TABLE statements ADD COLUMN rates_through INTEGER;

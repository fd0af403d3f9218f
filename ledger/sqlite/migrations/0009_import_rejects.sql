-- 0009: the rejected rows of partial imports.
--
-- An --allow-partial import posts its good rows and rejects the bad ones;
-- each reject is stored with its batch, in the transaction of its chunk, so
-- an auditor can see which rows were rejected and why (GET /imports/{id}).
-- errors is a JSON array of {"column", "value", "reason"} objects; record a
-- JSON array of the row's fields as read (invalid UTF-8 shows as U+FFFD).
-- A batch's file header, needed to read the records, is stored once with
-- its first reject in import_reject_columns (a JSON array of the names as
-- written). A default-mode import with bad rows writes nothing, a dry run
-- neither, so neither stores rejects. Like events, rejects never change.

CREATE TABLE import_rejects (
	batch_id INTEGER NOT NULL REFERENCES import_batches (id),
	line     INTEGER NOT NULL,  -- physical line where the record starts
	errors   TEXT NOT NULL,
	record   TEXT NOT NULL,
	PRIMARY KEY (batch_id, line)
) WITHOUT ROWID;

CREATE TRIGGER import_rejects_no_update BEFORE UPDATE ON import_rejects
BEGIN SELECT RAISE(ABORT, 'import rejects are immutable'); END;
CREATE TRIGGER import_rejects_no_delete BEFORE DELETE ON import_rejects
BEGIN SELECT RAISE(ABORT, 'import rejects are immutable'); END;

CREATE TABLE import_reject_columns (
	batch_id INTEGER PRIMARY KEY REFERENCES import_batches (id),
	columns  TEXT NOT NULL
);

CREATE TRIGGER import_reject_columns_no_update BEFORE UPDATE ON import_reject_columns
BEGIN SELECT RAISE(ABORT, 'import rejects are immutable'); END;
CREATE TRIGGER import_reject_columns_no_delete BEFORE DELETE ON import_reject_columns
BEGIN SELECT RAISE(ABORT, 'import rejects are immutable'); END;

-- 0080: the data version (one row), moved by every write transaction
-- (DB.write) just before it commits, so that it changes exactly when a
-- write commits: the server tags its caches with it (DB.DataVersion), as
-- it does with SQLite's PRAGMA data_version. Writers already take turns on
-- the writer lock, so the one row costs them no waiting.
CREATE TABLE data_version (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	n   bigint NOT NULL CHECK (n >= 0)
);
INSERT INTO data_version VALUES (true, 0);
CREATE TRIGGER data_version_kept BEFORE DELETE OR TRUNCATE ON data_version
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('the data version is one row, never deleted');

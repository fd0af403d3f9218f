-- 0106: event sources are immutable, as on SQLite (0066). A source's name is
-- half of each of its events' idempotency key (source, event_id): renamed
-- by the schema's owner, the same events imported again under the old name
-- would post a second time. The login role holds only SELECT and INSERT on
-- the table; the trigger stops its owner too. Verify also checks each
-- event's source against its import batch's.

CREATE TRIGGER event_sources_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON event_sources
	FOR EACH STATEMENT EXECUTE FUNCTION revshare_refuse('event sources are immutable: a source''s name is part of its events'' idempotency key');

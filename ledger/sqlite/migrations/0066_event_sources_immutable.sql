-- 0066: event sources are immutable. A source's name is half of each of its
-- events' idempotency key (source, event_id): renamed by hand, the same
-- events imported again under the old name posted a second time, and
-- verify saw nothing (the hostile audit, docs/design/hostile-audit.md).
-- Verify now also checks each usage batch's source against its events'.

CREATE TRIGGER event_sources_no_update BEFORE UPDATE ON event_sources
BEGIN SELECT RAISE(ABORT, 'event sources are immutable: a source''s name is part of its events'' idempotency key'); END;

CREATE TRIGGER event_sources_no_delete BEFORE DELETE ON event_sources
BEGIN SELECT RAISE(ABORT, 'event sources are immutable: a source''s name is part of its events'' idempotency key'); END;

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// eventsByIDChunk is how many IDs one query asks for: well under SQLite's
// limit on host parameters (32766 since 3.32, 999 before).
const eventsByIDChunk = 500

// EventsByID returns the events with the given IDs, in the order given (an
// ID given twice comes back twice), read in one snapshot. It is meant for
// pages of IDs a caller already holds, such as a statement line's
// event_ids: every event is held in memory, so callers bound len(ids)
// themselves. An ID with no event is an ENOTFOUND error naming the first
// one missing.
func (db *DB) EventsByID(ctx context.Context, ids []int64) ([]ledger.Event, error) {
	if len(ids) == 0 {
		return []ledger.Event{}, nil
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sources, err := loadSources(ctx, tx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]ledger.Event, len(ids))
	entries := entryLinks{q: tx}
	var chunk []int64
	for start := 0; start < len(ids); start += eventsByIDChunk {
		chunk = chunk[:0]
		for _, id := range ids[start:min(start+eventsByIDChunk, len(ids))] {
			if _, seen := byID[id]; !seen {
				chunk = append(chunk, id)
			}
		}
		if len(chunk) == 0 {
			continue
		}
		if err := readEventsIn(ctx, tx, chunk, sources, &entries, byID); err != nil {
			return nil, err
		}
	}
	return ledger.EventsInOrder(ids, byID)
}

// readEventsIn reads the events whose IDs are in ids into byID. It decodes
// a row as eachEvent does (source name, fields, entry by batch and group).
func readEventsIn(ctx context.Context, q querier, ids []int64, sources map[int64]string, entries *entryLinks, byID map[int64]ledger.Event) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	query := `SELECT id, source_id, event_id, data FROM events WHERE id IN (?` + strings.Repeat(`,?`, len(ids)-1) + `) ORDER BY id`
	var fields eventFields
	_, err := eachEventRow(ctx, q, query, args, func(id, sourceNo int64, eventID, data string) (bool, error) {
		e := ledger.Event{ID: id, EventID: eventID}
		if err := fields.parse(data); err != nil {
			return false, fmt.Errorf("event %d: %w", e.ID, err)
		}
		group, err := fields.decodeEvent(&e)
		if err != nil {
			return false, err
		}
		if err := linkEvent(ctx, &e, group, sourceNo, sources, entries); err != nil {
			return false, err
		}
		byID[e.ID] = e
		return false, nil
	})
	return err
}

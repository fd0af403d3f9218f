package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

var _ ledger.EventStore = (*DB)(nil)

// storedEvent is an event as read back, with what the import compares.
type storedEvent struct {
	ev     ledger.Event
	digest [usage.DigestSize]byte
	line   int
}

// eventSelect reads events e with their source and entry (columns in
// scanEvent's order).
const eventSelect = `SELECT ` + eventColumns + ` ` + eventFrom

const eventColumns = eventContentColumns + `,
	coalesce(g.entry_id, 0)`

// eventContentColumns are eventColumns but the entry, which comes from the
// event's import group.
const eventContentColumns = `e.id, s.name, e.event_id, e.occurred, e.seller, e.channel, e.customer, e.product, e.region,
	e.quantity::text, e.unit_price::text, e.amount::text, e.currency, e.meta, e.digest, e.batch_id, e.line, e.late`

const eventFrom = eventSourceFrom + `
	LEFT JOIN import_groups g ON g.batch_id = e.batch_id AND g.group_no = e.group_no`

// eventSourceFrom is eventFrom without the import groups.
const eventSourceFrom = `FROM events e JOIN event_sources s ON s.id = e.source_id`

// readEvents reads up to limit events (0: no limit) with ID > after
// matching where (over events e, arguments from $1), in ID order.
func readEvents(ctx context.Context, q querier, where string, args []any, after int64, limit int) ([]storedEvent, error) {
	query, args := pageQuery(eventSelect, where, args, after, limit)
	return queryRows(ctx, q, scanEvent, query, args...)
}

func scanEvent(rows pgx.CollectableRow) (storedEvent, error) {
	sc := newEventScanner()
	if err := rows.Scan(sc.dest...); err != nil {
		return sc.s, err
	}
	return sc.event()
}

// eventScanner scans the columns of eventSelect, and any after them, into
// one storedEvent, again for each row (Verify's scan of the events).
type eventScanner struct {
	s                   storedEvent
	occurred, amount    string
	quantity, unitPrice *string
	digest              []byte
	line                int32
	dest                []any // eventSelect's columns, then extra
}

func newEventScanner(extra ...any) *eventScanner {
	sc := &eventScanner{}
	e := &sc.s.ev
	sc.dest = append([]any{&e.ID, &e.Source, &e.EventID, &sc.occurred, &e.Seller, &e.Channel, &e.Customer, &e.Product, &e.Region,
		&sc.quantity, &sc.unitPrice, &sc.amount, &e.Currency, &e.Meta, &sc.digest, &e.BatchID, &sc.line, &e.Late, &e.EntryID}, extra...)
	return sc
}

// reset clears the event before the next row is scanned (a JSON object
// scanned into a map adds to its keys).
func (sc *eventScanner) reset() {
	sc.s = storedEvent{}
}

// event completes the event scanned: its line, digest, occurred-at and
// numbers from their text.
func (sc *eventScanner) event() (storedEvent, error) {
	s := sc.s
	e := &s.ev
	s.line = int(sc.line)
	if copy(s.digest[:], sc.digest) != usage.DigestSize {
		return s, fmt.Errorf("event %d: digest of %d bytes", e.ID, len(sc.digest))
	}
	occurred := sc.occurred
	e.DateOnly = len(occurred) == len("2006-01-02")
	var err error
	if e.DateOnly {
		d, err := ledger.ParseDate(occurred)
		if err != nil {
			return s, fmt.Errorf("event %d: occurred_at %q: %w", e.ID, occurred, err)
		}
		e.OccurredAt = d.In(time.UTC)
	} else if e.OccurredAt, err = time.Parse(time.RFC3339Nano, occurred); err != nil {
		return s, fmt.Errorf("event %d: occurred_at %q: %w", e.ID, occurred, err)
	}
	if e.Amount, err = decimal.NewFromString(sc.amount); err != nil {
		return s, fmt.Errorf("event %d: amount %q: %w", e.ID, sc.amount, err)
	}
	if e.Quantity, err = optionalDecimal(sc.quantity); err != nil {
		return s, fmt.Errorf("event %d: quantity: %w", e.ID, err)
	}
	if e.UnitPrice, err = optionalDecimal(sc.unitPrice); err != nil {
		return s, fmt.Errorf("event %d: unit_price: %w", e.ID, err)
	}
	if len(e.Meta) == 0 {
		e.Meta = nil
	}
	return s, nil
}

func optionalDecimal(s *string) (*decimal.Decimal, error) {
	if s == nil {
		return nil, nil
	}
	d, err := decimal.NewFromString(*s)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// eventDims is the expression of the events_dims index (migration 0070):
// seller, channel, customer and product as tags, so that one GIN index
// finds events by any of them (cheaper to import than a B-tree each).
const eventDims = `ARRAY['s:' || e.seller, 'c:' || e.channel, 'u:' || e.customer, 'p:' || e.product]`

// eventWhere turns a filter into a condition over events e whose arguments
// are numbered from $1. Every filter is a column of events (or its entry's
// group); seller, channel, customer and product are also asked of
// eventDims, so PostgreSQL picks the index.
func eventWhere(f ledger.EventFilter) (string, []any) {
	conds := []string{"true"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.EntryID != 0 {
		// The entry's group, and its events' ID range for the index.
		id := arg(f.EntryID)
		conds = append(conds, "g.entry_id = "+id+
			" AND e.id BETWEEN (SELECT first_event FROM import_groups WHERE entry_id = "+id+")"+
			" AND (SELECT last_event FROM import_groups WHERE entry_id = "+id+")")
	}
	if f.BatchID != 0 {
		conds = append(conds, "e.batch_id = "+arg(f.BatchID))
	}
	if f.Source != "" {
		conds = append(conds, "s.name = "+arg(f.Source))
	}
	var tags []string
	for _, c := range []struct{ col, v, tag string }{
		{"e.event_id", f.EventID, ""}, {"e.seller", f.Seller, "s:"}, {"e.channel", f.Channel, "c:"},
		{"e.customer", f.Customer, "u:"}, {"e.product", f.Product, "p:"}, {"e.region", f.Region, ""},
		{"e.currency", f.Currency, ""},
	} {
		if c.v != "" {
			conds = append(conds, c.col+" = "+arg(c.v))
			if c.tag != "" {
				tags = append(tags, c.tag+c.v)
			}
		}
	}
	if len(tags) > 0 {
		conds = append(conds, eventDims+" @> "+arg(tags)+"::text[]")
	}
	if !f.From.IsZero() {
		conds = append(conds, "e.date >= "+arg(f.From.In(time.UTC))+"::date")
	}
	if !f.To.IsZero() {
		conds = append(conds, "e.date <= "+arg(f.To.In(time.UTC))+"::date")
	}
	return strings.Join(conds, " AND "), args
}

// Event returns one event; ENOTFOUND if there is none.
func (db *DB) Event(ctx context.Context, id int64) (ledger.Event, error) {
	es, err := readEvents(ctx, db.pool, "e.id = $1", []any{id}, 0, 1)
	if err != nil {
		return ledger.Event{}, err
	}
	if len(es) == 0 {
		return ledger.Event{}, ledger.Errorf(ledger.ENOTFOUND, "event %d not found", id)
	}
	return es[0].ev, nil
}

// Events returns one page of the events matching f, in ID order, at most
// ledger.StorePageLimit(f.Limit).
func (db *DB) Events(ctx context.Context, f ledger.EventFilter) ([]ledger.Event, error) {
	f.Limit = ledger.StorePageLimit(f.Limit)
	where, args := eventWhere(f)
	stored, err := readEvents(ctx, db.pool, where, args, f.AfterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return eventsOf(stored), nil
}

func eventsOf(stored []storedEvent) []ledger.Event {
	out := make([]ledger.Event, len(stored))
	for i := range stored {
		out[i] = stored[i].ev
	}
	return out
}

// EventsByID returns the events with these IDs in the order given (an ID
// given twice comes back twice); ENOTFOUND naming the first ID that has no
// event.
func (db *DB) EventsByID(ctx context.Context, ids []int64) ([]ledger.Event, error) {
	stored, err := readEvents(ctx, db.pool, "e.id = ANY($1)", []any{ids}, 0, 0)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]ledger.Event, len(stored))
	for _, s := range stored {
		byID[s.ev.ID] = s.ev
	}
	return ledger.EventsInOrder(ids, byID)
}

// EachEvent calls fn for every event matching f in ID order (Limit 0: all),
// in pages of 1000 read in one snapshot (a REPEATABLE READ read-only
// transaction). The *Event is reused: copy the struct if fn keeps it.
func (db *DB) EachEvent(ctx context.Context, f ledger.EventFilter, fn func(*ledger.Event) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return eachEvent(ctx, tx, f, fn)
}

// eachEvent is EachEvent in q's snapshot (a transaction).
func eachEvent(ctx context.Context, q querier, f ledger.EventFilter, fn func(*ledger.Event) error) error {
	where, args := eventWhere(f)
	read := func(after int64, n int) ([]storedEvent, error) { return readEvents(ctx, q, where, args, after, n) }
	return ledger.EachPage(f.AfterID, f.Limit, 1000, read, func(s *storedEvent) int64 { return s.ev.ID }, func(s *storedEvent) error {
		e := s.ev
		return fn(&e)
	})
}

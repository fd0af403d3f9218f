package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// The event index (migration 0026): per dimension (seller, channel,
// customer, product, region, UTC accounting date) and value, the IDs of
// the events that have it, in rows of at most one import transaction each
// (ascending IDs as varint deltas, the usage_rows encoding). The importer
// keeps it (eventIndexer, in the transaction of the events); a filtered
// read of events (eachEvent) takes the IDs of its most selective filter
// from it and reads only those rows. Derived data: verify rebuilds it from
// the events (event_index_verify.go).
//
// A storage backend with another engine (PostgreSQL) would index the
// dimensions as columns instead; the contract is the same: a filtered page
// reads the rows its most selective filter names, not every event.

type eventDim int

const (
	dimSeller eventDim = 1 + iota
	dimChannel
	dimCustomer
	dimProduct
	dimRegion
	dimDate
)

// eventIndexRows bounds how many events an indexer holds before it writes
// its rows (memory stays flat in the size of the file).
const eventIndexRows = 1 << 18

type dimValue struct {
	dim   eventDim
	value string
}

// idList is one row of event_index being built.
type idList struct {
	first, last int64
	n           int64
	ids         []byte
}

func (l *idList) add(id int64) {
	if l.n == 0 {
		l.first = id
	}
	l.ids = binary.AppendVarint(l.ids, id-l.last)
	l.last = id
	l.n++
}

// eventIndexer collects the index rows of events as they are stored.
type eventIndexer struct {
	lists  map[dimValue]*idList
	events int
}

func (x *eventIndexer) list(dim eventDim, value string) *idList {
	k := dimValue{dim, value}
	l := x.lists[k]
	if l == nil {
		if x.lists == nil {
			x.lists = map[dimValue]*idList{}
		}
		l = &idList{}
		// The value may be a field of a parsed line, which shares the
		// memory of the whole line: a copy keeps only the text.
		k.value = strings.Clone(value)
		x.lists[k] = l
	}
	return l
}

// add indexes event id (IDs must come in ascending order per value).
func (x *eventIndexer) add(id int64, seller, channel, customer, product, region, date string) {
	x.list(dimSeller, seller).add(id)
	x.list(dimChannel, channel).add(id)
	x.list(dimCustomer, customer).add(id)
	x.list(dimProduct, product).add(id)
	x.list(dimRegion, region).add(id)
	x.list(dimDate, date).add(id)
	x.events++
}

func (x *eventIndexer) reset() {
	clear(x.lists)
	x.events = 0
}

func insertEventIndexQuery(n int) string {
	return cachedQuery(15, n, func(n int) string {
		return `INSERT INTO event_index (dim, value, first_id, last_id, n, ids) VALUES ` + placeholders(n, 6)
	})
}

// flush writes the rows collected so far, in key order, and starts over.
func (x *eventIndexer) flush(tx *Tx) error {
	if len(x.lists) == 0 {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(x.lists), func(a, b dimValue) int {
		return cmp.Or(cmp.Compare(a.dim, b.dim), cmp.Compare(a.value, b.value))
	})
	args := make([]any, 0, 6*len(keys))
	for _, k := range keys {
		l := x.lists[k]
		args = append(args, int(k.dim), k.value, l.first, l.last, l.n, l.ids)
	}
	if err := tx.execRows(insertEventIndexQuery, 6, args); err != nil {
		return fmt.Errorf("event index: %w", err)
	}
	x.reset()
	return nil
}

// indexEvents indexes every stored event (migration 0026's Go step).
func indexEvents(ctx context.Context, tx *Tx) error {
	var x eventIndexer
	err := eachStoredEvent(ctx, tx.tx, func(e *ledger.Event) {
		x.add(e.ID, e.Seller, e.Channel, e.Customer, e.Product, e.Region, e.AccountingDate().String())
	})
	if err != nil {
		return err
	}
	// One flush at the end: the rows of a migrated database need no
	// segment bound (it is read the same either way).
	return x.flush(tx)
}

// storedEventError is a stored event that does not decode.
type storedEventError struct {
	ID  int64
	Err error
}

func (e *storedEventError) Error() string { return fmt.Sprintf("event %d: %v", e.ID, e.Err) }

// eachStoredEvent decodes every stored event in ID order and hands it to fn
// (the same *ledger.Event each time). An event that does not decode is a
// *storedEventError.
func eachStoredEvent(ctx context.Context, q querier, fn func(e *ledger.Event)) error {
	rows, err := q.QueryContext(ctx, `SELECT id, data FROM events ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var f eventFields
	var e ledger.Event
	for rows.Next() {
		var data string
		e = ledger.Event{}
		if err := rows.Scan(&e.ID, &data); err != nil {
			return err
		}
		if err := f.parse(data); err != nil {
			return &storedEventError{e.ID, err}
		}
		if _, err := f.decodeEvent(&e); err != nil {
			return &storedEventError{e.ID, err}
		}
		fn(&e)
	}
	return rows.Err()
}

// indexedFilter is a filter of ledger.EventFilter that the index answers.
type indexedFilter struct {
	cond string // over event_index
	args []any
}

func eventIndexFilters(f ledger.EventFilter) []indexedFilter {
	var out []indexedFilter
	for _, c := range []struct {
		dim   eventDim
		value string
	}{{dimSeller, f.Seller}, {dimChannel, f.Channel}, {dimCustomer, f.Customer}, {dimProduct, f.Product}, {dimRegion, f.Region}} {
		if c.value != "" {
			out = append(out, indexedFilter{"dim = ? AND value = ?", []any{int(c.dim), c.value}})
		}
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		from, to := "", "9999-99-99"
		if !f.From.IsZero() {
			from = f.From.String()
		}
		if !f.To.IsZero() {
			to = f.To.String()
		}
		out = append(out, indexedFilter{"dim = ? AND value >= ? AND value <= ?", []any{int(dimDate), from, to}})
	}
	return out
}

// sparseShare: a filter whose events are at most this share of the events
// after the cursor reads its IDs from the index; a denser one scans the
// rows in ID order (each row read is then likely on the page).
const sparseShare = 8

// indexedEventIDs returns the IDs after f.AfterID of the events that f's
// most selective indexed filter matches, ascending; ok is false when f has
// no indexed filter or the best one is dense (scanning is cheaper).
func indexedEventIDs(ctx context.Context, q querier, f ledger.EventFilter) (ids []int64, ok bool, err error) {
	filters := eventIndexFilters(f)
	if len(filters) == 0 {
		return nil, false, nil
	}
	var maxID sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(id) FROM events`).Scan(&maxID); err != nil {
		return nil, false, err
	}
	after := f.AfterID
	left := maxID.Int64 - after
	if left <= 0 {
		return nil, true, nil
	}
	best, bestN := -1, int64(-1)
	for i, flt := range filters {
		var n sql.NullInt64
		if err := q.QueryRowContext(ctx, `SELECT sum(n) FROM event_index WHERE `+flt.cond+` AND last_id > ?`,
			append(slices.Clone(flt.args), after)...).Scan(&n); err != nil {
			return nil, false, err
		}
		if best < 0 || n.Int64 < bestN {
			best, bestN = i, n.Int64
		}
	}
	if bestN*sparseShare > left {
		return nil, false, nil
	}
	flt := filters[best]
	rows, err := q.QueryContext(ctx, `SELECT ids FROM event_index WHERE `+flt.cond+` AND last_id > ?`, append(slices.Clone(flt.args), after)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	ids = make([]int64, 0, bestN)
	var b []byte
	for rows.Next() {
		if err := rows.Scan(&b); err != nil {
			return nil, false, err
		}
		if ids, err = decodeIDs(b, ids); err != nil {
			return nil, false, fmt.Errorf("event index: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if !slices.IsSorted(ids) { // a date range spans rows of several values
		slices.Sort(ids)
	}
	i, _ := slices.BinarySearch(ids, after+1)
	return ids[i:], true, nil
}

// eventsByIDQuery reads the rows of n events by ID, in ID order.
func eventsByIDQuery(n int) string {
	return cachedQuery(16, n, func(n int) string {
		return `SELECT id, source_id, event_id, data FROM events WHERE id IN (` +
			strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `) ORDER BY id`
	})
}

// matchableEventIDs returns, ascending, the IDs of the events that some
// rule of c can match, from the event index: per rule, the events of the
// values of its most selective matched dimension. sparse is false (and ids
// nil) when a rule matches on no indexed dimension or the events named are
// not sparse (reading every event is then cheaper).
func matchableEventIDs(ctx context.Context, q querier, c *contracts.Contract) (ids []int64, sparse bool, err error) {
	var maxID sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(id) FROM events`).Scan(&maxID); err != nil || !maxID.Valid {
		return nil, false, err
	}
	count := func(dim eventDim, value string) (int64, error) {
		var n sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT sum(n) FROM event_index WHERE dim = ? AND value = ?`, int(dim), value).Scan(&n)
		return n.Int64, err
	}
	var take []dimValue // each rule's values of its most selective dimension
	var total int64
	for i := range c.Rules {
		m := &c.Rules[i].Match
		var best []dimValue
		bestN := int64(-1)
		for _, d := range []struct {
			dim    eventDim
			values []string
		}{{dimSeller, m.Seller}, {dimChannel, m.Channel}, {dimCustomer, m.Customer}, {dimProduct, m.Product}, {dimRegion, m.Region}} {
			if len(d.values) == 0 {
				continue
			}
			var n int64
			for _, v := range d.values {
				k, err := count(d.dim, v)
				if err != nil {
					return nil, false, err
				}
				n += k
			}
			if bestN < 0 || n < bestN {
				best, bestN = best[:0], n
				for _, v := range d.values {
					best = append(best, dimValue{d.dim, v})
				}
			}
		}
		if bestN < 0 {
			return nil, false, nil // the rule may match any event
		}
		take, total = append(take, best...), total+bestN
	}
	if total*sparseShare > maxID.Int64 {
		return nil, false, nil
	}
	ids = make([]int64, 0, total)
	for _, dv := range take {
		rows, err := q.QueryContext(ctx, `SELECT ids FROM event_index WHERE dim = ? AND value = ?`, int(dv.dim), dv.value)
		if err != nil {
			return nil, false, err
		}
		var b []byte
		for rows.Next() {
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return nil, false, err
			}
			if ids, err = decodeIDs(b, ids); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("event index: %w", err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, err
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), true, nil
}

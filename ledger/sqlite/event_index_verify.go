package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
)

func init() { verifyChecks = append(verifyChecks, verifyEventsAndIndex) }

var dimNames = [...]string{dimSeller: "seller", dimChannel: "channel", dimCustomer: "customer",
	dimProduct: "product", dimRegion: "region", dimDate: "date"}

// verifyEventsAndIndex runs verifyEventIndex, then verifyEvents, decoding
// each event once for both (the same 1M events decoded twice took 3 s of
// verify's CPU; docs/design/speed.md, section 4). An event that does not
// decode is the index check's violation; else the index's first
// difference; else verifyEvents' first violation.
func verifyEventsAndIndex(ctx context.Context, tx *sql.Tx) error {
	s, err := scanEvents(ctx, tx, true)
	if err != nil {
		return err
	}
	if err := verifyEventIndex(ctx, tx, s.index); err != nil {
		return err
	}
	if s.problem != nil {
		return s.problem
	}
	return s.checkGroups(ctx, tx, factsOf(ctx))
}

// verifyEventIndex compares the event index (migration 0026) with want,
// the index rebuilt from the events: per dimension and value, the rows'
// IDs, in first_id order, are exactly the events that have that value,
// ascending; each row's first_id, last_id and n describe its IDs. The
// first difference, in dimension and value order, is a *VerifyError.
//
// The stored rows are read in the order of the table's key and compared
// value by value, holding one value's IDs at a time (all of them took as
// much memory as want). Should the rows not come in the order of Go's
// strings (a value stored as a number or a blob), verifyEventIndexUnordered
// gathers them all first.
func verifyEventIndex(ctx context.Context, tx *sql.Tx, want map[dimValue]*eventIDs) error {
	keys := make([]dimValue, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	next := 0     // the first key of want not compared yet
	var w []int64 // the IDs of the key compared
	// compare compares the stored IDs of k (bad: its rows do not describe
	// them) and the keys of want before it; k nil: the keys left.
	compare := func(k *dimValue, have []int64, bad bool) error {
		if next < len(keys) && (k == nil || keys[next].less(*k)) {
			return indexDiff(keys[next], want[keys[next]].appendTo(nil), nil) // not stored
		}
		if k == nil {
			return nil
		}
		w = w[:0]
		if next < len(keys) && keys[next] == *k {
			w = want[*k].appendTo(w)
			next++
		}
		if bad || !slices.Equal(w, have) {
			return indexDiff(*k, w, have)
		}
		return nil
	}
	var (
		cur       dimValue // the value being read, once started
		started   bool
		have      []int64
		bad       bool
		unordered bool
	)
	err := eachIndexRow(ctx, tx, func(k dimValue, r *indexRow) (bool, error) {
		if started && k != cur {
			if k.less(cur) {
				unordered = true
				return false, nil
			}
			if err := compare(&cur, have, bad); err != nil {
				return false, err
			}
			have, bad = have[:0], false
		}
		cur, started = k, true
		var ok bool
		have, ok = r.appendIDs(have)
		bad = bad || !ok
		return true, nil
	})
	switch {
	case err != nil:
		return err
	case unordered:
		return verifyEventIndexUnordered(ctx, tx, want)
	}
	if started {
		if err := compare(&cur, have, bad); err != nil {
			return err
		}
	}
	return compare(nil, nil, false)
}

// verifyEventIndexUnordered is verifyEventIndex gathering every stored row
// first, for rows that do not come in the order of Go's strings.
func verifyEventIndexUnordered(ctx context.Context, tx *sql.Tx, want map[dimValue]*eventIDs) error {
	have := map[dimValue][]int64{}
	bad := map[dimValue]bool{}
	if err := eachIndexRow(ctx, tx, func(k dimValue, r *indexRow) (bool, error) {
		var ok bool
		have[k], ok = r.appendIDs(have[k])
		bad[k] = bad[k] || !ok
		return true, nil
	}); err != nil {
		return err
	}
	keys := keysOfBoth(want, have)
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	for _, k := range keys {
		var w []int64
		if ids := want[k]; ids != nil {
			w = ids.appendTo(nil)
		}
		h := have[k]
		if !bad[k] && slices.Equal(w, h) {
			continue
		}
		return indexDiff(k, w, h)
	}
	return nil
}

// eventIDs are the IDs of the events with one index value, in scan order,
// as varint deltas (appendIDs' form): a byte or two an event where an
// int64 took eight (48 MB for six dimensions at 1M events).
type eventIDs struct {
	b    []byte
	last int64
}

func (e *eventIDs) add(id int64) {
	e.b = binary.AppendVarint(e.b, id-e.last)
	e.last = id
}

// appendTo appends the IDs to to.
func (e *eventIDs) appendTo(to []int64) []int64 {
	to, _ = decodeIDs(e.b, to) // well formed: add wrote it
	return to
}

// indexRow is a stored row of event_index.
type indexRow struct {
	first, last, n int64
	ids            []byte
}

// appendIDs appends the row's IDs to to; ok says whether they decode and
// its first_id, last_id and n describe them.
func (r *indexRow) appendIDs(to []int64) (_ []int64, ok bool) {
	from := len(to)
	to, err := decodeIDs(r.ids, to)
	ids := to[from:]
	return to, err == nil && int64(len(ids)) == r.n && r.n > 0 && ids[0] == r.first && ids[len(ids)-1] == r.last
}

// eachIndexRow hands fn the stored rows of the event index in the table's
// key order until fn says stop.
func eachIndexRow(ctx context.Context, tx *sql.Tx, fn func(k dimValue, r *indexRow) (more bool, err error)) error {
	rows, err := tx.QueryContext(ctx, `SELECT dim, value, first_id, last_id, n, ids FROM event_index ORDER BY dim, value, first_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r indexRow
	for rows.Next() {
		var k dimValue
		if err := rows.Scan(&k.dim, &k.value, &r.first, &r.last, &r.n, &r.ids); err != nil {
			return err
		}
		if more, err := fn(k, &r); !more || err != nil {
			return err
		}
	}
	return rows.Err()
}

// indexDiff is the violation of an index value k whose stored IDs h differ
// from the events' w.
func indexDiff(k dimValue, w, h []int64) error {
	name := fmt.Sprintf("dimension %d", k.dim)
	if k.dim >= dimSeller && k.dim <= dimDate {
		name = dimNames[k.dim]
	}
	i := 0
	for i < len(w) && i < len(h) && w[i] == h[i] {
		i++
	}
	at := func(ids []int64) string {
		if i < len(ids) {
			return fmt.Sprintf("event %d", ids[i])
		}
		return "none"
	}
	return &VerifyError{Reason: fmt.Sprintf("event index of %s %q disagrees with the events: it lists %d event(s), %d have that %s; "+
		"first difference: it lists %s where the events give %s", name, k.value, len(h), len(w), name, at(h), at(w))}
}

func (a dimValue) less(b dimValue) bool {
	if a.dim != b.dim {
		return a.dim < b.dim
	}
	return a.value < b.value
}

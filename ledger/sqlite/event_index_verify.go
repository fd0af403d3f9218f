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
//
// Beside Verify's journal scan, the import groups are checked while the
// events are read (groupStream); if anything differs there, the events are
// read again and the groups checked as before, to name the first violation.
func verifyEventsAndIndex(ctx context.Context, tx *sql.Tx) error {
	facts := factsOf(ctx)
	s, err := scanEvents(ctx, tx, true, facts)
	if s != nil && s.stream != nil {
		defer s.stream.close()
	}
	if err != nil {
		return err
	}
	if err := verifyEventIndex(ctx, tx, s.index); err != nil {
		return err
	}
	if s.stream == nil {
		if s.problem != nil {
			return s.problem
		}
		return s.checkGroups(ctx, tx, facts)
	}
	// Until the stream finds an event of a group it has checked, every
	// event met the groups as the scan without it would have: the same
	// first problem.
	if !s.stream.differs {
		if s.problem != nil {
			return s.problem
		}
		differs, err := s.stream.finish()
		switch {
		case err != nil:
			return err
		case !differs:
			return s.checkBatches(ctx, tx)
		}
	}
	s.stream.close()
	groupStreamStats.fallbacks.Add(1)
	s, err = scanEvents(ctx, tx, false, nil)
	if err != nil {
		return err
	}
	if s.problem != nil {
		return s.problem
	}
	return s.checkGroups(ctx, tx, facts)
}

// verifyEventIndex compares the event index (migration 0026) with want,
// the index rebuilt from the events: per dimension and value, the rows'
// IDs, in first_id order, are exactly the events that have that value,
// ascending; each row's first_id, last_id and n describe its IDs. The
// first difference, in dimension and value order, is a *VerifyError.
//
// The stored rows are read in the order of the table's key and compared
// value by value, each row's IDs decoded one at a time against the next of
// want's (an indexCursor): nothing is held of a value's rows once compared
// (decoding them all took 24 MB at the peak of verify at 1M events, a
// value such as a region listing every event; docs/design/speed.md,
// section 4). Only when a row differs are the value's IDs gathered, to
// name the difference as before. Should the rows not come in the order of
// Go's strings (a value stored as a number or a blob),
// verifyEventIndexUnordered gathers them all first.
func verifyEventIndex(ctx context.Context, tx *sql.Tx, want map[dimValue]*eventIDs) error {
	keys := make([]dimValue, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	next := 0 // the first key of want not compared yet
	var (
		cur     dimValue // the value being read, once started
		started bool
		c       indexCursor // cur's rows against want's IDs
	)
	// compare ends the comparison of k's stored rows, after the keys of
	// want before it, which are not stored (k nil: the keys left).
	compare := func(k *dimValue) error {
		if next < len(keys) && (k == nil || keys[next].less(*k)) {
			return indexDiff(keys[next], want[keys[next]].appendTo(nil), nil) // not stored
		}
		if k == nil {
			return nil
		}
		if next < len(keys) && keys[next] == *k {
			next++
		}
		return c.end(*k)
	}
	unordered := false
	err := eachIndexRow(ctx, tx, func(k dimValue, r *indexRow) (bool, error) {
		if !started || k != cur {
			if started {
				if k.less(cur) {
					unordered = true
					return false, nil
				}
				if err := compare(&cur); err != nil {
					return false, err
				}
			}
			cur, started = k, true
			c.reset(want[k])
		}
		c.row(r)
		return true, nil
	})
	switch {
	case err != nil:
		return err
	case unordered:
		return verifyEventIndexUnordered(ctx, tx, want)
	}
	if started {
		if err := compare(&cur); err != nil {
			return err
		}
	}
	return compare(nil)
}

// indexCursor compares the stored rows of one index value, in first_id
// order, with the IDs the events give it (want): each row's IDs, decoded
// one at a time, must be want's next ones, and its first_id, last_id and
// n must describe them. While they are, nothing is kept but the position
// in want; at the first row that differs, the value's stored IDs are
// gathered in have (those before the row are want's first matched), with
// bad set if a row is not described by its columns, as the rows of a
// value were gathered and compared before.
type indexCursor struct {
	want    *eventIDs // nil: the events give the value none
	pos     int       // in want.b: the next ID to match
	prev    int64     // the last ID of want decoded
	matched int       // IDs of want matched by the rows before this one
	differs bool      // a row differs: have and bad hold the rows so far
	have    []int64
	bad     bool
}

func (c *indexCursor) reset(want *eventIDs) {
	*c = indexCursor{want: want, have: c.have[:0]}
}

// nextWant decodes want's next ID (false at its end).
func (c *indexCursor) nextWant() (int64, bool) {
	if c.want == nil || c.pos >= len(c.want.b) {
		return 0, false
	}
	d, n := binary.Varint(c.want.b[c.pos:])
	c.pos += n // well formed: add wrote it
	c.prev += d
	return c.prev, true
}

// row compares the value's next stored row.
func (c *indexCursor) row(r *indexRow) {
	if !c.differs && c.rowMatches(r) {
		return
	}
	if !c.differs {
		// The rows before this one were want's first IDs.
		c.differs = true
		c.have = c.appendWant(c.have[:0], c.matched)
	}
	var ok bool
	c.have, ok = r.appendIDs(c.have)
	c.bad = c.bad || !ok
}

// rowMatches says whether row r is want's next IDs and described by its
// columns, moving past them if so.
func (c *indexCursor) rowMatches(r *indexRow) bool {
	pos, prev := c.pos, c.prev
	b := r.ids
	var n, id, first int64
	for len(b) > 0 {
		d, size := binary.Varint(b)
		if size <= 0 {
			break
		}
		b = b[size:]
		id += d
		if w, ok := c.nextWant(); !ok || w != id {
			break
		}
		if n == 0 {
			first = id
		}
		n++
	}
	if len(b) > 0 || n != r.n || n <= 0 || first != r.first || id != r.last {
		c.pos, c.prev = pos, prev
		return false
	}
	c.matched += int(n)
	return true
}

// appendWant appends want's first n IDs to to.
func (c *indexCursor) appendWant(to []int64, n int) []int64 {
	if c.want == nil || n == 0 {
		return to
	}
	all := c.want.appendTo(nil)
	return append(to, all[:n]...)
}

// end ends the value k: a violation if its rows differ from want's IDs or
// leave some of them out.
func (c *indexCursor) end(k dimValue) error {
	if !c.differs {
		if _, more := c.nextWant(); !more {
			return nil
		}
	}
	var w []int64
	if c.want != nil {
		w = c.want.appendTo(nil)
	}
	if !c.differs {
		return indexDiff(k, w, w[:c.matched])
	}
	if c.bad || !slices.Equal(w, c.have) {
		return indexDiff(k, w, c.have)
	}
	return nil
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

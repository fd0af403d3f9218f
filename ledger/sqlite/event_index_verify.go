package sqlite

import (
	"context"
	"database/sql"
	"fmt"
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
	return s.checkGroups(ctx, tx)
}

// verifyEventIndex compares the event index (migration 0026) with want,
// the index rebuilt from the events: per dimension and value, the rows'
// IDs, in first_id order, are exactly the events that have that value,
// ascending; each row's first_id, last_id and n describe its IDs. The
// first difference, in dimension and value order, is a *VerifyError.
func verifyEventIndex(ctx context.Context, tx *sql.Tx, want map[dimValue][]int64) error {
	have := map[dimValue][]int64{}
	bad := map[dimValue]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT dim, value, first_id, last_id, n, ids FROM event_index ORDER BY dim, value, first_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k dimValue
		var first, last, n int64
		var b []byte
		if err := rows.Scan(&k.dim, &k.value, &first, &last, &n, &b); err != nil {
			rows.Close()
			return err
		}
		ids, err := decodeIDs(b, nil)
		if err != nil || int64(len(ids)) != n || n == 0 || ids[0] != first || ids[len(ids)-1] != last {
			bad[k] = true
		}
		have[k] = append(have[k], ids...)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keys := make([]dimValue, 0, len(want)+len(have))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].dim != keys[j].dim {
			return keys[i].dim < keys[j].dim
		}
		return keys[i].value < keys[j].value
	})
	for _, k := range keys {
		w, h := want[k], have[k]
		if !bad[k] && len(w) == len(h) && equalIDs(w, h) {
			continue
		}
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
	return nil
}

func equalIDs(a, b []int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

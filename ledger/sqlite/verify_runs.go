package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/revshare/revshare/ledger"
)

func init() { verifyChecks = append(verifyChecks, verifyRuns) }

// verifyRuns checks the runs table (one row per run or close: through,
// started_at, the entries it booked) against the journal. A run books its
// entries in its own transaction, recorded at its started_at instant, and
// indexes each in bookings, advance_bookings or recoupments (which verify
// checks against their entries). So, per recorded-at instant, the entries
// of the runs that started then sum to the entries those tables index at
// that instant, and every instant with such entries has a run. A row's
// through must be a date and its started_at an instant. (A run that
// booked nothing leaves no entry: its row is checked for its form only.)
func verifyRuns(ctx context.Context, tx *sql.Tx) error {
	booked := map[string]int64{} // recorded_at -> entries indexed at it
	rows, err := tx.QueryContext(ctx, `SELECT e.recorded_at, count(*) FROM (
			SELECT entry_id FROM bookings UNION ALL SELECT entry_id FROM advance_bookings UNION ALL SELECT entry_id FROM recoupments
		) b JOIN entries e ON e.id = b.entry_id GROUP BY e.recorded_at`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var at string
		var n int64
		if err := rows.Scan(&at, &n); err != nil {
			rows.Close()
			return err
		}
		booked[at] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, through, started_at, entries FROM runs ORDER BY id`)
	if err != nil {
		return err
	}
	type run struct {
		id      int64
		entries int64
	}
	var order []string        // instants in run order
	ran := map[string][]run{} // recorded_at form of started_at -> its runs
	for rows.Next() {
		var r run
		var through, started string
		var entries sql.NullInt64
		if err := rows.Scan(&r.id, &through, &started, &entries); err != nil {
			rows.Close()
			return err
		}
		key := strconv.FormatInt(r.id, 10)
		if _, err := ledger.ParseDate(through); err != nil {
			rows.Close()
			return factError("runs", key, "through", "a date", through)
		}
		at, err := time.Parse(time.RFC3339Nano, started)
		if err != nil {
			rows.Close()
			return factError("runs", key, "started_at", "an instant", started)
		}
		if !entries.Valid || entries.Int64 < 0 {
			rows.Close()
			return factError("runs", key, "entries", "a count", fmt.Sprint(entries.Int64))
		}
		r.entries = entries.Int64
		k := formatTime(at)
		if ran[k] == nil {
			order = append(order, k)
		}
		ran[k] = append(ran[k], r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range order {
		var sum int64
		for _, r := range ran[k] {
			sum += r.entries
		}
		if want := booked[k]; sum != want {
			r := ran[k][len(ran[k])-1]
			return factError("runs", strconv.FormatInt(r.id, 10), "entries", strconv.FormatInt(r.entries+want-sum, 10), strconv.FormatInt(r.entries, 10))
		}
	}
	for _, k := range ledger.SortedKeys(booked) {
		if ran[k] == nil {
			return &VerifyError{Reason: fmt.Sprintf("runs: no run started at %s, when %d booked entries were recorded", k, booked[k])}
		}
	}
	return nil
}

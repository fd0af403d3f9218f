package sqlite

import (
	"context"
	"database/sql"

	"github.com/revshare/revshare/contracts/books"
)

func init() { verifyChecks = append(verifyChecks, verifyRuns) }

// verifyRuns checks the runs table against the journal (books.VerifyRuns):
// per recorded-at instant, the entries the runs that started then booked
// against those bookings, advance_bookings and recoupments index.
func verifyRuns(ctx context.Context, tx *sql.Tx) error {
	booked := map[string]int64{} // recorded_at -> entries indexed at it
	err := eachRow(ctx, tx, func(row rowScanner) error {
		var at string
		var n int64
		err := row.Scan(&at, &n)
		booked[at] = n
		return err
	}, `SELECT e.recorded_at, count(*) FROM (
			SELECT entry_id FROM bookings UNION ALL SELECT entry_id FROM advance_bookings UNION ALL SELECT entry_id FROM recoupments
		) b JOIN entries e ON e.id = b.entry_id GROUP BY e.recorded_at`)
	if err != nil {
		return err
	}
	runs, err := textRows(ctx, tx, `SELECT id, through, started_at, entries FROM runs ORDER BY id`, func(row rowScanner, r *books.RunText) error {
		var n sql.NullInt64
		if err := row.Scan(&r.ID, &r.Through, &r.StartedAt, &n); err != nil {
			return err
		}
		if n.Valid {
			r.Entries = &n.Int64
		}
		return nil
	})
	if err != nil {
		return err
	}
	return books.VerifyRuns(runs, booked)
}

package sqlite

import (
	"context"

	"github.com/revshare/revshare/ledger"
)

// ClosedDates returns the through-date of every close, in increasing order
// (the last is ClosedThrough). `revshare export` asserts balances at each.
func (db *DB) ClosedDates(ctx context.Context) ([]ledger.Date, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT through FROM period_closes ORDER BY through`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Date
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		d, err := ledger.ParseDate(s)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

package sqlite

import (
	"context"

	"github.com/revshare/revshare/ledger"
)

// ClosedDates returns the through-date of every close, in increasing order
// (the last is ClosedThrough). `revshare export` asserts balances at each.
func (db *DB) ClosedDates(ctx context.Context) ([]ledger.Date, error) {
	return queryRows(ctx, db.r, func(row rowScanner) (ledger.Date, error) {
		var s string
		if err := row.Scan(&s); err != nil {
			return ledger.Date{}, err
		}
		return ledger.ParseDate(s)
	}, `SELECT through FROM period_closes ORDER BY through`)
}

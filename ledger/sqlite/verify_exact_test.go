package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
	"github.com/revshare/revshare/ledger/usage"
)

// TestVerifyExactPastInt64: events of 36 digits (18 of them fractional)
// whose group and day sums pass an int64 and every compact form verify
// keeps; altering a stored sum by 10^-18 is named.
func TestVerifyExactPastInt64(t *testing.T) {
	const csv = "event_id,occurred_at,seller,channel,amount,currency\n" +
		"a,2026-01-05,o,d,999999999999999999.999999999999999999,USD\n" +
		"b,2026-01-05,o,d,999999999999999999.999999999999999999,USD\n" +
		"c,2026-01-06,o,d,1.25,USD\n"
	tests := []struct{ name, sql, want string }{
		{"group sum", `UPDATE postings SET amount = '1999999999999999999.999999999999999997' WHERE entry_id = 1 AND seq = 1`,
			"entry 1: import entry posts 1999999999999999999.999999999999999997 USD to assets:receivable:o:d, but its 2 event(s) sum to 1999999999999999999.999999999999999998 USD on assets:receivable:o:d"},
		{"wide day", `UPDATE balance_days SET l0 = l0 - 1 WHERE date = '2026-01-05' AND l0 > 0`,
			"balance_days of assets:receivable:o:d USD: the day 2026-01-05 disagrees with the postings"},
		{"compact day", `UPDATE balance_days SET l0 = 1 WHERE date = '2026-01-06' AND l1 > 0`,
			"balance_days of assets:receivable:o:d USD: the day 2026-01-06 disagrees with the postings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTestDB(t, nil)
			importCSV(t, db, "big.csv", csv, usage.ImportOptions{})
			if _, err := db.VerifyReport(ctx); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			sqlitetest.DropTriggers(t, db.w)
			if _, err := db.w.Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			var err error
			if tt.name == "group sum" {
				// The posting's own checks (its limbs, the chain) come
				// first in Verify: the events' check alone sees the sum.
				err = db.VerifyEvents(ctx)
			} else {
				_, err = db.VerifyReport(ctx)
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Error() != tt.want {
				t.Errorf("verify: %v\nwant %s", err, tt.want)
			}
		})
	}
}

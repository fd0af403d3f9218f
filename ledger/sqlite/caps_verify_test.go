package sqlite

import (
	"context"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// sharedCapDoc is testdata/contracts/cases/shared-caps: r1 and r2 share 60.00
// a month and 100.00 in all; r2 has no cap of its own.
const sharedCapDoc = `
id: shared
currency: USD
parties: [p, a, b]
rules:
  - {id: r1, payer: p, payee: a, match: {channel: x}, rate: "0.10", from: 2026-01-01, cap: {per_period: "25.00"}}
  - {id: r2, payer: p, payee: b, match: {channel: y}, rate: "0.20", from: 2026-01-01}
shared_caps:
  - {id: p-shares, rules: [r1, r2], per_period: "60.00", total: "100.00"}
`

// TestVerifyCapsHoldSharedCap: a booking edited past a shared cap is named
// by verify's cap check even though no rule passes a cap of its own.
// Booked: January r1 25.00 + r2 35.00, February r1 -10.00 + r2 50.00,
// March nothing (the shared total of 100.00 is used up).
func TestVerifyCapsHoldSharedCap(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	storetest.SaveContract(t, db, sharedCapDoc, false)
	importCSV(t, db, "u.csv", "event_id,occurred_at,seller,channel,product,amount,currency\n"+
		"1,2026-01-05,p,x,app,300.00,USD\n2,2026-01-06,p,y,app,200.00,USD\n3,2026-02-05,p,x,app,-100.00,USD\n"+
		"4,2026-02-06,p,y,app,400.00,USD\n5,2026-03-05,p,x,app,500.00,USD\n", usage.ImportOptions{})
	if _, err := booksOf(db).Run(ctx, ledger.Date{Year: 2026, Month: 3, Day: 31}); err != nil {
		t.Fatal(err)
	}
	check := func() error {
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		return verifyCapsHold(ctx, tx)
	}
	if err := check(); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	for _, q := range []string{
		`DROP TRIGGER IF EXISTS bookings_no_update`,
		`UPDATE bookings SET amount = '35.01' WHERE rule = 'r2' AND period = '2026-01' AND amount = '35'`,
	} {
		res, err := db.w.ExecContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n, _ := res.RowsAffected(); n != 1 && q[0] == 'U' {
			t.Fatalf("%s: changed %d rows", q, n)
		}
	}
	want := "bookings contract=shared shared_cap=p-shares: the total booked is 100.01, expected at most the cap 100"
	if err := check(); err == nil || err.Error() != want {
		t.Fatalf("after the edit: %v\nwant %s", err, want)
	}
}

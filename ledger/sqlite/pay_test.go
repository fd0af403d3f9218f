package sqlite

import (
	"context"
	"os"
	"testing"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/shopspring/decimal"
)

func paymentCount(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow(`SELECT count(*) FROM payments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPayWithoutReferenceIsIdempotent: a payment without a reference is
// keyed by its content, so paying again (a pay killed after its commit and
// re-run) records it once; before, each call took the next sequence number
// and paid twice.
func TestPayWithoutReferenceIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	doc, err := os.ReadFile("../../testdata/runs/contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	storetest.SaveContract(t, db, string(doc), false)
	d := ledger.Date{Year: 2026, Month: 2, Day: 10}
	pay := func(amount, ref string) (int64, error) {
		r, err := booksOf(db).Pay(ctx, contracts.Payment{Contract: "small", Payer: "openai", Payee: "microsoft", Amount: decimal.RequireFromString(amount), Date: d, Reference: ref})
		return r.Entry, err
	}
	first, err := pay("16.00", "")
	if err != nil {
		t.Fatal(err)
	}
	again, err := pay("16", "")
	if err != nil || again != first || paymentCount(t, db) != 1 {
		t.Fatalf("pay again: entry %d (first %d), %v, %d payments; want the first entry and 1 payment", again, first, err, paymentCount(t, db))
	}
	e, err := db.Entry(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if want := contracts.PaymentKey("small", "openai", "microsoft", decimal.RequireFromString("16.00"), d); e.Meta["reference"] != want || want != "auto-e3d9642b3a053e68" {
		t.Errorf("reference %q, PaymentKey %q", e.Meta["reference"], want)
	}
	// Another amount is another payment; two equal payments need references.
	if _, err := pay("1.00", ""); err != nil || paymentCount(t, db) != 2 {
		t.Fatalf("another amount: %v, %d payments", err, paymentCount(t, db))
	}
	for _, ref := range []string{"BANK-1", "BANK-2", "BANK-1"} {
		if _, err := pay("5.00", ref); err != nil {
			t.Fatal(err)
		}
	}
	if n := paymentCount(t, db); n != 4 {
		t.Errorf("%d payments after BANK-1, BANK-2, BANK-1 again; want 4", n)
	}
	if _, err := pay("6.00", "BANK-1"); ledger.ErrorCode(err) != ledger.ECONFLICT {
		t.Errorf("BANK-1 with another amount: %v, want a conflict", err)
	}
}

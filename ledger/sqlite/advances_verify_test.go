package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/shopspring/decimal"
)

const advanceDoc = `
id: adv
currency: USD
parties: [l, a]
rules:
  - {id: r, payer: l, payee: a, rate: "0.5", from: 2026-01-01}
advances:
  - {id: x, payer: l, payee: a, date: 2026-01-05, amount: "40.00", recoup_from: [r]}
`

// TestVerifyAdvances: a run books the advance and its recoupments, verify
// accepts them; an entry posted under the recoupment source without its
// row is a violation naming it.
func TestVerifyAdvances(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	storetest.SaveContract(t, db, advanceDoc, false)
	importCSV(t, db, "u.csv", "event_id,occurred_at,seller,channel,product,amount,currency\ne1,2026-01-10,s,c,p,60.00,USD\ne2,2026-02-10,s,c,p,30.00,USD\n", usage.ImportOptions{})
	res, err := booksOf(db).Run(ctx, ledger.Date{Year: 2026, Month: 2, Day: 28})
	if err != nil {
		t.Fatal(err)
	}
	// Two accruals (30.00, 15.00), the advance, two recoupments (30.00, 10.00).
	if rc := res.Contracts[0]; rc.Entries != 5 || rc.Advances != 1 || rc.Recoupments != 2 {
		t.Fatalf("run = %+v", rc)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatalf("verify: %v", err)
	}
	d := decimal.RequireFromString
	_, err = db.Post(ctx, []ledger.Entry{{Key: ledger.Key{Source: "recoup", ExternalID: "forged"}, Date: ledger.Date{Year: 2026, Month: 2, Day: 28},
		Description: "forged", Postings: []ledger.Posting{
			{Account: ledger.SharePayableAccount("l", "a", "adv"), Amount: d("5.00"), Currency: "USD"},
			{Account: ledger.AdvanceAccount("l", "a", "adv"), Amount: d("-5.00"), Currency: "USD"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.VerifyReport(ctx)
	if err == nil || !strings.Contains(err.Error(), "has source recoup but no recoupments row") {
		t.Fatalf("verify after a forged recoupment: %v", err)
	}
}

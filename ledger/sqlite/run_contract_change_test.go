package sqlite

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// payables returns the balance of every revenue-share payable of contract
// id, by "account currency".
func payables(t *testing.T, db *DB, id string) map[string]string {
	t.Helper()
	bs, err := db.TrialBalance(context.Background(), ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range bs {
		if strings.HasPrefix(b.Account, "liabilities:revshare:") && strings.HasSuffix(b.Account, ":"+id) {
			out[b.Account+" "+b.Currency] = b.Amount.String()
		}
	}
	return out
}

const partiesV1 = `id: k
currency: USD
parties: [a, b, m]
rules:
  - id: r1
    payer: a
    payee: m
    rate: "0.10"
`

// TestRunAfterRulePartiesChange: an update gives rule r1 another payer.
// The run must move the accrual to the new payer (a owes m nothing any
// more, b owes m 10). (Plan used to compare the new total with the amount
// booked for (rule, period) whoever the parties were, and booked nothing.)
func TestRunAfterRulePartiesChange(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	storetest.SaveContract(t, db, partiesV1, false)
	importCSV(t, db, "u.csv", "event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-10,a,direct,100.00,USD\n", usage.ImportOptions{})
	if _, err := booksOf(db).Run(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}); err != nil {
		t.Fatal(err)
	}
	storetest.SaveContract(t, db, strings.Replace(partiesV1, "payer: a", "payer: b", 1), true)
	if _, err := booksOf(db).Run(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(payables(t, db, "k"))
	if want := `{"liabilities:revshare:a:m:k USD":"0","liabilities:revshare:b:m:k USD":"-10"}`; string(got) != want {
		t.Errorf("payables %s, want %s", got, want)
	}
}

// TestRunAfterContractCurrencyChange: once obligations are booked in USD,
// an update to EUR is refused (the two versions' bookings would mix
// currencies in the contract's payables and statements; Plan used to
// subtract USD from EUR); before any booking it is accepted.
func TestRunAfterContractCurrencyChange(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	storetest.SaveContract(t, db, partiesV1, false)
	eur := strings.Replace(partiesV1, "currency: USD", "currency: EUR", 1)
	storetest.SaveContract(t, db, eur, true) // nothing booked yet
	storetest.SaveContract(t, db, partiesV1, true)
	importCSV(t, db, "u.csv", "event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-10,a,direct,100.00,USD\n", usage.ImportOptions{})
	if _, err := booksOf(db).Run(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}); err != nil {
		t.Fatal(err)
	}
	_, err := db.SaveContract(ctx, storetest.ParseContract(t, eur), true)
	want := `contract "k": its currency cannot change from USD to EUR once obligations are booked under it (1 booking(s)): add a new contract instead`
	storetest.WantError(t, err, ledger.ECONFLICT, want)
	got, _ := json.Marshal(payables(t, db, "k"))
	if want := `{"liabilities:revshare:a:m:k USD":"-10"}`; string(got) != want {
		t.Errorf("payables %s, want %s", got, want)
	}
}

package booking

import (
	"fmt"
	"strings"
	"testing"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

const advDoc = `
id: c
currency: USD
parties: [l, a]
rules:
  - {id: r, payer: l, payee: a, rate: "0.5", from: 2026-01-01}
advances:
  - {id: x, payer: l, payee: a, date: 2026-01-20, amount: "50.00", recoup_from: [r]}
  - {id: y, payer: l, payee: a, date: 2026-03-05, amount: "30.00", recoup_from: [r]}
`

func advContract(t *testing.T) *contracts.Contract {
	t.Helper()
	c, err := contracts.Parse([]byte(advDoc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPlanAdvances: an advance is booked once the run reaches its date, on
// its date or the first open day; a changed amount books the difference;
// one no longer in the contract is reversed.
func TestPlanAdvances(t *testing.T) {
	c := advContract(t)
	show := func(bs []AdvanceBooking) string {
		var out []string
		for _, b := range bs {
			out = append(out, fmt.Sprintf("%s %s %s #%d", b.Advance, b.Date, b.Amount, b.Seq))
		}
		return strings.Join(out, "; ")
	}
	d := decimal.RequireFromString
	if got := show(PlanAdvances(c, date("2026-02-28"), ledger.Date{}, nil)); got != "x 2026-01-20 50 #1" {
		t.Errorf("through February: %s", got)
	}
	booked := map[string]BookedAdvance{"x": {Payer: "l", Payee: "a", AdvanceDate: date("2026-01-20"), Amount: d("40.00"), Count: 1},
		"gone": {Payer: "l", Payee: "a", AdvanceDate: date("2026-01-02"), Amount: d("10.00"), Count: 1}}
	if got := show(PlanAdvances(c, date("2026-03-31"), date("2026-01-31"), booked)); got != "x 2026-02-01 10 #2; y 2026-03-05 30 #1; gone 2026-02-01 -10 #2" {
		t.Errorf("through March, January closed: %s", got)
	}
}

// TestPlanRecoupments: closed periods keep what they booked, open ones are
// brought to Recoup over the pools, with what closed periods recouped
// counted before.
func TestPlanRecoupments(t *testing.T) {
	c := advContract(t)
	d := decimal.RequireFromString
	k := contracts.PoolKey{Rule: "r", Payer: "l", Payee: "a"}
	pools := map[string]map[contracts.PoolKey]decimal.Decimal{
		"2026-01": {k: d("45")}, "2026-02": {k: d("20")}, "2026-03": {k: d("40")},
	}
	// January (closed) booked 30 although its pool now says 45: it stays.
	// February's booked 5 is brought to 20 (x's last 20); March recoups y
	// (30); x is done.
	booked := map[RecoupRef]BookedRecoupment{
		{"x", "2026-01"}: {Payer: "l", Payee: "a", Period: month("2026-01"), Amount: d("30"), Count: 1},
		{"x", "2026-02"}: {Payer: "l", Payee: "a", Period: month("2026-02"), Amount: d("5"), Count: 1},
	}
	var got []string
	for _, b := range PlanRecoupments(c, month("2026-03"), date("2026-01-31"), pools, booked) {
		got = append(got, fmt.Sprintf("%s %s on %s %s #%d", b.Advance, b.Period, b.Date, b.Amount, b.Seq))
	}
	want := "x 2026-02 on 2026-02-28 15 #2; y 2026-03 on 2026-03-31 30 #1"
	if strings.Join(got, "; ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, "; "), want)
	}
	e := RecoupBooking{RecoupRef: RecoupRef{"x", "2026-02"}, Payer: "l", Payee: "a", Date: date("2026-02-28"), Amount: d("15"), Seq: 2}.Entry("c", 1, "USD")
	if err := e.Validate(); err != nil || e.Key.String() != "recoup/c:x:2026-02:2" || e.Postings[0].Account != "liabilities:revshare:l:a:c" || e.Postings[1].Account != "assets:advances:l:a:c" {
		t.Errorf("recoupment entry %+v: %v", e, err)
	}
}

package scenario

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
)

// TestFutureActualsThroughRefused: with Sources.Today set, actuals through a
// period that has not ended are refused (spec section 8), naming the last
// complete period; through the last complete one they are taken.
func TestFutureActualsThroughRefused(t *testing.T) {
	doc := smallContract("1000") + "actuals_through: {through}\nhorizon: 2027-09\nstreams:\n  - match: {seller: seller}\n    start: \"2000\"\n"
	today := ledger.Date{Year: 2027, Month: 3, Day: 10}
	for _, through := range []string{"2027-03", "2027-05"} {
		s, err := Parse([]byte(strings.Replace(doc, "{through}", through, 1)), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Prepare(context.Background(), s, Sources{Actuals: &fakeActuals{}, Today: today})
		want := "invalid scenario (1 problem):\nactuals_through: " + through + " has not ended (today is 2027-03-10): its revenue is not all known yet; the last complete period is 2027-02"
		if err == nil || err.Error() != want {
			t.Errorf("actuals_through %s: %v\nwant %s", through, err, want)
		}
	}
	res := runScenario(t, strings.Replace(doc, "{through}", "2027-02", 1), Sources{Actuals: &fakeActuals{}, Today: today})
	if res.ActualsThrough != "2027-02" || res.FirstProjected != "2027-03" {
		t.Errorf("actuals through %s, first projected %s", res.ActualsThrough, res.FirstProjected)
	}
}

// TestYearsStartAtFirstActivity: a rule from 2025 whose first revenue is
// in June 2026 reports 2026 on, not a row of zeros for 2025; with no
// activity at all every year stays.
func TestYearsStartAtFirstActivity(t *testing.T) {
	doc := strings.Replace(smallContract("100000"), "from: 2027-01-01", "from: 2025-01-01", 1) +
		"actuals_through: 2026-12\nhorizon: 2027-03\nstreams:\n  - match: {seller: seller}\n    start: \"{start}\"\n"
	years := func(res *Result) []string {
		var ys []string
		for _, y := range res.Variants[0].Years {
			ys = append(ys, fmt.Sprint(y.Year, " ", y.Obligations))
		}
		return ys
	}
	june := ledger.Period{Freq: ledger.Month, Year: 2026, Index: 6}
	res := runScenario(t, strings.Replace(doc, "{start}", "1000", 1), Sources{Actuals: &fakeActuals{bases: []Base{{Rule: "share", Period: june, Amount: dec("1000")}}}})
	if got, want := years(res), []string{"2026 100.00", "2027 300.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("years %v, want %v", got, want)
	}
	res = runScenario(t, strings.Replace(doc, "{start}", "0", 1), Sources{Actuals: &fakeActuals{}})
	if got, want := years(res), []string{"2025 0.00", "2026 0.00", "2027 0.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("no activity: years %v, want %v", got, want)
	}
}

// TestTableComparisonAndMonteCarloOnce: the comparison shows what each
// direction pays, and sweep variants whose Monte Carlo runs draw the swept
// value print the distribution once.
func TestTableComparisonAndMonteCarloOnce(t *testing.T) {
	doc := smallContract("1000") + `
horizon: 2027-12
streams:
  - match: {seller: seller}
    start: "1000"
    growth: {monthly: "0.02"}
sweep:
  growth.monthly: ["0.01", "0.03"]
monte_carlo:
  runs: 50
  seed: 7
  growth.monthly: {dist: normal, mean: "0.02", sd: "0.01"}
`
	res := runScenario(t, doc, Sources{})
	var b strings.Builder
	if err := res.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n := strings.Count(out, "  Monte Carlo, 50 runs\n"); n != 1 {
		t.Errorf("%d full Monte Carlo blocks, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "  Monte Carlo, 50 runs: the same as under variant growth.monthly=0.01 (the runs draw what this variant sets)\n") {
		t.Errorf("no reference to the first block:\n%s", out)
	}
	if !strings.Contains(out, "total paid  seller to payee\n") {
		t.Errorf("comparison without a column per direction:\n%s", out)
	}
}

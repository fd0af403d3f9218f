package scenario

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// deal has a split rule and a plain rule of one payer under a shared cap,
// and two advances to the artist; every figure below is by hand.
const deal = `
contract:
  id: deal
  currency: USD
  parties: [label, artist, producer]
  rules:
    - id: r
      payer: label
      payees: [{party: artist, share: "0.5"}, {party: producer, share: "0.5"}]
      match: {channel: stream}
      rate: "0.5"
      from: 2027-01-01
    - id: s
      payer: label
      payee: artist
      match: {channel: sync}
      rate: "0.1"
      from: 2027-01-01
  shared_caps:
    - {id: both, rules: [r, s], total: "900"}
  advances:
    - {id: a1, payer: label, payee: artist, date: 2026-12-01, amount: "250", recoup_from: [r, s]}
    - {id: a2, payer: label, payee: artist, date: 2027-03-15, amount: "1000", recoup_from: [r, s]}
horizon: 2027-07
streams:
  - match: {channel: stream}
    start: "200"
  - match: {channel: sync}
    start: "500"
`

// TestAdvancesThroughScenario: r owes 100.00 a month (50.00 to each
// payee), s 50.00 to the artist; the shared 900.00 is used up by June, so
// July owes nothing. The artist's 100.00 a month recoups a1 (dated before
// the first projected period: it starts unrecouped in January) by March,
// where a2 (dated 2027-03-15) takes the other 50.00; a2 then gets 100.00 a
// month through June: 350.00 of 1000.00, never recouped.
func TestAdvancesThroughScenario(t *testing.T) {
	res := runScenario(t, deal, Sources{})
	v := res.Variants[0]
	wantAdvances := []AdvanceResult{
		{ID: "a1", Payer: "label", Payee: "artist", Date: "2026-12-01", Amount: "250.00", RecoupedBy: "2027-03"},
		{ID: "a2", Payer: "label", Payee: "artist", Date: "2027-03-15", Amount: "1000.00", RecoupedBy: "never"},
	}
	if !reflect.DeepEqual(v.Advances, wantAdvances) {
		t.Errorf("advances = %+v\nwant %+v", v.Advances, wantAdvances)
	}
	// 2027: 900.00 owed, 600.00 of it recouped (100.00 a month, January
	// to June), 300.00 paid in cash (the producer's parts).
	wantYears := []YearResult{{Year: 2027, Obligations: "900.00", CashPaid: "300.00", Recouped: "600.00",
		Rules: []RuleAmount{{"r", "600.00"}, {"s", "300.00"}}}}
	if !reflect.DeepEqual(v.Years, wantYears) {
		t.Errorf("years = %+v\nwant %+v", v.Years, wantYears)
	}
	// The shared cap is used up exactly in June (750.00 + 100.00 + 50.00).
	wantCaps := []CapResult{{Rule: "both", Shared: "both", Rules: []string{"r", "s"}, Kind: "total", Limit: "900.00", BindsIn: "2027-06", RemainingAtHorizon: "0.00"}}
	if !reflect.DeepEqual(v.Caps, wantCaps) {
		t.Errorf("caps = %+v\nwant %+v", v.Caps, wantCaps)
	}
	wantPairs := []PairPaid{{Payer: "label", Payee: "artist", TotalPaid: "600.00"}, {Payer: "label", Payee: "producer", TotalPaid: "300.00"}}
	if v.TotalPaid != "900.00" || !reflect.DeepEqual(v.Pairs, wantPairs) {
		t.Errorf("total %s pairs %+v", v.TotalPaid, v.Pairs)
	}
}

// TestAdvancesOnChart: the chart marks where a1 is recouped (2027-03) and
// nothing for a2, which never is.
func TestAdvancesOnChart(t *testing.T) {
	res := runScenario(t, deal, Sources{})
	var b strings.Builder
	if err := res.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if !strings.Contains(svg, "shared cap both (r, s): cumulative obligations against it") || !strings.Contains(svg, ">binds 2027-06</text>") {
		t.Errorf("no shared cap panel with its binding in:\n%s", svg)
	}
	if n := strings.Count(svg, `class="recouped"`); n != 1 || !strings.Contains(svg, ">a1 recouped 2027-03</text>") || strings.Contains(svg, "a2 recouped") {
		t.Errorf("%d recoupment markers in:\n%s", n, svg)
	}
}

// TestSharedCapAndAdvanceOverrides: variants may set a shared cap's limit
// and an advance's amount. With the shared total at 600.00 it is used up
// by April (4 × 150.00); with a1 at 100.00 it is recouped in January.
func TestSharedCapAndAdvanceOverrides(t *testing.T) {
	doc := deal + `variants:
  - name: base
  - name: smaller
    set: {shared_caps.both.total: "600", advances.a1.amount: "100"}
`
	res := runScenario(t, doc, Sources{})
	v := res.Variants[1]
	if v.TotalPaid != "600.00" || v.Advances[0].RecoupedBy != "2027-01" {
		t.Errorf("smaller: total %s, a1 recouped by %s", v.TotalPaid, v.Advances[0].RecoupedBy)
	}
	s, err := Parse([]byte(deal+"variants:\n  - name: x\n    set: {advances.nope.amount: \"1\"}\n"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Prepare(context.Background(), s, Sources{}); err == nil || !strings.Contains(err.Error(), `the contract has no advance "nope"`) {
		t.Errorf("unknown advance: %v", err)
	}
}

// TestMonteCarloSharedCap: the distribution reports the shared cap's
// binding. With every stream growing about 1% a month the two rules owe
// 150.00, 151.50, 153.02, 154.55 and 156.09 through May (765.16) and about
// 157.65 in June, past the 900.00 left: the cap binds in June in every run,
// and it is the headline cap (the rules have none of their own).
func TestMonteCarloSharedCap(t *testing.T) {
	doc := deal + `monte_carlo:
  runs: 500
  seed: 3
  growth.monthly: {dist: normal, mean: "0.01", sd: "0.0001"}
`
	d := runScenario(t, doc, Sources{}).Variants[0].Distribution
	june := PeriodPercentiles{P10: "2027-06", P50: "2027-06", P90: "2027-06"}
	want := []CapDistribution{{Rule: "both", Shared: "both", Rules: []string{"r", "s"}, Kind: "total",
		BindsIn: june, ByYearEnd: []YearProbability{{2027, "1.0000"}}}}
	if !reflect.DeepEqual(d.Caps, want) || d.Cap != "both total" || d.BindsIn != june {
		t.Errorf("distribution: cap %q binds %+v, caps %+v", d.Cap, d.BindsIn, d.Caps)
	}
	if d.TotalPaid.P50 != "900.00" {
		t.Errorf("total paid P50 %s, want 900.00", d.TotalPaid.P50)
	}
}

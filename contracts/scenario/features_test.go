package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// features exercises the engine through a scenario: a rule ending mid-month,
// a per-year cap, a minimum true-up, and stream attribution.
const features = `
contract:
  id: f
  currency: USD
  period: month
  parties: [oa, ms]
  rules:
    - id: azure
      payer: ms
      payee: oa
      match: {seller: ms, channel: azure}
      rate: "0.5"
      from: 2027-01-01
      until: 2027-03-15
    - id: yearly
      payer: oa
      payee: ms
      match: {seller: oa}
      rate: "0.10"
      from: 2027-01-01
      cap: {per_year: "250"}
    - id: floor
      payer: oa
      payee: ms
      match: {seller: oa}
      rate: "0.01"
      from: 2027-01-01
      until: 2028-01-01
      minimum: {per_year: "200"}
horizon: 2028-02
streams:
  - match: {seller: ms}
    start: "100"
  - match: {seller: ms, channel: azure}
    start: "100"
  - match: {seller: oa}
    start: "1000"
variants:
  - name: base
  - name: short
    set: {rules.azure.through: "2027-01-31"}
`

func TestEngineFeaturesThroughScenario(t *testing.T) {
	res := runScenario(t, features, Sources{})
	base, short := res.Variants[0], res.Variants[1]
	// azure: until 2027-03-15 counts March (dated 03-01) in full, not April.
	// yearly: 100 a month, 250 a year: 100, 100, 50, then 0 until 2028.
	// floor: 10 a month, December trued up to 200 (10 + 80).
	wantYears := []YearResult{
		{Year: 2027, Obligations: "600.00", Rules: []RuleAmount{{"azure", "150.00"}, {"yearly", "250.00"}, {"floor", "200.00"}}},
		{Year: 2028, Obligations: "200.00", Rules: []RuleAmount{{"azure", "0.00"}, {"yearly", "200.00"}, {"floor", "0.00"}}},
	}
	if !reflect.DeepEqual(base.Years, wantYears) {
		t.Errorf("years = %+v\nwant %+v", base.Years, wantYears)
	}
	wantCaps := []CapResult{{Rule: "yearly", Kind: "per_year", Limit: "250.00", BindsIn: "2027-03", RemainingAtHorizon: "50.00"}}
	if !reflect.DeepEqual(base.Caps, wantCaps) {
		t.Errorf("caps = %+v, want %+v", base.Caps, wantCaps)
	}
	if p := base.Periods[11]; p.Period != "2027-12" || p.Obligations != "90.00" {
		t.Errorf("December: %+v, want 90.00 (10 + true-up 80)", p)
	}
	wantPairs := []PairPaid{{Payer: "ms", Payee: "oa", TotalPaid: "150.00"}, {Payer: "oa", Payee: "ms", TotalPaid: "650.00"}}
	if base.TotalPaid != "800.00" || !reflect.DeepEqual(base.Pairs, wantPairs) {
		t.Errorf("total %s pairs %+v", base.TotalPaid, base.Pairs)
	}
	// A stream {seller: ms} does not feed a rule matching {seller: ms, channel: azure}.
	if want := []string{"streams[0] (seller=ms) feeds no rule of the contract"}; !reflect.DeepEqual(res.Warnings, want) {
		t.Errorf("warnings = %q, want %q", res.Warnings, want)
	}
	// Variant: through 2027-01-31 replaces until: January only.
	if got := short.Years[0].Rules[0]; got != (RuleAmount{"azure", "50.00"}) || short.TotalPaid != "700.00" {
		t.Errorf("short: azure %+v, total %s", got, short.TotalPaid)
	}
}

func TestForecastStream(t *testing.T) {
	res := runScenarioWith(t, smallContract("1000")+`
horizon: 2027-03
streams:
  - forecast: forecast-monthly.csv
`, ParseOptions{ReadFile: testdataReader}, Sources{})
	v := res.Variants[0]
	var got []string
	for _, p := range v.Periods {
		got = append(got, p.Period+" "+p.Obligations)
	}
	// 2027-01: 10% of 1000.55 = 100.055 → 100.06; 2027-02: 500 + 500 (a
	// stream seller=seller;channel=x also feeds {seller: seller}); 2027-03:
	// seller=other feeds nothing.
	want := []string{"2027-01 100.06", "2027-02 100.00", "2027-03 0.00"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("periods %v, want %v", got, want)
	}
	if w := []string{"streams[0]: 2 forecast row(s) outside the projected periods 2027-01..2027-03 ignored"}; !reflect.DeepEqual(res.Warnings, w) {
		t.Errorf("warnings %q, want %q", res.Warnings, w)
	}
}

// TestDemoProjection runs the shipped demo scenario over the demo contract.
func TestDemoProjection(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "demo", "openai-microsoft.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{Contracts: fakeContracts{"openai-microsoft": string(doc)}}
	res, err := Evaluate(context.Background(), readTestdata(t, "demo-projection.yaml"), ParseOptions{}, src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range res.Variants {
		got = append(got, fmt.Sprintf("%s: binds %s, openai pays %s", v.Name, v.Caps[0].BindsIn, v.Pairs[0].TotalPaid))
	}
	want := []string{
		"base: binds 2029-07, openai pays 38000000000.00",
		"cap-25bn: binds 2028-10, openai pays 25000000000.00",
		"rate-15pct: binds 2030-02, openai pays 38000000000.00",
		// 20% of round(1e9 × 1.04^k) for k = 0..47, checked independently (Python decimal).
		"ends-2028: binds never, openai pays 27852641208.77",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("demo:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	d := res.Variants[0].Distribution
	if res.Distribution != d {
		t.Errorf("top-level distribution is not the first variant's")
	}
	// Reproducible from the seed; the sample median growth of these 1000
	// draws is a little under 0.04, so P50 is a month after the
	// deterministic 2029-07.
	if d == nil || d.Runs != 1000 || d.BindsIn != (PeriodPercentiles{"2028-09", "2029-08", "never"}) {
		t.Errorf("base distribution %+v", d)
	}
	// What OpenAI pays Microsoft reaches the cap in at least half the runs.
	if got := d.Pairs[0]; got.Payer != "openai" || got.TotalPaid.P50 != "38000000000.00" || got.TotalPaid.P90 != "38000000000.00" {
		t.Errorf("openai → microsoft distribution %+v", got)
	}
}

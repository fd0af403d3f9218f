package scenario

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// smallContract returns a monthly USD contract with one 10% rule from
// 2027-01-01 and a total cap of capTotal.
func smallContract(capTotal string) string {
	return strings.Replace(smallContractTemplate, "{cap}", capTotal, 1)
}

// growingStream is the seller's revenue: 1000.00 in the first month,
// growing 10% a month.
const growingStream = `streams:
  - match: {seller: seller}
    start: "1000.00"
    growth: {monthly: "0.10"}
`

const smallContractTemplate = `
contract:
  id: small
  currency: USD
  period: month
  parties: [seller, payee]
  rules:
    - id: share
      payer: seller
      payee: payee
      match: {seller: seller}
      rate: "0.10"
      from: 2027-01-01
      cap: {total: "{cap}"}
`

// mustPrepare parses and prepares the scenario doc, failing the test on an
// error.
func mustPrepare(t testing.TB, doc string, opts ParseOptions, src Sources) *Plan {
	t.Helper()
	s, err := Parse([]byte(doc), opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(context.Background(), s, src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runScenario(t *testing.T, doc string, src Sources) *Result {
	t.Helper()
	return runScenarioWith(t, doc, ParseOptions{}, src)
}

func runScenarioWith(t *testing.T, doc string, opts ParseOptions, src Sources) *Result {
	t.Helper()
	res, err := mustPrepare(t, doc, opts, src).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCapBindsUnderMonthlyCompounding: revenue 1000 × 1.1^k, 10% share, cap
// 1000. Obligations 100, 110, 121, 133.10, 146.41, 161.05, 177.16 sum to
// 948.72 by 2027-07; 2027-08 would add 194.87, so the cap binds in 2027-08
// with 51.28.
func TestCapBindsUnderMonthlyCompounding(t *testing.T) {
	res := runScenario(t, smallContract("1000.00")+"horizon: 2027-12\n"+growingStream, Sources{})
	v := res.Variants[0]
	wantCaps := []CapResult{{Rule: "share", Kind: "total", Limit: "1000.00", BindsIn: "2027-08", RemainingAtHorizon: "0.00"}}
	if !reflect.DeepEqual(v.Caps, wantCaps) {
		t.Errorf("caps = %+v, want %+v", v.Caps, wantCaps)
	}
	if v.TotalPaid != "1000.00" {
		t.Errorf("total_paid = %s, want 1000.00", v.TotalPaid)
	}
	want := []string{"100.00", "110.00", "121.00", "133.10", "146.41", "161.05", "177.16", "51.28", "0.00", "0.00", "0.00", "0.00"}
	for i, p := range v.Periods {
		if p.Obligations != want[i] {
			t.Errorf("%s: obligations %s, want %s", p.Period, p.Obligations, want[i])
		}
	}
	if res.FirstProjected != "2027-01" || v.Name != "base" {
		t.Errorf("first projected %s, name %s", res.FirstProjected, v.Name)
	}
}

// TestCapNeverBinds: the same revenue over 2027 pays 2138.43 in all, under
// a cap of 10000.
func TestCapNeverBinds(t *testing.T) {
	res := runScenario(t, smallContract("10000")+"horizon: 2028-02\n"+growingStream, Sources{})
	v := res.Variants[0]
	// 2028-01 and 2028-02: revenue 3138.43 and 3452.27 → 313.84 and 345.23.
	wantCaps := []CapResult{{Rule: "share", Kind: "total", Limit: "10000.00", BindsIn: "never", RemainingAtHorizon: "7202.50"}}
	if !reflect.DeepEqual(v.Caps, wantCaps) {
		t.Errorf("caps = %+v, want %+v", v.Caps, wantCaps)
	}
	wantYears := []YearResult{
		{Year: 2027, Obligations: "2138.43", Rules: []RuleAmount{{"share", "2138.43"}}},
		{Year: 2028, Obligations: "659.07", Rules: []RuleAmount{{"share", "659.07"}}},
	}
	if !reflect.DeepEqual(v.Years, wantYears) {
		t.Errorf("years = %+v, want %+v", v.Years, wantYears)
	}
	if v.TotalPaid != "2797.50" {
		t.Errorf("total_paid = %s, want 2797.50", v.TotalPaid)
	}
}

type fakeActuals struct {
	bases []Base
	calls []string
}

func (f *fakeActuals) Bases(ctx context.Context, c *contracts.Contract, through ledger.Period) ([]Base, error) {
	f.calls = append(f.calls, c.ID+" through "+through.Label())
	return f.bases, nil
}

// TestActualsThenProjection: real bases of 1000 in 2027-01..03 (100 each),
// then a flat 2000 per month from 2027-04 (200 each): 300 by March, 500,
// 700, 900, and the cap of 1000 binds in 2027-07 with 100.
func TestActualsThenProjection(t *testing.T) {
	m := func(i int) ledger.Period { return ledger.Period{Freq: ledger.Month, Year: 2027, Index: i} }
	fa := &fakeActuals{bases: []Base{
		{Rule: "share", Period: m(1), Amount: dec("1000")},
		{Rule: "share", Period: m(2), Amount: dec("600")},
		{Rule: "share", Period: m(2), Amount: dec("400")},
		{Rule: "share", Period: m(3), Amount: dec("1000")},
	}}
	res := runScenario(t, smallContract("1000")+`
actuals_through: 2027-03
horizon: 2027-09
streams:
  - match: {seller: seller}
    start: "2000"
`, Sources{Actuals: fa})
	if want := []string{"small through 2027-03"}; !reflect.DeepEqual(fa.calls, want) {
		t.Errorf("actuals calls = %v, want %v", fa.calls, want)
	}
	v := res.Variants[0]
	var got []string
	for _, p := range v.Periods {
		got = append(got, p.Period+" "+p.Obligations+" "+p.Cumulative+map[bool]string{true: " actual"}[p.Actual])
	}
	want := []string{
		"2027-01 100.00 100.00 actual", "2027-02 100.00 200.00 actual", "2027-03 100.00 300.00 actual",
		"2027-04 200.00 500.00", "2027-05 200.00 700.00", "2027-06 200.00 900.00", "2027-07 100.00 1000.00",
		"2027-08 0.00 1000.00", "2027-09 0.00 1000.00",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("periods:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v.Caps[0].BindsIn != "2027-07" || v.TotalPaid != "1000.00" || v.ActualsPaid != "300.00" {
		t.Errorf("binds %s total %s actuals %s", v.Caps[0].BindsIn, v.TotalPaid, v.ActualsPaid)
	}
	if res.ActualsThrough != "2027-03" || res.FirstProjected != "2027-04" {
		t.Errorf("actuals through %s, first projected %s", res.ActualsThrough, res.FirstProjected)
	}
}

func TestSweepGridAndOrder(t *testing.T) {
	res := runScenario(t, smallContract("1000000")+`
horizon: 2027-03
streams:
  - match: {seller: seller}
    start: "1000"
variants:
  - name: a
  - name: b
    set: {rules.share.cap.total: "50"}
sweep:
  growth.monthly: ["0.01", "0.02"]
  rules.share.rate: ["0.1", "0.2", "0.3"]
`, Sources{})
	var names []string
	for _, v := range res.Variants {
		names = append(names, v.Name)
	}
	var want []string
	for _, v := range []string{"a", "b"} {
		for _, g := range []string{"0.01", "0.02"} {
			for _, r := range []string{"0.1", "0.2", "0.3"} {
				want = append(want, v+", growth.monthly="+g+", rules.share.rate="+r)
			}
		}
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("variants:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	// b, growth 0.02, rate 0.3: 1000, 1020, 1040.40 → 300, 306, 312.12, capped at 50.
	last := res.Variants[len(res.Variants)-1]
	if last.TotalPaid != "50.00" || last.Caps[0].BindsIn != "2027-01" {
		t.Errorf("%s: total %s binds %s", last.Name, last.TotalPaid, last.Caps[0].BindsIn)
	}
	// a, growth 0.02, rate 0.2: 200 + 204 + 208.08.
	if v := res.Variants[4]; v.TotalPaid != "612.08" {
		t.Errorf("%s: total %s, want 612.08", v.Name, v.TotalPaid)
	}
}

func TestSweepWithoutVariantsNamesByPoint(t *testing.T) {
	s, err := Parse([]byte(`
contract: c
horizon: 2030-12
streams: [{match: {seller: a}, start: "1"}]
sweep:
  growth.monthly: ["0.02", "0.04"]
`), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Expand()
	want := []Expanded{
		{Name: "growth.monthly=0.02", Set: []Override{{Path: "growth.monthly", Value: "0.02", line: 6}}, line: 5},
		{Name: "growth.monthly=0.04", Set: []Override{{Path: "growth.monthly", Value: "0.04", line: 6}}, line: 5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand = %+v, want %+v", got, want)
	}
}

const mcScenario = `
horizon: 2027-12
` + growingStream + `monte_carlo:
  runs: 2000
  seed: 7
  growth.monthly: {dist: {dist}, mean: "0.10", sd: "{sd}"}
`

func TestMonteCarloReproducibleAndCentred(t *testing.T) {
	for _, dist := range []string{"normal", "lognormal"} {
		doc := smallContract("1000.00") +
			strings.NewReplacer("{dist}", dist, "{sd}", "0.0001").Replace(mcScenario)
		a := runScenario(t, doc, Sources{})
		b := runScenario(t, doc, Sources{})
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: two runs with the same seed differ", dist)
		}
		d := a.Variants[0].Distribution
		want := PeriodPercentiles{P10: "2027-08", P50: "2027-08", P90: "2027-08"}
		if d.Runs != 2000 || d.BindsIn != want || d.Cap != "share total" {
			t.Errorf("%s: distribution %+v", dist, d)
		}
		if d.TotalPaid.P50 != "1000.00" {
			t.Errorf("%s: total paid P50 %s, want 1000.00", dist, d.TotalPaid.P50)
		}
		if got := d.ByYearEnd; len(got) != 1 || got[0] != (YearProbability{2027, "1.0000"}) {
			t.Errorf("%s: by year end %+v", dist, got)
		}
	}
}

func TestMonteCarloSpread(t *testing.T) {
	doc := smallContract("1000.00") +
		strings.NewReplacer("{dist}", "normal", "{sd}", "0.05").Replace(mcScenario)
	d := runScenario(t, doc, Sources{}).Variants[0].Distribution
	// With sd 0.05 the binding month spreads around 2027-08.
	if !(d.BindsIn.P10 <= "2027-08" && d.BindsIn.P50 == "2027-08" && d.BindsIn.P90 >= "2027-08" && d.BindsIn.P10 != d.BindsIn.P90) {
		t.Errorf("binds_in = %+v", d.BindsIn)
	}
}

func TestDrawGrowthRoundsToSixDigits(t *testing.T) {
	for _, dist := range []string{"normal", "lognormal"} {
		d := Draw{Path: "growth.monthly", Dist: dist, Mean: dec("0.04"), SD: dec("0.015")}
		for i := uint64(0); i < 100; i++ {
			g := drawGrowth(newRand(42, i), d)
			if g.Exponent() < -DrawDigits || g.LessThanOrEqual(decimal.NewFromInt(-1)) {
				t.Fatalf("%s draw %d = %s", dist, i, g)
			}
		}
	}
}

// TestRunSummaryMatchesEvaluate: the Monte Carlo summary of a run equals
// what the full evaluation reports, on the features scenario (several caps
// and rules), the advances deal (a shared cap) and the demo contract.
func TestRunSummaryMatchesEvaluate(t *testing.T) {
	for _, doc := range []string{features, deal, demoContract(t) + "start_period: 2025-01\nhorizon: 2030-12\nstreams:\n  - match: {seller: openai}\n    start: \"1000000000.00\"\n    growth: {monthly: \"0.045\"}\n"} {
		p := mustPrepare(t, doc, ParseOptions{}, Sources{})
		for _, vp := range p.variants {
			var sc scratch
			bases, err := p.bases(vp, vp.streams, &sc)
			if err != nil {
				t.Fatal(err)
			}
			out, extra, err := evaluate(vp.contract, p.periods, bases)
			if err != nil {
				t.Fatal(err)
			}
			vr := p.summarize(vp, out, extra)
			ro, err := runSummary(vp, p.periods, bases, &sc)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.money(ro.total); got != vr.TotalPaid {
				t.Errorf("%s: run total %s, evaluation %s", vp.name, got, vr.TotalPaid)
			}
			for i, pp := range vr.Pairs {
				if got := p.money(ro.pairs[i]); got != pp.TotalPaid {
					t.Errorf("%s pair %d: run %s, evaluation %s", vp.name, i, got, pp.TotalPaid)
				}
			}
			for i, c := range vr.Caps {
				if got := p.label(ro.bindsAt[i]); got != c.BindsIn {
					t.Errorf("%s cap %d: run binds %s, evaluation %s", vp.name, i, got, c.BindsIn)
				}
			}
		}
	}
}

// TestMoneySum: contracts.Sum over obligation-like amounts, as a Monte Carlo run sums them.
func TestMoneySum(t *testing.T) {
	rng := newRand(3, 4)
	for i := 0; i < 200; i++ {
		var s contracts.Sum
		want := decimal.Zero
		for j := 0; j < 50; j++ {
			var x decimal.Decimal
			switch rng.IntN(4) {
			case 0:
				x = decimal.New(rng.Int64N(1e12)-5e11, -2)
			case 1:
				x = decimal.New(rng.Int64()-(1<<62), -2) // near the int64 edge
			case 2:
				x = decimal.New(rng.Int64N(1000), -int32(rng.IntN(5)))
			default:
				x = decimal.RequireFromString("123456789012345678901234.5")
			}
			s.Add(x)
			want = want.Add(x)
		}
		if got := s.Value(); !got.Equal(want) {
			t.Fatalf("sum %s, want %s", got, want)
		}
	}
}

// TestCapUsedUpExactlyBinds: obligations 100 then 110 use a cap of 210 up
// to the cent in 2027-02 without the engine cutting anything: that is the
// binding period too.
func TestCapUsedUpExactlyBinds(t *testing.T) {
	res := runScenario(t, smallContract("210.00")+"horizon: 2027-04\n"+growingStream, Sources{})
	v := res.Variants[0]
	if c := v.Caps[0]; c.BindsIn != "2027-02" || c.RemainingAtHorizon != "0.00" || v.TotalPaid != "210.00" {
		t.Errorf("cap %+v, total %s", c, v.TotalPaid)
	}
}

// TestMonteCarloIndependentOfWorkers: the distribution is the same with one
// worker and with several (each run has its own generator).
func TestMonteCarloIndependentOfWorkers(t *testing.T) {
	doc := smallContract("1000.00") +
		strings.NewReplacer("{dist}", "lognormal", "{sd}", "0.05").Replace(mcScenario)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := runScenario(t, doc, Sources{})
	runtime.GOMAXPROCS(4)
	four := runScenario(t, doc, Sources{})
	if !reflect.DeepEqual(one, four) {
		t.Errorf("1 worker: %+v\n4 workers: %+v", one.Variants[0].Distribution, four.Variants[0].Distribution)
	}
}

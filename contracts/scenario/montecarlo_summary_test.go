package scenario

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// TestMonteCarloSummaryExact checks the compact run summary (minor units,
// binding histograms) against the percentiles read off every run's exact
// amounts and binding periods, sorted: the demo contract, 1,500 runs with
// a wide spread so that the cap binds in many periods or never.
func TestMonteCarloSummaryExact(t *testing.T) {
	doc := demoContract(t) + strings.Replace(strings.Replace(benchScenario, "runs: 10000", "runs: 1500", 1),
		`sd: "0.015"`, `sd: "0.05"`, 1)
	p := mustPrepare(t, doc, ParseOptions{}, Sources{})
	vp, mc := p.variants[0], p.s.MonteCarlo
	got, err := p.monteCarlo(context.Background(), vp, mc)
	if err != nil {
		t.Fatal(err)
	}
	// The reference: every run kept exactly, sorted.
	sc := &scratch{streams: make([]Stream, len(vp.streams))}
	var totals []decimal.Decimal
	pairs := make([][]decimal.Decimal, len(vp.pairs))
	var binds [][]int
	for i := 0; i < mc.Runs; i++ {
		ro, err := p.oneRun(vp, mc, uint64(i), sc)
		if err != nil {
			t.Fatal(err)
		}
		totals = append(totals, ro.total)
		for k := range pairs {
			pairs[k] = append(pairs[k], ro.pairs[k])
		}
		if binds == nil {
			binds = make([][]int, len(ro.bindsAt))
		}
		for c, at := range ro.bindsAt {
			if at < 0 {
				at = len(p.periods)
			}
			binds[c] = append(binds[c], at)
		}
	}
	pct := func(ds []decimal.Decimal) AmountPercentiles {
		sort.Slice(ds, func(i, j int) bool { return ds[i].LessThan(ds[j]) })
		n := len(ds)
		return AmountPercentiles{P10: p.money(ds[rank(10, n)]), P50: p.money(ds[rank(50, n)]), P90: p.money(ds[rank(90, n)])}
	}
	if want := pct(totals); got.TotalPaid != want {
		t.Errorf("total paid %+v, want %+v", got.TotalPaid, want)
	}
	for k := range pairs {
		if want := pct(pairs[k]); got.Pairs[k].TotalPaid != want {
			t.Errorf("pair %d paid %+v, want %+v", k, got.Pairs[k].TotalPaid, want)
		}
	}
	distinct := map[int]bool{}
	for c, at := range binds {
		sort.Ints(at)
		n := len(at)
		lab := func(i int) string {
			if i == len(p.periods) {
				return "never"
			}
			return p.periods[i].Label()
		}
		want := PeriodPercentiles{P10: lab(at[rank(10, n)]), P50: lab(at[rank(50, n)]), P90: lab(at[rank(90, n)])}
		if got.Caps[c].BindsIn != want {
			t.Errorf("cap %d binds in %+v, want %+v", c, got.Caps[c].BindsIn, want)
		}
		var years []YearProbability
		for y := p.periods[p.nActual].Year; y <= p.periods[len(p.periods)-1].Year; y++ {
			count := sort.Search(n, func(i int) bool { return at[i] == len(p.periods) || p.periods[at[i]].Year > y })
			years = append(years, YearProbability{Year: y, Probability: decimal.NewFromInt(int64(count)).DivRound(decimal.NewFromInt(int64(n)), 4).StringFixed(4)})
		}
		if !reflect.DeepEqual(got.Caps[c].ByYearEnd, years) {
			t.Errorf("cap %d by year end %+v, want %+v", c, got.Caps[c].ByYearEnd, years)
		}
		for _, a := range at {
			distinct[a] = true
		}
	}
	if len(distinct) < 5 {
		t.Fatalf("the caps bind in only %d distinct periods: the test does not exercise the histogram", len(distinct))
	}
}

// TestMonteCarloBytes: what the command sizes its memory limit by is what
// a variant's summary holds, 8 bytes per run and amount; the demo contract
// pays two pairs, so a run keeps three amounts.
func TestMonteCarloBytes(t *testing.T) {
	doc := demoContract(t) + strings.Replace(benchScenario, "runs: 10000", "runs: 1500", 1)
	p := mustPrepare(t, doc, ParseOptions{}, Sources{})
	if got := p.MonteCarloBytes(); got != 1500*3*8 {
		t.Errorf("MonteCarloBytes %d, want %d", got, 1500*3*8)
	}
	vp := p.variants[0]
	s := newMCSummary(vp, len(p.periods), p.s.MonteCarlo.Runs, p.minor)
	held := len(s.totals)
	for _, ps := range s.pairs {
		held += len(ps)
	}
	if int64(8*held) != p.MonteCarloBytes() {
		t.Errorf("the summary holds %d bytes of amounts, MonteCarloBytes says %d", 8*held, p.MonteCarloBytes())
	}
	without := mustPrepare(t, demoContract(t)+benchScenario[:strings.Index(benchScenario, "monte_carlo:")], ParseOptions{}, Sources{})
	if got := without.MonteCarloBytes(); got != 0 {
		t.Errorf("without Monte Carlo: %d, want 0", got)
	}
}

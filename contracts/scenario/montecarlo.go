package scenario

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// runOutcome is what one Monte Carlo run keeps.
type runOutcome struct {
	bindsAt []int // per cap, in CapResult order
	total   decimal.Decimal
	pairs   []decimal.Decimal // per payer → payee pair, in variantPlan.pairs order
}

// monteCarlo runs the variant mc.Runs times with drawn growth. Run i draws
// from its own PCG generator seeded (seed, i), so results do not depend on
// how runs are spread over workers.
//
// Memory does not grow with the runs' detail: each run leaves its total and
// per-pair amounts as int64 minor units (rounded as the report prints them:
// rounding is monotone, so the percentiles of the rounded amounts are the
// rounded percentiles, exactly) and adds its binding periods to a
// histogram per cap (one count per period). 200,000 runs of a contract
// with two pairs keep 4.8 MB.
func (p *Plan) monteCarlo(ctx context.Context, vp *variantPlan, mc *MonteCarlo) (*Distribution, error) {
	minor, err := ledger.MinorUnits(p.currency)
	if err != nil {
		return nil, err
	}
	sum := newMCSummary(vp, len(p.periods), mc.Runs, minor)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	workers := min(runtime.GOMAXPROCS(0), mc.Runs)
	hists := make([][][]int, workers) // per worker, per cap, runs per binding period (the last: never)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		hists[w] = sum.newHistograms()
		go func(hist [][]int) {
			defer wg.Done()
			sc := &scratch{streams: make([]Stream, len(vp.streams))}
			for {
				i := int(next.Add(1) - 1)
				if i >= mc.Runs || ctx.Err() != nil {
					return
				}
				ro, err := p.oneRun(vp, mc, uint64(i), sc)
				if err == nil {
					err = sum.record(i, ro, hist)
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}(hists[w])
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return p.distribution(vp, sum, hists), nil
}

// MonteCarloBytes is what the Monte Carlo of one variant keeps for its
// percentiles at the most: 8 bytes per run and amount (its total and each
// payer → payee pair). 0 without Monte Carlo.
func (p *Plan) MonteCarloBytes() int64 {
	if p.s.MonteCarlo == nil {
		return 0
	}
	amounts := 0
	for _, vp := range p.variants {
		amounts = max(amounts, 1+len(vp.pairs))
	}
	return int64(p.s.MonteCarlo.Runs) * int64(amounts) * 8
}

// mcSummary holds what the distribution needs of every run.
type mcSummary struct {
	minor   int32
	periods int
	caps    int
	totals  []int64   // per run, minor units
	pairs   [][]int64 // per pair, per run
}

func newMCSummary(vp *variantPlan, periods, runs int, minor int32) *mcSummary {
	capIndex, sharedAt := capIndexes(vp.contract)
	caps := capIndex[len(capIndex)-1] + len(sharedAt)
	s := &mcSummary{minor: minor, periods: periods, caps: caps, totals: make([]int64, runs), pairs: make([][]int64, len(vp.pairs))}
	for i := range s.pairs {
		s.pairs[i] = make([]int64, runs)
	}
	return s
}

func (s *mcSummary) newHistograms() [][]int {
	h := make([][]int, s.caps)
	for i := range h {
		h[i] = make([]int, s.periods+1)
	}
	return h
}

// maxMinorUnits bounds what an int64 of minor units holds here (so that the
// conversion back is exact).
var maxMinorUnits = decimal.New(1, 18)

func (s *mcSummary) toMinor(d decimal.Decimal) (int64, error) {
	v := d.Shift(s.minor).Round(0)
	if v.Abs().Cmp(maxMinorUnits) >= 0 {
		return 0, fmt.Errorf("monte carlo: an amount paid, %s, is too large to summarise", d.String())
	}
	return v.IntPart(), nil
}

func (s *mcSummary) fromMinor(v int64) decimal.Decimal { return decimal.New(v, -s.minor) }

// record stores run i (each run index is recorded by one worker).
func (s *mcSummary) record(i int, ro runOutcome, hist [][]int) error {
	var err error
	if s.totals[i], err = s.toMinor(ro.total); err != nil {
		return err
	}
	for k := range s.pairs {
		if s.pairs[k][i], err = s.toMinor(ro.pairs[k]); err != nil {
			return err
		}
	}
	for c, at := range ro.bindsAt {
		if at < 0 {
			at = s.periods // never
		}
		hist[c][at]++
	}
	return nil
}

func (p *Plan) oneRun(vp *variantPlan, mc *MonteCarlo, run uint64, sc *scratch) (runOutcome, error) {
	rng := newRand(mc.Seed, run)
	copy(sc.streams, vp.streams)
	for i, d := range mc.Draws {
		applyStreamOverride(sc.streams, p.drawPaths[i], drawGrowth(rng, d))
	}
	bases, err := p.bases(vp, sc.streams, sc)
	if err != nil {
		return runOutcome{}, err
	}
	return runSummary(vp, p.periods, bases, sc)
}

// newRand is run's generator: PCG seeded (seed, run).
func newRand(seed, run uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, run)) }

var minGrowth = decimal.RequireFromString("-0.999999")

// drawGrowth draws one growth rate. normal: g = mean + sd·Z. lognormal:
// 1+g = exp(μ + σ·Z) with σ² = ln(1 + sd²/(1+mean)²) and μ = ln(1+mean) − σ²/2,
// so g has the given mean and standard deviation. The float draw is
// rounded half up to DrawDigits (6) fractional digits before it becomes a
// decimal, and kept above −1 (at least −0.999999).
func drawGrowth(rng *rand.Rand, d Draw) decimal.Decimal {
	mean, sd := d.Mean.InexactFloat64(), d.SD.InexactFloat64()
	z := rng.NormFloat64()
	var g float64
	if d.Dist == "lognormal" {
		m := 1 + mean
		s2 := math.Log1p(sd * sd / (m * m))
		g = math.Exp(math.Log(m)-s2/2+math.Sqrt(s2)*z) - 1
	} else {
		g = mean + sd*z
	}
	x := decimal.NewFromFloat(g).Round(DrawDigits)
	if x.LessThan(minGrowth) {
		return minGrowth
	}
	return x
}

// distribution summarises the runs.
func (p *Plan) distribution(vp *variantPlan, sum *mcSummary, hists [][][]int) *Distribution {
	n := len(sum.totals)
	d := &Distribution{Runs: n, Caps: []CapDistribution{}}
	slices.Sort(sum.totals)
	d.TotalPaid = p.percentiles(sum, sum.totals)
	d.Pairs = []PairDistribution{}
	for i, pp := range vp.pairs {
		slices.Sort(sum.pairs[i])
		d.Pairs = append(d.Pairs, PairDistribution{Payer: pp.Payer, Payee: pp.Payee, TotalPaid: p.percentiles(sum, sum.pairs[i])})
	}
	c := vp.contract
	ci, primary := 0, -1
	add := func(cd CapDistribution) {
		counts := make([]int, sum.periods+1)
		for _, h := range hists {
			for k, v := range h[ci] {
				counts[k] += v
			}
		}
		cd.BindsIn, cd.ByYearEnd = p.bindingPercentiles(counts, n)
		d.Caps = append(d.Caps, cd)
		if primary < 0 || (cd.Kind == string(contracts.CapTotal) && d.Caps[primary].Kind != string(contracts.CapTotal)) {
			primary = ci
		}
		ci++
	}
	// In CapResult order: the rules' caps, then the shared caps' limits.
	for r := range c.Rules {
		for _, cl := range c.Rules[r].Caps() {
			add(CapDistribution{Rule: c.Rules[r].ID, Kind: string(cl.Kind)})
		}
	}
	for _, sc := range c.SharedCaps {
		for _, l := range sc.Caps() {
			add(CapDistribution{Rule: sc.ID, Shared: sc.ID, Rules: sc.Rules, Kind: string(l.Kind)})
		}
	}
	if primary >= 0 {
		pc := d.Caps[primary]
		d.Cap = pc.Rule + " " + pc.Kind
		d.BindsIn, d.ByYearEnd = pc.BindsIn, pc.ByYearEnd
	} else {
		d.BindsIn = PeriodPercentiles{P10: "never", P50: "never", P90: "never"}
		d.ByYearEnd = []YearProbability{}
	}
	return d
}

// percentiles reads P10, P50 and P90 off sorted amounts in minor units.
func (p *Plan) percentiles(sum *mcSummary, sorted []int64) AmountPercentiles {
	n := len(sorted)
	at := func(pct int) string { return p.money(sum.fromMinor(sorted[rank(pct, n)])) }
	return AmountPercentiles{P10: at(10), P50: at(50), P90: at(90)}
}

// rank is the nearest-rank index of the p-th percentile of n sorted values.
func rank(pct, n int) int {
	r := (pct*n + 99) / 100 // ceil(p/100 × n)
	return max(r, 1) - 1
}

// bindingPercentiles reads the nearest-rank P10, P50 and P90 of the
// binding period, and the share of runs bound by each year's end, off
// counts: runs per binding period, the last one never (n runs in all).
func (p *Plan) bindingPercentiles(counts []int, n int) (PeriodPercentiles, []YearProbability) {
	never := len(p.periods)
	// at is the binding period of the run of rank r (0-based) in order.
	at := func(r int) int {
		seen := 0
		for k, c := range counts {
			if seen += c; r < seen {
				return k
			}
		}
		return never
	}
	lab := func(i int) string {
		if i == never {
			return "never"
		}
		return p.periods[i].Label()
	}
	pp := PeriodPercentiles{P10: lab(at(rank(10, n))), P50: lab(at(rank(50, n))), P90: lab(at(rank(90, n)))}
	var years []YearProbability
	first, last := p.periods[p.nActual].Year, p.periods[len(p.periods)-1].Year
	for y := first; y <= last; y++ {
		count := 0
		for k := 0; k < never && p.periods[k].Year <= y; k++ {
			count += counts[k]
		}
		prob := decimal.NewFromInt(int64(count)).DivRound(decimal.NewFromInt(int64(n)), 4)
		years = append(years, YearProbability{Year: y, Probability: prob.StringFixed(4)})
	}
	return pp, years
}

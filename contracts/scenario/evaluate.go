package scenario

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// ruleOutcome is the engine's answer for one rule over the evaluated periods.
type ruleOutcome struct {
	obligations []decimal.Decimal   // per period: obligation plus minimum true-up
	parts       [][]decimal.Decimal // per payee (Rule.PayeeParties), per period: the payee's part
	caps        []capOutcome        // in the order of Rule.Caps
}

// capOutcome is what one cap did over the evaluated periods.
type capOutcome struct {
	kind      contracts.CapKind
	limit     decimal.Decimal
	bindsAt   int             // index of the first period in which it bound, -1 for never
	remaining decimal.Decimal // what remains of it after the last period the rule covers
}

// scratch is one worker's reusable buffers.
type scratch struct {
	bases    [][]decimal.Decimal
	streams  []Stream
	rev      []decimal.Decimal
	gen      revenueGen
	capIndex []int               // capIndex[i]: index of rule i's first cap among all caps
	sharedAt map[sharedLimit]int // index of each shared cap limit among all caps
	pairSums []contracts.Sum
}

// bases returns the variant's bases per rule and period: the fixed part
// (actuals, forecasts) plus each growth stream's projected revenue in the
// rules it feeds, for the periods whose first day lies in the rule's window.
func (p *Plan) bases(vp *variantPlan, streams []Stream, sc *scratch) ([][]decimal.Decimal, error) {
	c := vp.contract
	if len(sc.bases) != len(c.Rules) {
		sc.bases = make([][]decimal.Decimal, len(c.Rules))
		for r := range sc.bases {
			sc.bases[r] = make([]decimal.Decimal, len(p.periods))
		}
	}
	for r := range sc.bases {
		copy(sc.bases[r], vp.fixed[r])
	}
	for si := range streams {
		st := &streams[si]
		need := vp.need[si]
		if st.IsForecast() || need == 0 {
			continue
		}
		if len(sc.rev) < need {
			sc.rev = make([]decimal.Decimal, len(p.periods)-p.nActual)
		}
		rev := sc.rev[:need]
		sc.gen.fill(rev, st.Start, PerPeriodRate(st.Growth, p.freq), p.minor)
		for _, r := range vp.feeds[si] {
			row, in := sc.bases[r][p.nActual:], vp.inWindow[r]
			for k, v := range rev {
				if !in[k] {
					continue
				}
				if x := row[k]; x.IsZero() {
					row[k] = v // decimals are immutable: sharing is safe
				} else {
					row[k] = x.Add(v)
				}
			}
		}
	}
	return sc.bases, nil
}

// Run evaluates every variant, and with monte_carlo its runs, and returns
// the result. ctx cancels a long Monte Carlo.
func (p *Plan) Run(ctx context.Context) (*Result, error) {
	res := &Result{
		Name:           p.s.Name,
		Contract:       p.contract.ID,
		Currency:       p.currency,
		Period:         string(p.freq),
		FirstProjected: p.periods[p.nActual].Label(),
		Horizon:        p.periods[len(p.periods)-1].Label(),
	}
	if p.s.ActualsThrough != nil {
		res.ActualsThrough = p.s.ActualsThrough.Label()
	}
	for si, st := range p.s.Streams {
		if !st.IsForecast() && len(p.variants) > 0 && len(p.variants[0].feeds[si]) == 0 {
			p.warn(fmt.Sprintf("streams[%d] (%s) feeds no rule of the contract", si, st.Match))
		}
	}
	for _, vp := range p.variants {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var sc scratch
		bases, err := p.bases(vp, vp.streams, &sc)
		if err != nil {
			return nil, err
		}
		out, extra, err := evaluate(vp.contract, p.periods, bases)
		if err != nil {
			return nil, err
		}
		vr := p.summarize(vp, out, extra)
		if mc := p.s.MonteCarlo; mc != nil {
			d, err := p.monteCarlo(ctx, vp, mc)
			if err != nil {
				return nil, err
			}
			vr.Distribution = d
		}
		res.Variants = append(res.Variants, vr)
	}
	if len(res.Variants) > 0 {
		res.Distribution = res.Variants[0].Distribution
	}
	res.Warnings = p.warnings
	return res, nil
}

func (p *Plan) money(d decimal.Decimal) string { return ledger.FormatMoney(d, p.currency) }

func (p *Plan) label(i int) string {
	if i < 0 {
		return "never"
	}
	return p.periods[i].Label()
}

// summarize turns the engine's outcome into a VariantResult.
func (p *Plan) summarize(vp *variantPlan, out []ruleOutcome, extra evalExtra) VariantResult {
	c := vp.contract
	vr := VariantResult{Name: vp.name, Caps: []CapResult{}}
	for r, ro := range out {
		for _, co := range ro.caps {
			vr.Caps = append(vr.Caps, CapResult{
				Rule: c.Rules[r].ID, Kind: string(co.kind), Limit: p.money(co.limit),
				BindsIn: p.label(co.bindsAt), RemainingAtHorizon: p.money(co.remaining),
			})
		}
	}
	for _, so := range extra.shared {
		vr.Caps = append(vr.Caps, CapResult{
			Rule: so.id, Shared: so.id, Rules: so.rules, Kind: string(so.kind), Limit: p.money(so.limit),
			BindsIn: p.label(so.bindsAt), RemainingAtHorizon: p.money(so.remaining),
		})
	}
	recoup := extra.recoup
	total, actual := decimal.Zero, decimal.Zero
	cumRule := make([]decimal.Decimal, len(c.Rules))
	yearRule := make([]decimal.Decimal, len(c.Rules))
	yearTotal := decimal.Zero
	// Recoupments per period (spec section 8: cash paid is obligations less
	// recoupments) and the first period that ends with each advance fully
	// recouped.
	recoupedIn := map[ledger.Period]decimal.Decimal{}
	recoupedBy := map[string]string{}
	for _, rc := range recoup {
		recoupedIn[rc.Period] = recoupedIn[rc.Period].Add(rc.Recouped)
		if _, done := recoupedBy[rc.Advance]; !done && rc.UnrecoupedAfter.Sign() <= 0 {
			recoupedBy[rc.Advance] = rc.Period.Label()
		}
	}
	hasAdvances := len(c.Advances) > 0
	yearRecouped := decimal.Zero
	flushYear := func(year int) {
		y := YearResult{Year: year, Obligations: p.money(yearTotal)}
		if hasAdvances {
			y.CashPaid = p.money(yearTotal.Sub(yearRecouped))
			y.Recouped = p.money(yearRecouped)
			yearRecouped = decimal.Zero
		}
		for r := range c.Rules {
			y.Rules = append(y.Rules, RuleAmount{Rule: c.Rules[r].ID, Amount: p.money(yearRule[r])})
			yearRule[r] = decimal.Zero
		}
		vr.Years = append(vr.Years, y)
		yearTotal = decimal.Zero
	}
	for i, q := range p.periods {
		if i > 0 && q.Year != p.periods[i-1].Year {
			flushYear(p.periods[i-1].Year)
		}
		inPeriod := decimal.Zero
		pr := PeriodResult{Period: q.Label(), Actual: i < p.nActual}
		for r := range c.Rules {
			o := out[r].obligations[i]
			inPeriod = inPeriod.Add(o)
			yearRule[r] = yearRule[r].Add(o)
			cumRule[r] = cumRule[r].Add(o)
			pr.Rules = append(pr.Rules, RuleAmount{Rule: c.Rules[r].ID, Amount: p.money(cumRule[r])})
		}
		total = total.Add(inPeriod)
		yearTotal = yearTotal.Add(inPeriod)
		yearRecouped = yearRecouped.Add(recoupedIn[q])
		if i < p.nActual {
			actual = actual.Add(inPeriod)
		}
		pr.Obligations, pr.Cumulative = p.money(inPeriod), p.money(total)
		vr.Periods = append(vr.Periods, pr)
	}
	flushYear(p.periods[len(p.periods)-1].Year)
	vr.Years = dropYearsBeforeActivity(vr.Years)
	vr.TotalPaid = p.money(total)
	vr.Pairs = append([]PairPaid{}, vp.pairs...)
	pairSums := make([]decimal.Decimal, len(vp.pairs))
	for r := range c.Rules {
		for j, pi := range vp.pairOf[r] {
			for _, x := range out[r].parts[j] {
				pairSums[pi] = pairSums[pi].Add(x)
			}
		}
	}
	for i := range vr.Pairs {
		vr.Pairs[i].TotalPaid = p.money(pairSums[i])
	}
	if p.nActual > 0 {
		vr.ActualsPaid = p.money(actual)
	}
	for _, a := range c.OrderedAdvances() {
		by, ok := recoupedBy[a.ID]
		if !ok {
			by = "never"
		}
		vr.Advances = append(vr.Advances, AdvanceResult{ID: a.ID, Payer: a.Payer, Payee: a.Payee, Date: a.Date.String(),
			Amount: p.money(a.Amount), RecoupedBy: by})
	}
	return vr
}

// dropYearsBeforeActivity leaves out the years before the first one with a
// non-zero figure: a contract whose rules start years before any revenue
// would otherwise print rows of zeros. A result with no activity at all
// keeps every year.
func dropYearsBeforeActivity(years []YearResult) []YearResult {
	for i, y := range years {
		if !zeroYear(y) {
			return years[i:]
		}
	}
	return years
}

func zeroYear(y YearResult) bool {
	zero := func(s string) bool { return s == "" || decimal.RequireFromString(s).IsZero() }
	if !zero(y.Obligations) || !zero(y.CashPaid) || !zero(y.Recouped) {
		return false
	}
	for _, r := range y.Rules {
		if !zero(r.Amount) {
			return false
		}
	}
	return true
}

package scenario

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// ContractSource reads a stored contract by id (the database, in the
// command and the REST API).
type ContractSource interface {
	// Contract returns the contract's current version; ENOTFOUND when there
	// is no such contract. Variants are applied to its canonical document
	// (Contract.Canonical), then parsed again.
	Contract(ctx context.Context, id string) (*contracts.Contract, error)
}

// ActualsSource reads real history for actuals_through.
type ActualsSource interface {
	// Bases returns the base (spec section 4, step 1: matched revenue in the
	// contract currency inside the rule's window) of every rule of c and
	// every period from c's first period through `through`, from the events
	// known now. Missing (rule, period) pairs are zero. The scenario runs
	// them through the obligation engine, so under the scenario's base
	// variant the actual periods' obligations equal what `revshare run`
	// books for them. c is the scenario's contract before any variant.
	Bases(ctx context.Context, c *contracts.Contract, through ledger.Period) ([]Base, error)
}

// Base is the base of one rule in one period.
type Base struct {
	Rule   string
	Period ledger.Period
	Amount decimal.Decimal
}

// Sources are where Prepare reads what the scenario file only names. A nil
// source refuses the scenarios that need it.
type Sources struct {
	Contracts ContractSource
	Actuals   ActualsSource
	// Today, when set, refuses an actuals_through that has not ended by
	// then: its months would count as zero revenue (spec section 8: a
	// future actuals_through is refused), and a month under way as
	// partial revenue. Projections start from the last complete period.
	Today ledger.Date
	// Booked, when set, returns the latest date the books reach (the
	// latest run's through or entry's date; zero if nothing is booked):
	// an actuals_through past its period is refused (spec section 8: past
	// the last booked period), its months would count as zero revenue.
	Booked func(ctx context.Context) (ledger.Date, error)
	// MaxWork, when positive, refuses a scenario whose evaluated periods
	// × Monte Carlo runs (1 without) × variants × the contract's rules is
	// above it, with a *WorkError, before any history is read or variant
	// applied. The REST API sets MaxRequestWork; the command line, on the
	// user's own machine, sets none.
	MaxWork int64
}

// Plan is a scenario checked against its contract, ready to evaluate.
type Plan struct {
	s           *Scenario
	contract    *contracts.Contract // the base contract, before overrides
	currency    string
	minor       int32 // the currency's minor units
	freq        ledger.Frequency
	periods     []ledger.Period // evaluated periods: actual ones, then projected ones
	nActual     int             // periods[:nActual] are actual
	actual      map[string][]decimal.Decimal
	actualBases []Base // the actual bases, when periodRange needed them
	variants    []*variantPlan
	warnings    []string
	// drawPaths are the parsed paths of the Monte Carlo draws.
	drawPaths []parsedPath
}

// variantPlan is one variant with its overrides applied.
type variantPlan struct {
	name     string
	contract *contracts.Contract
	streams  []Stream
	feeds    [][]int             // per stream: indexes of the rules it feeds
	inWindow [][]bool            // rule × projected period: the period's first day is in the rule's window
	need     []int               // per stream: projected periods up to the last one a fed rule counts
	pairs    []PairPaid          // payer → payee pairs in rule order (TotalPaid empty)
	pairOf   [][]int             // rule index → payee index (Rule.PayeeParties) → index in pairs
	fixed    [][]decimal.Decimal // rule × period: actual bases plus forecast revenue
}

// Evaluate parses, prepares and runs a scenario document in one call (the
// REST API's POST /scenarios). Errors are those of Parse, Prepare and Run.
func Evaluate(ctx context.Context, data []byte, opts ParseOptions, src Sources) (*Result, error) {
	s, err := Parse(data, opts)
	if err != nil {
		return nil, err
	}
	p, err := Prepare(ctx, s, src)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx)
}

// Prepare reads the contract (inline or through src), checks the scenario
// against it and applies every variant's overrides. All problems come back
// together in a *ValidationError, each with its line in the file when s
// was parsed from one.
func Prepare(ctx context.Context, s *Scenario, src Sources) (*Plan, error) {
	p, err := prepare(ctx, s, src)
	if ve := (*ValidationError)(nil); errors.As(err, &ve) {
		s.lines.fill(ve.Problems)
	}
	return p, err
}

func prepare(ctx context.Context, s *Scenario, src Sources) (*Plan, error) {
	var ps problems
	doc := s.Contract.Document
	parse := contracts.Parse // an inline contract is the user's
	if s.Contract.ID != "" {
		parse = contracts.ParseStored
		if src.Contracts == nil {
			return nil, ledger.Errorf(ledger.EINVALID, "contract %q: contracts by id need a database here; give the contract inline", s.Contract.ID)
		}
		c, err := src.Contracts.Contract(ctx, s.Contract.ID)
		if err != nil {
			return nil, err
		}
		doc = c.Canonical()
	}
	base, err := parse(doc)
	if err != nil {
		return nil, invalid(contractProblems(err, "contract")...)
	}
	minor, err := ledger.MinorUnits(base.Currency)
	if err != nil {
		return nil, err
	}
	p := &Plan{s: s, contract: base, currency: base.Currency, minor: minor, freq: base.Period}
	if s.MonteCarlo != nil {
		for _, d := range s.MonteCarlo.Draws {
			pp, _ := parsePath(d.Path, len(s.Streams)) // checked by Parse
			p.drawPaths = append(p.drawPaths, pp)
		}
	}
	if err := p.periodRange(ctx, &ps, src); err != nil {
		return nil, err
	}
	if len(ps.list) == 0 && s.ActualsThrough != nil && src.Booked != nil {
		if err := checkBooked(ctx, &ps, *s.ActualsThrough, src.Booked); err != nil {
			return nil, err
		}
	}
	if len(ps.list) > 0 {
		return nil, ps.err()
	}
	expanded := s.Expand()
	if mc := s.MonteCarlo; mc != nil && mc.Runs*len(expanded) > MaxRunsTotal {
		ps.add("monte_carlo.runs", "%d runs × %d variants is more than %d runs in all", mc.Runs, len(expanded), MaxRunsTotal)
		return nil, ps.err()
	}
	if src.MaxWork > 0 {
		// Each period evaluates every rule of the contract (a variant's
		// overrides change values, not how many rules there are).
		we := &WorkError{Periods: len(p.periods), Runs: 1, Variants: len(expanded), Rules: len(base.Rules), Limit: src.MaxWork}
		if s.MonteCarlo != nil {
			we.Runs = s.MonteCarlo.Runs
		}
		if we.Work() > src.MaxWork {
			return nil, we
		}
	}
	if s.ActualsThrough != nil {
		if err := p.loadActuals(ctx, src); err != nil {
			return nil, err
		}
	}
	for i, v := range expanded {
		where := fmt.Sprintf("variants[%d] (%s)", i, v.Name)
		if len(s.Variants) == 0 {
			where = fmt.Sprintf("variant %q", v.Name)
		}
		vp := p.prepareVariant(v, doc, where, &ps)
		p.variants = append(p.variants, vp)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// periodRange fixes the evaluated periods: with actuals, from the contract's
// first period through actuals_through, then projected through the horizon;
// without, from start_period (default: the period of the earliest rule
// start) through the horizon.
func (p *Plan) periodRange(ctx context.Context, ps *problems, src Sources) error {
	s := p.s
	// check refuses a label of another frequency, suggesting the contract
	// period that starts it (start_period) or ends it (horizon, actuals).
	check := func(path string, per *ledger.Period, end bool) bool {
		if per == nil || per.Freq == p.freq {
			return true
		}
		hint := ledger.PeriodOf(p.freq, per.Start())
		if end {
			hint = ledger.PeriodOf(p.freq, per.Last())
		}
		ps.add(path, "%q is a %s but the contract's periods are %ss (e.g. %s)", per.Label(), per.Freq, p.freq, hint.Label())
		return false
	}
	hOK := check("horizon", &s.Horizon, true)
	aOK := check("actuals_through", s.ActualsThrough, true)
	sOK := check("start_period", s.StartPeriod, false)
	if !hOK || !aOK || !sOK {
		return nil
	}
	contractStart, hasStart := p.contract.FirstPeriod()
	var first, firstProjected ledger.Period
	switch {
	case s.ActualsThrough != nil:
		if src.Actuals == nil {
			ps.add("actuals_through", "actuals need a database here")
			return nil
		}
		if !src.Today.IsZero() && !s.ActualsThrough.Last().Before(src.Today) {
			last := ledger.PeriodOf(p.freq, ledger.PeriodOf(p.freq, src.Today).Start().AddDays(-1))
			ps.add("actuals_through", "%s has not ended (today is %s): its revenue is not all known yet; the last complete period is %s",
				s.ActualsThrough.Label(), src.Today, last.Label())
			return nil
		}
		if p.contract.OpenStart() {
			// A rule without a start counts from its first event: the
			// actual periods begin with the earliest base, as the
			// contract's statements do (docs/runs.md).
			bases, err := src.Actuals.Bases(ctx, p.contract, *s.ActualsThrough)
			if err != nil {
				return err
			}
			p.actualBases = bases
			for _, b := range bases {
				if !hasStart || b.Period.Before(contractStart) {
					contractStart, hasStart = b.Period, true
				}
			}
		}
		if !hasStart {
			ps.add("actuals_through", "the contract's rules have no start date and no event is counted through %s, so its first period is unknown", s.ActualsThrough.Label())
			return nil
		}
		first, firstProjected = contractStart, s.ActualsThrough.Next()
		if s.ActualsThrough.Before(contractStart) {
			first = firstProjected
		}
	case s.StartPeriod != nil:
		first, firstProjected = *s.StartPeriod, *s.StartPeriod
	case hasStart:
		first, firstProjected = contractStart, contractStart
	default:
		ps.add("start_period", "required: the contract's rules have no start date")
		return nil
	}
	if s.Horizon.Before(firstProjected) {
		ps.add("horizon", "%s is before the first projected period %s", s.Horizon.Label(), firstProjected.Label())
		return nil
	}
	n := 0
	for q := first; !s.Horizon.Before(q); q = q.Next() {
		if n++; n > MaxPeriods {
			ps.add("horizon", "%s to %s is more than %d periods", first.Label(), s.Horizon.Label(), MaxPeriods)
			return nil
		}
	}
	for q := first; !s.Horizon.Before(q); q = q.Next() {
		if q.Before(firstProjected) {
			p.nActual++
		}
		p.periods = append(p.periods, q)
	}
	return nil
}

func (p *Plan) loadActuals(ctx context.Context, src Sources) error {
	p.actual = map[string][]decimal.Decimal{}
	if p.nActual == 0 {
		return nil
	}
	bases := p.actualBases
	if bases == nil {
		var err error
		if bases, err = src.Actuals.Bases(ctx, p.contract, *p.s.ActualsThrough); err != nil {
			return err
		}
	}
	index := map[ledger.Period]int{}
	for i, q := range p.periods[:p.nActual] {
		index[q] = i
	}
	for _, b := range bases {
		if p.contract.Rule(b.Rule) == nil {
			p.warn(fmt.Sprintf("actuals: the contract has no rule %q; its bases are ignored", b.Rule))
			continue
		}
		i, ok := index[b.Period]
		if !ok {
			if b.Period.Before(p.periods[0]) && !b.Amount.IsZero() {
				p.warnings = append(p.warnings, fmt.Sprintf("actuals: rule %s has a base in %s, before the contract's first period %s; ignored",
					b.Rule, b.Period.Label(), p.periods[0].Label()))
			}
			continue
		}
		row := p.actual[b.Rule]
		if row == nil {
			row = make([]decimal.Decimal, p.nActual)
			p.actual[b.Rule] = row
		}
		row[i] = row[i].Add(b.Amount)
	}
	return nil
}

func (p *Plan) prepareVariant(v Expanded, doc []byte, where string, ps *problems) *variantPlan {
	vp := &variantPlan{name: v.Name, contract: p.contract}
	hasRule := false
	for _, o := range v.Set {
		if pp, _ := parsePath(o.Path, len(p.s.Streams)); pp.kind == pathRule {
			hasRule = true
		}
	}
	if hasRule {
		c, probs := applyContractOverrides(doc, v.Set, where)
		for i := range probs {
			if probs[i].Line == 0 {
				probs[i].Line = v.line // the contract a variant's overrides made is refused
			}
		}
		ps.list = append(ps.list, probs...)
		if c == nil {
			return vp
		}
		if c.Period != p.freq || c.Currency != p.currency {
			ps.list = append(ps.list, Problem{Path: where, Reason: "a variant may not change the contract's period or currency", Line: v.line})
			return vp
		}
		vp.contract = c
	}
	vp.streams = make([]Stream, len(p.s.Streams))
	copy(vp.streams, p.s.Streams)
	for _, o := range v.Set {
		pp, _ := parsePath(o.Path, len(vp.streams))
		if pp.kind == pathStart || pp.kind == pathGrowth {
			d, _ := parseDecimal(o.Value) // checked by Parse
			applyStreamOverride(vp.streams, pp, d)
		}
	}
	c := vp.contract
	vp.pairOf = make([][]int, len(c.Rules))
	for r := range c.Rules {
		for _, payee := range c.Rules[r].PayeeParties() {
			i := 0
			for i < len(vp.pairs) && (vp.pairs[i].Payer != c.Rules[r].Payer || vp.pairs[i].Payee != payee) {
				i++
			}
			if i == len(vp.pairs) {
				vp.pairs = append(vp.pairs, PairPaid{Payer: c.Rules[r].Payer, Payee: payee})
			}
			vp.pairOf[r] = append(vp.pairOf[r], i)
		}
	}
	vp.inWindow = make([][]bool, len(c.Rules))
	for r := range c.Rules {
		vp.inWindow[r] = make([]bool, len(p.periods)-p.nActual)
		for k := range vp.inWindow[r] {
			vp.inWindow[r][k] = c.Rules[r].InWindow(p.periods[p.nActual+k].Start())
		}
	}
	vp.feeds = make([][]int, len(vp.streams))
	vp.need = make([]int, len(vp.streams))
	for i := range vp.streams {
		vp.feeds[i] = feeds(c, vp.streams[i].Match)
		for _, r := range vp.feeds[i] {
			for k, in := range vp.inWindow[r] {
				if in && k+1 > vp.need[i] {
					vp.need[i] = k + 1
				}
			}
		}
	}
	vp.fixed = p.fixedBases(vp, ps)
	return vp
}

// feeds returns the rules a stream with match m feeds: those whose every
// match field is fixed by m to one of the values the rule accepts. A stream
// {seller: microsoft} does not feed a rule matching {seller: microsoft,
// channel: azure}: the stream does not say its revenue is Azure's.
func feeds(c *contracts.Contract, m Match) []int {
	var out []int
	for i := range c.Rules {
		rm := &c.Rules[i].Match
		if accepts(rm.Seller, m["seller"]) && accepts(rm.Channel, m["channel"]) && accepts(rm.Customer, m["customer"]) &&
			accepts(rm.Product, m["product"]) && accepts(rm.Region, m["region"]) {
			out = append(out, i)
		}
	}
	return out
}

func accepts(want []string, got string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if w == got && got != "" {
			return true
		}
	}
	return false
}

// fixedBases returns, per rule and evaluated period, the base that does not
// depend on growth: actual bases and forecast revenue. Projected revenue of
// a period is dated on the period's first day: a rule counts it when that
// day lies in its window.
func (p *Plan) fixedBases(vp *variantPlan, ps *problems) [][]decimal.Decimal {
	c := vp.contract
	fixed := make([][]decimal.Decimal, len(c.Rules))
	for r := range fixed {
		fixed[r] = make([]decimal.Decimal, len(p.periods))
		copy(fixed[r], p.actual[c.Rules[r].ID])
	}
	index := map[string]int{}
	for i := p.nActual; i < len(p.periods); i++ {
		index[p.periods[i].Label()] = i
	}
	for si := range vp.streams {
		st := &vp.streams[si]
		outside := 0
		for _, row := range st.Rows {
			per, err := ledger.ParsePeriod(row.Period)
			if err != nil || per.Freq != p.freq {
				ps.add(fmt.Sprintf("streams[%d].forecast", si), "%s line %d: period %q is not a contract period (want a %s like %s)",
					st.Forecast, row.Line, row.Period, p.freq, p.periods[0].Label())
				continue
			}
			k, ok := index[per.Label()]
			if !ok {
				outside++
				continue
			}
			for _, r := range feeds(c, row.Match) {
				if c.Rules[r].InWindow(per.Start()) {
					fixed[r][k] = fixed[r][k].Add(row.Amount)
				}
			}
		}
		if outside > 0 {
			p.warn(fmt.Sprintf("streams[%d]: %d forecast row(s) outside the projected periods %s..%s ignored",
				si, outside, p.periods[p.nActual].Label(), p.periods[len(p.periods)-1].Label()))
		}
	}
	return fixed
}

func (p *Plan) warn(w string) {
	for _, x := range p.warnings {
		if x == w {
			return
		}
	}
	p.warnings = append(p.warnings, w)
}

// checkBooked refuses an actuals_through past the last booked period: the
// period that holds the latest date the books reach.
func checkBooked(ctx context.Context, ps *problems, through ledger.Period, booked func(context.Context) (ledger.Date, error)) error {
	last, err := booked(ctx)
	if err != nil {
		return err
	}
	switch {
	case last.IsZero():
		ps.add("actuals_through", "%s is past the last booked period: nothing is booked yet", through.Label())
	case last.Before(through.Start()):
		ps.add("actuals_through", "%s is past the last booked period %s (the books reach %s: the latest run's through or entry's date): import and run it first",
			through.Label(), ledger.PeriodOf(through.Freq, last).Label(), last)
	}
	return nil
}

package contracts

import (
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// EvaluateBases evaluates c from the period `first` through `through` (both
// of the contract's frequency) over given bases: bases[i][k] is the base of
// c.Rules[i] in the k-th period from first, in contract currency; a short or
// nil slice means zero bases. A base in a period outside the rule's window is
// ignored. Lines carry no event counts, breakdowns or event IDs.
func EvaluateBases(c *Contract, first, through ledger.Period, bases [][]decimal.Decimal) (*Result, error) {
	if first.Freq != c.Period || through.Freq != c.Period {
		return nil, ledger.Errorf(ledger.EINVALID, "contract %s has %s periods: cannot evaluate %s to %s", c.ID, c.Period, first.Label(), through.Label())
	}
	if len(bases) > len(c.Rules) {
		return nil, ledger.Errorf(ledger.EINVALID, "bases for %d rules given, contract %s has %d", len(bases), c.ID, len(c.Rules))
	}
	res := &Result{Contract: c, Through: through}
	n := ordinal(through) - ordinal(first) + 1
	if n <= 0 {
		return res, nil
	}
	res.First = first
	res.Lines = evaluate(c, first, n, bases)
	return res, nil
}

// ruleState is what the evaluation carries from one period to the next.
type ruleState struct {
	year        int
	totalToDate decimal.Decimal // obligations + true-ups of all earlier periods
	yearToDate  decimal.Decimal // the same within the current calendar year
	tierBase    decimal.Decimal // cumulative base within the tier window, before this period
}

// sharedState is what a shared cap's rules have consumed: in earlier
// periods (total, and within the calendar year) and, while a period is
// evaluated, by the rules evaluated so far in it.
type sharedState struct {
	cap         *SharedCap
	limits      []CapLimit
	year        int
	totalToDate decimal.Decimal
	yearToDate  decimal.Decimal
	thisPeriod  decimal.Decimal
}

// consumedBefore is what the shared cap's window of kind has consumed
// before the rule now evaluated: earlier periods of the window plus the
// rules before it in this period.
func (s *sharedState) consumedBefore(kind CapKind) decimal.Decimal {
	switch kind {
	case CapTotal:
		return s.totalToDate.Add(s.thisPeriod)
	case CapPerYear:
		return s.yearToDate.Add(s.thisPeriod)
	}
	return s.thisPeriod
}

// evaluate applies section 4 to n periods from first. It is the only place
// where gross, caps, shared caps, minimums and splits are computed.
func evaluate(c *Contract, first ledger.Period, n int, bases [][]decimal.Decimal) []Line {
	state := make([]ruleState, len(c.Rules))
	limits := make([][]CapLimit, len(c.Rules))
	ncaps := 0
	for i := range c.Rules {
		limits[i] = c.Rules[i].Caps()
		ncaps += len(limits[i])
		state[i].year = first.Year
	}
	shared := make([]sharedState, len(c.SharedCaps))
	member := make([][]*sharedState, len(c.Rules)) // the shared caps of each rule, in contract order
	for j := range c.SharedCaps {
		sc := &c.SharedCaps[j]
		shared[j] = sharedState{cap: sc, limits: sc.Caps(), year: first.Year}
		for _, id := range sc.Rules {
			for i := range c.Rules {
				if c.Rules[i].ID == id {
					member[i] = append(member[i], &shared[j])
					ncaps += len(shared[j].limits)
				}
			}
		}
	}
	lines := make([]Line, 0, n*len(c.Rules))
	capLines := make([]CapLine, 0, n*ncaps)
	p := first
	for k := 0; k < n; k, p = k+1, p.Next() {
		for j := range shared {
			sh := &shared[j]
			if p.Year != sh.year {
				sh.year, sh.yearToDate = p.Year, decimal.Zero
			}
		}
		for i := range c.Rules {
			r := &c.Rules[i]
			st := &state[i]
			if p.Year != st.year {
				st.year, st.yearToDate = p.Year, decimal.Zero
				if r.TierWindow == TierYear {
					st.tierBase = decimal.Zero
				}
			}
			if !r.Overlaps(p) {
				continue
			}
			var base decimal.Decimal
			if i < len(bases) && k < len(bases[i]) {
				base = bases[i][k]
			}
			ln := Line{Rule: r.ID, RuleIndex: i, Payer: r.Payer, Payee: r.Payee, Period: p, Base: base}
			ln.Gross = c.gross(r, st, base)
			start := len(capLines)
			capLines = applyCaps(r, st, limits[i], member[i], &ln, capLines, lastOfYear(r, p))
			ln.Caps = capLines[start:len(capLines):len(capLines)]
			ln.Splits = c.split(r, ln.Total)
			lines = append(lines, ln)
		}
		for j := range shared {
			sh := &shared[j]
			sh.totalToDate = sh.totalToDate.Add(sh.thisPeriod)
			sh.yearToDate = sh.yearToDate.Add(sh.thisPeriod)
			sh.thisPeriod = decimal.Zero
		}
	}
	return lines
}

// split divides a split rule's total between its payees (section 4 step
// 6): each payee but the last gets round(total × share) with the contract's
// rounding, the last gets the remainder, so the parts sum to the total
// exactly. It returns nil for a rule with one payee.
func (c *Contract) split(r *Rule, total decimal.Decimal) []SplitPart {
	if len(r.Payees) == 0 {
		return nil
	}
	parts := make([]SplitPart, len(r.Payees))
	left := total
	for i, sp := range r.Payees {
		amt := left
		if i < len(r.Payees)-1 {
			amt = c.round(total.Mul(sp.Share))
		}
		left = left.Sub(amt)
		parts[i] = SplitPart{Payee: sp.Party, Share: sp.Share, Amount: amt}
	}
	return parts
}

// round rounds x to the contract currency's minor units with the contract's
// rounding mode: the one rounding of gross and of split parts.
func (c *Contract) round(x decimal.Decimal) decimal.Decimal {
	rounded, err := ledger.RoundMinor(x, c.Currency, c.Rounding)
	if err != nil {
		// Parse validated the currency and the rounding mode.
		panic("contracts: " + err.Error())
	}
	return rounded
}

// gross computes rate × base, or the graduated tiers over the tier window's
// cumulative base, rounded once to the contract currency's minor units.
func (c *Contract) gross(r *Rule, st *ruleState, base decimal.Decimal) decimal.Decimal {
	var g decimal.Decimal
	if r.Rate != nil {
		g = r.Rate.Mul(base)
	} else {
		prior := st.tierBase
		if r.TierWindow == TierPeriod {
			prior = decimal.Zero
		}
		after := prior.Add(base)
		g = graduated(r.Tiers, after).Sub(graduated(r.Tiers, prior))
		st.tierBase = after
	}
	return c.round(g)
}

// graduated is the marginal-rate amount of a cumulative base x: the slice of
// x between consecutive thresholds earns that tier's rate, base above the
// last threshold earns nothing, and a negative cumulative base earns the
// first tier's rate (the first tier extends below zero).
func graduated(tiers []Tier, x decimal.Decimal) decimal.Decimal {
	if x.Sign() <= 0 {
		return tiers[0].Rate.Mul(x)
	}
	var g, lo decimal.Decimal
	for _, t := range tiers {
		top := x
		if t.UpTo != nil && t.UpTo.LessThan(x) {
			top = *t.UpTo
		}
		g = g.Add(t.Rate.Mul(top.Sub(lo)))
		if t.UpTo == nil || !t.UpTo.LessThan(x) {
			break
		}
		lo = *t.UpTo
	}
	return g
}

// lastOfYear reports whether p is the last period of its calendar year that
// overlaps the rule's window: where a minimum is trued up.
func lastOfYear(r *Rule, p ledger.Period) bool {
	next := p.Next()
	return next.Year != p.Year || !r.Overlaps(next)
}

// applyCaps turns ln.Gross into the obligation and the minimum true-up,
// appends one CapLine per configured cap (the rule's own, then each shared
// cap it belongs to), and advances the rule's and the shared caps' state.
func applyCaps(r *Rule, st *ruleState, limits []CapLimit, shared []*sharedState, ln *Line, capLines []CapLine, yearEnd bool) []CapLine {
	consumed := func(kind CapKind) decimal.Decimal {
		switch kind {
		case CapTotal:
			return st.totalToDate
		case CapPerYear:
			return st.yearToDate
		}
		return decimal.Zero
	}
	// Each cap leaves room = limit − consumed before: the rule's own caps
	// against the rule's consumption (step 3), shared caps against all
	// their rules' (step 5). The obligation is the least of gross and
	// every room, and never below −total_to_date.
	type capRoom struct {
		line CapLine
		room decimal.Decimal
	}
	var buf [6]capRoom // a rule's own caps and one shared cap's: no allocation
	caps := buf[:0]
	for _, l := range limits {
		before := consumed(l.Kind)
		caps = append(caps, capRoom{CapLine{Kind: l.Kind, Limit: l.Limit, ConsumedBefore: before}, l.Limit.Sub(before)})
	}
	for _, sh := range shared {
		for _, l := range sh.limits {
			before := sh.consumedBefore(l.Kind)
			caps = append(caps, capRoom{CapLine{Shared: sh.cap.ID, Kind: l.Kind, Limit: l.Limit, ConsumedBefore: before}, l.Limit.Sub(before)})
		}
	}
	obligation := ln.Gross
	for _, c := range caps {
		if c.room.LessThan(obligation) {
			obligation = c.room
		}
	}
	if floor := st.totalToDate.Neg(); obligation.LessThan(floor) {
		obligation = floor
		consumed := st.totalToDate
		ln.RefundFloor = &consumed
	}
	for j := range caps {
		caps[j].line.Bound = caps[j].room.LessThan(ln.Gross) && caps[j].room.Equal(obligation)
	}
	trueUp := decimal.Zero
	if r.Minimum.PerYear != nil && yearEnd {
		short := r.Minimum.PerYear.Sub(st.yearToDate.Add(obligation))
		if short.Sign() > 0 {
			trueUp = short
			for _, c := range caps {
				if left := c.room.Sub(obligation); left.LessThan(trueUp) {
					trueUp = left
				}
			}
			if trueUp.Sign() < 0 {
				trueUp = decimal.Zero
			}
			for j, c := range caps {
				if trueUp.LessThan(short) && c.room.Sub(obligation).Equal(trueUp) {
					caps[j].line.Bound = true
				}
			}
		}
	}
	total := obligation.Add(trueUp)
	for _, c := range caps {
		c.line.Applied, c.line.RemainingAfter = total, c.room.Sub(total)
		capLines = append(capLines, c.line)
	}
	ln.Obligation, ln.MinimumTrueUp, ln.Total = obligation, trueUp, total
	st.totalToDate = st.totalToDate.Add(total)
	st.yearToDate = st.yearToDate.Add(total)
	for _, sh := range shared {
		sh.thisPeriod = sh.thisPeriod.Add(total)
	}
	return capLines
}

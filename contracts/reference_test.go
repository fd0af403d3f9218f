package contracts_test

// A reference implementation of spec section 4 (obligations), written from
// the spec text (/work/shared/spec/README.md sections 1, 3, 4 and 5) and the
// choices docs/contracts.md records where the spec leaves one, without
// reading the engine (evaluate.go, engine.go, accumulator.go, sum.go). It is
// deliberately simple and slow: every sum is recomputed from the lines
// before it, nothing is cached, nothing is clever. TestDifferential compares
// it with the engine on random contracts.
//
// Readings taken where the spec is silent or open (docs/design/spec-audit.md,
// "Differential reference"), each the engine's documented choice:
//   - lines begin at the period of the earliest rule `from`, or of the
//     earliest event an open-start rule counts (docs/contracts.md, Periods);
//   - tiers: a negative cumulative base earns the first tier's rate, and base
//     above a bounded last tier earns nothing;
//   - the refund floor −total_to_date applies to every rule, capped or not;
//   - the minimum true-up falls in the last period of each calendar year the
//     rule covers, or in the period in which the rule ends;
//   - a cap line's `bound` is set when its room was below gross and equal to
//     the obligation, or when the room left after the obligation was below
//     the minimum's shortfall and equal to the true-up (several caps can
//     bind at once);
//   - advances of one payer→payee pair recoup from the same rules (the
//     generator keeps it so; the engine's pool choice for different rules is
//     not modelled here).

import (
	"fmt"
	"sort"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

type refCap struct {
	Shared                        string
	Kind                          string
	Limit, Before, Applied, After decimal.Decimal
	Bound                         bool
}

type refSplit struct {
	Payee  string
	Amount decimal.Decimal
}

type refLine struct {
	Rule                             string
	Period                           ledger.Period
	Base                             decimal.Decimal
	Events                           int
	ByChannel, ByProduct             map[string]decimal.Decimal
	Gross, Obligation, TrueUp, Total decimal.Decimal
	Caps                             []refCap
	Splits                           []refSplit // nil for a rule with one payee
}

type refRecoup struct {
	Advance                 string
	Period                  ledger.Period
	Before, Recouped, After decimal.Decimal
}

type refResult struct {
	Lines   []refLine
	Recoups []refRecoup
	Periods []ledger.Period
	// Parts[k][rule][payee]: what each rule owes each payee in Periods[k].
	Parts []map[string]map[string]decimal.Decimal
}

// refRound rounds x to places decimals: half_up moves a tie away from zero,
// half_even to the even digit. Written out digit by digit on purpose.
func refRound(x decimal.Decimal, places int32, mode ledger.Rounding) decimal.Decimal {
	q := x.Shift(places)
	t := q.Truncate(0)
	frac := q.Sub(t).Abs()
	half := decimal.New(5, -1)
	up := false
	switch frac.Cmp(half) {
	case 1:
		up = true
	case 0:
		if mode == ledger.HalfEven {
			up = !t.Mod(decimal.NewFromInt(2)).IsZero()
		} else {
			up = true
		}
	}
	if up {
		if q.Sign() < 0 {
			t = t.Sub(decimal.NewFromInt(1))
		} else {
			t = t.Add(decimal.NewFromInt(1))
		}
	}
	return t.Shift(-places)
}

func refMin(a, b decimal.Decimal) decimal.Decimal {
	if b.LessThan(a) {
		return b
	}
	return a
}

func refMax(a, b decimal.Decimal) decimal.Decimal {
	if b.GreaterThan(a) {
		return b
	}
	return a
}

// refMatches: every given field equals the event's value or one in its list.
func refMatches(r *contracts.Rule, e *ledger.Event) bool {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	return in(r.Match.Seller, e.Seller) && in(r.Match.Channel, e.Channel) && in(r.Match.Customer, e.Customer) &&
		in(r.Match.Product, e.Product) && in(r.Match.Region, e.Region)
}

// refUntil is the rule's exclusive end (zero: open-ended).
func refUntil(r *contracts.Rule) ledger.Date {
	if !r.Through.IsZero() {
		return r.Through.AddDays(1)
	}
	return r.Until
}

func refInWindow(r *contracts.Rule, d ledger.Date) bool {
	u := refUntil(r)
	return (r.From.IsZero() || !d.Before(r.From)) && (u.IsZero() || d.Before(u))
}

func refOverlaps(r *contracts.Rule, p ledger.Period) bool {
	u := refUntil(r)
	return (r.From.IsZero() || r.From.Before(p.End())) && (u.IsZero() || u.After(p.Start()))
}

// refRate is the latest rate from→to dated on or before d; of two rates
// of one pair and date, the last given.
func refRate(rates []ledger.FXRate, from, to string, d ledger.Date) (decimal.Decimal, bool) {
	var best *ledger.FXRate
	for i := range rates {
		x := &rates[i]
		if x.From != from || x.To != to || x.Date.After(d) {
			continue
		}
		if best == nil || !x.Date.Before(best.Date) {
			best = x
		}
	}
	if best == nil {
		return decimal.Decimal{}, false
	}
	return best.Rate, true
}

// refTiers is G(x): each tier's rate on the part of x between its lower and
// upper threshold; a negative x earns the first tier's rate.
func refTiers(tiers []contracts.Tier, x decimal.Decimal) decimal.Decimal {
	if x.Sign() <= 0 {
		return tiers[0].Rate.Mul(x)
	}
	g := decimal.Zero
	lower := decimal.Zero
	for _, t := range tiers {
		if !x.GreaterThan(lower) {
			break
		}
		top := x
		if t.UpTo != nil && t.UpTo.LessThan(x) {
			top = *t.UpTo
		}
		g = g.Add(top.Sub(lower).Mul(t.Rate))
		if t.UpTo == nil {
			break
		}
		lower = *t.UpTo
	}
	return g
}

type refLimit struct {
	kind  string
	limit decimal.Decimal
}

func refLimits(c contracts.Cap) []refLimit {
	var out []refLimit
	if c.PerPeriod != nil {
		out = append(out, refLimit{"per_period", *c.PerPeriod})
	}
	if c.PerYear != nil {
		out = append(out, refLimit{"per_year", *c.PerYear})
	}
	if c.Total != nil {
		out = append(out, refLimit{"total", *c.Total})
	}
	return out
}

// reference evaluates c over events through the period `through`.
func reference(c *contracts.Contract, events []ledger.Event, rates []ledger.FXRate, through ledger.Period) (*refResult, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, err
	}
	places, err := ledger.MinorUnits(c.Currency)
	if err != nil {
		return nil, err
	}
	round := func(x decimal.Decimal) decimal.Decimal { return refRound(x, places, c.Rounding) }
	freq := c.Period

	// Step 1: bases, per rule and period, converted and exact.
	type cell struct {
		base                 decimal.Decimal
		events               int
		byChannel, byProduct map[string]decimal.Decimal
	}
	bases := make([]map[ledger.Period]*cell, len(c.Rules))
	for i := range bases {
		bases[i] = map[ledger.Period]*cell{}
	}
	for ei := range events {
		e := &events[ei]
		d := e.DateIn(loc)
		p := ledger.PeriodOf(freq, d)
		if through.Before(p) {
			continue
		}
		for i := range c.Rules {
			r := &c.Rules[i]
			if !refMatches(r, e) || !refInWindow(r, d) {
				continue
			}
			amt := e.Amount
			if e.Currency != c.Currency {
				fxDate := d
				if r.FXRule == contracts.FXPeriodEnd {
					fxDate = p.Last()
				}
				rate, ok := refRate(rates, e.Currency, c.Currency, fxDate)
				if !ok {
					return nil, fmt.Errorf("no FX rate from %s to %s on or before %s", e.Currency, c.Currency, fxDate)
				}
				amt = amt.Mul(rate)
			}
			x := bases[i][p]
			if x == nil {
				x = &cell{byChannel: map[string]decimal.Decimal{}, byProduct: map[string]decimal.Decimal{}}
				bases[i][p] = x
			}
			x.byChannel[e.Channel] = x.byChannel[e.Channel].Add(amt)
			x.byProduct[e.Product] = x.byProduct[e.Product].Add(amt)
			x.base = x.base.Add(amt)
			x.events++
		}
	}

	// The first period: the earliest rule start, or the earliest counted
	// event of a rule without one.
	var first ledger.Period
	have := false
	consider := func(p ledger.Period) {
		if !have || p.Before(first) {
			first, have = p, true
		}
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.From.IsZero() {
			consider(ledger.PeriodOf(freq, r.From))
			continue
		}
		for p := range bases[i] {
			consider(p)
		}
	}
	res := &refResult{}
	if !have || through.Before(first) {
		return res, nil
	}
	var periods []ledger.Period
	for p := first; !through.Before(p); p = p.Next() {
		periods = append(periods, p)
	}
	res.Periods = periods

	ruleIndex := map[string]int{}
	for i := range c.Rules {
		ruleIndex[c.Rules[i].ID] = i
	}
	// totals[i][k]: what rule i booked (obligation + true-up) in periods[k].
	totals := make([][]decimal.Decimal, len(c.Rules))
	baseOf := func(i, k int) decimal.Decimal {
		if x := bases[i][periods[k]]; x != nil {
			return x.base
		}
		return decimal.Zero
	}
	for i := range totals {
		totals[i] = make([]decimal.Decimal, len(periods))
	}
	// parts[k][rule][payee]
	parts := make([]map[string]map[string]decimal.Decimal, len(periods))

	for k, p := range periods {
		parts[k] = map[string]map[string]decimal.Decimal{}
		for i := range c.Rules {
			r := &c.Rules[i]
			if !refOverlaps(r, p) {
				continue
			}
			ln := refLine{Rule: r.ID, Period: p}
			if x := bases[i][p]; x != nil {
				ln.Base, ln.Events, ln.ByChannel, ln.ByProduct = x.base, x.events, x.byChannel, x.byProduct
			}
			// Step 2: gross.
			var exact decimal.Decimal
			if r.Rate != nil {
				exact = r.Rate.Mul(ln.Base)
			} else {
				prior := decimal.Zero
				for kk := 0; kk < k; kk++ {
					switch r.TierWindow {
					case contracts.TierLifetime:
						prior = prior.Add(baseOf(i, kk))
					case contracts.TierPeriod:
					default: // year
						if periods[kk].Start().Year == p.Start().Year {
							prior = prior.Add(baseOf(i, kk))
						}
					}
				}
				exact = refTiers(r.Tiers, prior.Add(ln.Base)).Sub(refTiers(r.Tiers, prior))
			}
			ln.Gross = round(exact)

			// Step 3: the rule's own caps against its earlier periods.
			totalToDate, yearToDate := decimal.Zero, decimal.Zero
			for kk := 0; kk < k; kk++ {
				totalToDate = totalToDate.Add(totals[i][kk])
				if periods[kk].Start().Year == p.Start().Year {
					yearToDate = yearToDate.Add(totals[i][kk])
				}
			}
			type room struct {
				shared string
				kind   string
				limit  decimal.Decimal
				before decimal.Decimal
			}
			var rooms []room
			for _, l := range refLimits(r.Cap) {
				before := decimal.Zero
				switch l.kind {
				case "per_year":
					before = yearToDate
				case "total":
					before = totalToDate
				}
				rooms = append(rooms, room{"", l.kind, l.limit, before})
			}
			// Step 5: shared caps, in the order of shared_caps.
			for _, sc := range c.SharedCaps {
				member := map[int]bool{}
				for _, id := range sc.Rules {
					member[ruleIndex[id]] = true
				}
				if !member[i] {
					continue
				}
				for _, l := range refLimits(sc.Cap) {
					before := decimal.Zero
					for j := range c.Rules {
						if !member[j] {
							continue
						}
						for kk := 0; kk < k; kk++ {
							switch l.kind {
							case "per_year":
								if periods[kk].Start().Year == p.Start().Year {
									before = before.Add(totals[j][kk])
								}
							case "total":
								before = before.Add(totals[j][kk])
							}
						}
						if j < i {
							before = before.Add(totals[j][k])
						}
					}
					rooms = append(rooms, room{sc.ID, l.kind, l.limit, before})
				}
			}
			obl := ln.Gross
			for _, rm := range rooms {
				obl = refMin(obl, rm.limit.Sub(rm.before))
			}
			obl = refMax(obl, totalToDate.Neg())
			ln.Obligation = obl

			// Step 4: the minimum true-up.
			tu := decimal.Zero
			short := decimal.Zero
			if r.Minimum.PerYear != nil {
				last := p.Next().Start().Year != p.Start().Year
				if u := refUntil(r); !u.IsZero() && p.Contains(u.AddDays(-1)) {
					last = true
				}
				if last {
					yearObl := yearToDate.Add(obl)
					if yearObl.LessThan(*r.Minimum.PerYear) {
						short = r.Minimum.PerYear.Sub(yearObl)
						tu = short
						for _, rm := range rooms {
							tu = refMin(tu, rm.limit.Sub(rm.before).Sub(obl))
						}
						tu = refMax(tu, decimal.Zero)
					}
				}
			}
			ln.TrueUp = tu
			ln.Total = obl.Add(tu)
			totals[i][k] = ln.Total

			for _, rm := range rooms {
				left := rm.limit.Sub(rm.before)
				bound := left.LessThan(ln.Gross) && left.Equal(obl)
				if short.Sign() > 0 && left.Sub(obl).LessThan(short) && left.Sub(obl).Equal(tu) {
					bound = true
				}
				ln.Caps = append(ln.Caps, refCap{Shared: rm.shared, Kind: rm.kind, Limit: rm.limit, Before: rm.before,
					Applied: ln.Total, After: rm.limit.Sub(rm.before).Sub(ln.Total), Bound: bound})
			}

			// Step 6: splits, the remainder to the last payee.
			parts[k][r.ID] = map[string]decimal.Decimal{}
			if len(r.Payees) > 0 {
				left := ln.Total
				for n, s := range r.Payees {
					amt := left
					if n < len(r.Payees)-1 {
						amt = round(ln.Total.Mul(s.Share))
						left = left.Sub(amt)
					}
					ln.Splits = append(ln.Splits, refSplit{s.Party, amt})
					parts[k][r.ID][s.Party] = amt
				}
			} else {
				parts[k][r.ID][r.Payee] = ln.Total
			}
			res.Lines = append(res.Lines, ln)
		}
	}

	res.Parts = parts

	// Step 7: advances, in order of date then id.
	recouped := map[string]decimal.Decimal{}
	for k, p := range periods {
		got := refRecoupPeriod(c, p, parts[k], recouped)
		for _, a := range refOrdered(c) {
			r, ok := got[a.ID]
			if !ok {
				continue
			}
			res.Recoups = append(res.Recoups, refRecoup{Advance: a.ID, Period: p, Before: recouped[a.ID], Recouped: r,
				After: a.Amount.Sub(recouped[a.ID]).Sub(r)})
			recouped[a.ID] = recouped[a.ID].Add(r)
		}
	}
	return res, nil
}

// refOrdered returns the advances by date, then id.
func refOrdered(c *contracts.Contract) []contracts.Advance {
	advs := make([]contracts.Advance, len(c.Advances))
	copy(advs, c.Advances)
	sort.SliceStable(advs, func(a, b int) bool {
		if c := advs[a].Date.Compare(advs[b].Date); c != 0 {
			return c < 0
		}
		return advs[a].ID < advs[b].ID
	})
	return advs
}

// refRecoupPeriod is what each advance recouping in period p recoups in it,
// given what each rule books for each payee in p (parts[rule][payee]) and
// what each advance recouped before p.
func refRecoupPeriod(c *contracts.Contract, p ledger.Period, parts map[string]map[string]decimal.Decimal, recouped map[string]decimal.Decimal) map[string]decimal.Decimal {
	advs := refOrdered(c)
	got := map[string]decimal.Decimal{}
	type pair struct{ payer, payee string }
	var pairs []pair
	seen := map[pair]bool{}
	for _, a := range advs {
		pr := pair{a.Payer, a.Payee}
		if !seen[pr] {
			seen[pr] = true
			pairs = append(pairs, pr)
		}
	}
	for _, pr := range pairs {
		var active []contracts.Advance
		for _, a := range advs {
			if a.Payer == pr.payer && a.Payee == pr.payee && !p.Before(ledger.PeriodOf(c.Period, a.Date)) {
				active = append(active, a)
			}
		}
		if len(active) == 0 {
			continue
		}
		if !refSameRules(active) {
			refPools(active, parts, pr.payee, recouped, got)
			continue
		}
		x := decimal.Zero
		for _, id := range active[0].RecoupFrom {
			x = x.Add(parts[id][pr.payee])
		}
		// Forward, in order: an advance recouped beyond an amount an
		// amendment lowered gives the excess back whatever x is (step 7's
		// min(unrecouped_before, …) with unrecouped_before negative), and
		// the excess goes to the advances after it (docs/contracts.md); a
		// positive x recoups each in turn.
		for _, a := range active {
			got[a.ID] = decimal.Zero
			u := a.Amount.Sub(recouped[a.ID])
			switch {
			case u.Sign() < 0:
				got[a.ID] = u
				x = x.Sub(u)
			case x.Sign() > 0 && u.Sign() > 0:
				r := refMin(u, x)
				got[a.ID] = r
				x = x.Sub(r)
			}
		}
		// Then a negative x gives back in reverse order, each at most what
		// it has recouped.
		for n := len(active) - 1; n >= 0 && x.Sign() < 0; n-- {
			a := active[n]
			if rec := recouped[a.ID].Add(got[a.ID]); rec.Sign() > 0 {
				r := refMax(x, rec.Neg())
				got[a.ID] = got[a.ID].Add(r)
				x = x.Sub(r)
			}
		}
	}
	return got
}

// refSameRules reports whether the advances recoup from the same set of
// rules: then the spec's formula applies as written.
func refSameRules(advs []contracts.Advance) bool {
	set := func(a contracts.Advance) string {
		ids := append([]string(nil), a.RecoupFrom...)
		sort.Strings(ids)
		return fmt.Sprint(ids)
	}
	for _, a := range advs[1:] {
		if set(a) != set(advs[0]) {
			return false
		}
	}
	return true
}

// refPools is the reading docs/contracts.md records for advances of one
// pair that recoup from different rules (the spec's steps 7 and 8 do not
// settle it), followed here as the engine chose it: each rule's amount for
// the payee is a pool. Forward, in order (date, id), an advance whose own
// pools sum to a positive amount recoups min(unrecouped, that sum), drawn
// from its positive pools in the order of its recoup_from list. Then in
// reverse order, an advance whose own pools now sum to a negative amount
// gives back max(that sum, −recouped to date, this period's draw included),
// drawn from its negative pools in recoup_from order. The list order is
// therefore part of the contract's meaning (docs/design/spec-audit.md).
func refPools(active []contracts.Advance, parts map[string]map[string]decimal.Decimal, payee string, recouped, got map[string]decimal.Decimal) {
	pool := map[string]decimal.Decimal{}
	for _, a := range active {
		for _, id := range a.RecoupFrom {
			pool[id] = parts[id][payee]
		}
	}
	sum := func(a contracts.Advance) decimal.Decimal {
		x := decimal.Zero
		for _, id := range a.RecoupFrom {
			x = x.Add(pool[id])
		}
		return x
	}
	// take removes x from a's pools of x's sign, in recoup_from order.
	take := func(a contracts.Advance, x decimal.Decimal) {
		for _, id := range a.RecoupFrom {
			if pool[id].Sign() != x.Sign() || x.IsZero() {
				continue
			}
			d := pool[id]
			if x.Abs().LessThan(d.Abs()) {
				d = x
			}
			pool[id] = pool[id].Sub(d)
			x = x.Sub(d)
		}
	}
	for _, a := range active {
		got[a.ID] = decimal.Zero
		if over := a.Amount.Sub(recouped[a.ID]); over.Sign() < 0 {
			// Recouped beyond an amount an amendment lowered: step 7's
			// min(unrecouped_before, …) gives the excess back, left to
			// the advances after it (in its first rule's pool).
			got[a.ID] = over
			pool[a.RecoupFrom[0]] = pool[a.RecoupFrom[0]].Sub(over)
			continue
		}
		if s := sum(a); s.Sign() > 0 {
			t := refMin(s, a.Amount.Sub(recouped[a.ID]))
			if t.Sign() > 0 {
				got[a.ID] = t
				take(a, t)
			}
		}
	}
	for n := len(active) - 1; n >= 0; n-- {
		a := active[n]
		if s := sum(a); s.Sign() < 0 {
			g := refMax(s, recouped[a.ID].Add(got[a.ID]).Neg())
			if g.Sign() < 0 {
				got[a.ID] = got[a.ID].Add(g)
				take(a, g)
			}
		}
	}
}

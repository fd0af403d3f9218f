package contracts

// Recoupable advances (spec section 4 steps 7 and 8).
//
// From the period that contains an advance's date, what its recoup_from
// rules book for its payee in a period recoups it. The amounts come from the
// caller: a run passes what the ledger books in the period (accruals and
// prior-period adjustments, each payee's part of a split); a scenario or a
// test passes the engine's lines (Result.Recoupments). Recoup is the one
// place where the order and the bounds are applied.

import (
	"cmp"
	"slices"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// PoolKey names what one rule books from a payer to a payee in a period.
type PoolKey struct{ Rule, Payer, Payee string }

// OrderedAdvances returns the contract's advances in recoupment order: by
// date, then id.
func (c *Contract) OrderedAdvances() []*Advance {
	out := make([]*Advance, len(c.Advances))
	for i := range c.Advances {
		out[i] = &c.Advances[i]
	}
	slices.SortStableFunc(out, func(a, b *Advance) int {
		if a.Date != b.Date {
			if a.Date.Before(b.Date) {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Recoups reports whether the advance recoups in period p: p is the period
// of its date or a later one.
func (c *Contract) Recoups(a *Advance, p ledger.Period) bool {
	return !p.Before(c.PeriodOf(a.Date))
}

// Recoup returns what each advance recouping in period p recoups in it
// (zero included), by advance id. booked holds what each rule books in p
// per payer and payee; toDate what each advance recouped in periods before
// p (missing: zero).
//
// Per advance, recouped = min(unrecouped_before, max(recoupable,
// −recouped_to_date)). A positive amount recoups the advances of a pair in
// order (date, then id), passing what is left to the next; a negative one
// gives back in reverse order. An advance recouped beyond its amount (an
// amendment lowered it after closed periods recouped more) gives the
// excess back in the period, whatever the amount: unrecouped_before is
// negative. When advances of one pair recoup from
// different rules, each rule's amount is a pool that an advance draws on
// only through its own recoup_from rules (the choice documented in
// docs/contracts.md); with the same rules, this is exactly the rule above.
func (c *Contract) Recoup(p ledger.Period, booked map[PoolKey]decimal.Decimal, toDate map[string]decimal.Decimal) map[string]decimal.Decimal {
	pool := make(map[PoolKey]decimal.Decimal, len(booked))
	for k, v := range booked {
		pool[k] = v
	}
	keys := func(a *Advance) []PoolKey {
		out := make([]PoolKey, len(a.RecoupFrom))
		for i, r := range a.RecoupFrom {
			out[i] = PoolKey{r, a.Payer, a.Payee}
		}
		return out
	}
	avail := func(ks []PoolKey) decimal.Decimal {
		sum := decimal.Zero
		for _, k := range ks {
			sum = sum.Add(pool[k])
		}
		return sum
	}
	// draw takes x (of one sign) from the pools of that sign, in order.
	draw := func(ks []PoolKey, x decimal.Decimal) {
		for _, k := range ks {
			if x.IsZero() {
				return
			}
			v := pool[k]
			if v.Sign() != x.Sign() {
				continue
			}
			take := v
			if x.Abs().LessThan(v.Abs()) {
				take = x
			}
			pool[k], x = v.Sub(take), x.Sub(take)
		}
	}
	var active []*Advance
	for _, a := range c.OrderedAdvances() {
		if c.Recoups(a, p) {
			active = append(active, a)
		}
	}
	out := make(map[string]decimal.Decimal, len(active))
	for _, a := range active {
		out[a.ID] = decimal.Zero
		ks := keys(a)
		unrecouped := a.Amount.Sub(toDate[a.ID])
		if unrecouped.Sign() < 0 {
			// An amendment lowered the amount below what closed periods
			// recouped: min(unrecouped_before, …) gives the excess back
			// now, and leaves it to the advances after this one (its
			// first rule's pool).
			out[a.ID] = unrecouped
			pool[ks[0]] = pool[ks[0]].Sub(unrecouped)
			continue
		}
		if v := avail(ks); v.Sign() > 0 && unrecouped.Sign() > 0 {
			take := decimal.Min(v, unrecouped)
			out[a.ID] = take
			draw(ks, take)
		}
	}
	for i := len(active) - 1; i >= 0; i-- {
		a := active[i]
		ks := keys(a)
		recouped := toDate[a.ID].Add(out[a.ID])
		if v := avail(ks); v.Sign() < 0 && recouped.Sign() > 0 {
			give := decimal.Max(v, recouped.Neg())
			out[a.ID] = out[a.ID].Add(give)
			draw(ks, give)
		}
	}
	return out
}

// Recoupment is one advance's state in one period.
type Recoupment struct {
	Advance         string
	Period          ledger.Period
	RecoupedBefore  decimal.Decimal // in earlier periods
	Recouped        decimal.Decimal // in this period (negative: given back)
	UnrecoupedAfter decimal.Decimal // amount − recouped before − recouped
}

// Recoupments applies Recoup to every period of the result, with what each
// rule's lines owe each payee as the amounts booked (no prior-period
// adjustments: there are none without a ledger). prior gives what each
// advance had recouped before r.First (nil: nothing). It returns one item
// per advance recouping in each period, by period, then recoupment order.
func (r *Result) Recoupments(prior map[string]decimal.Decimal) []Recoupment {
	c := r.Contract
	if c == nil || len(c.Advances) == 0 || len(r.Lines) == 0 {
		return nil
	}
	toDate := map[string]decimal.Decimal{}
	for k, v := range prior {
		toDate[k] = v
	}
	var out []Recoupment
	for p := r.First; !r.Through.Before(p); p = p.Next() {
		booked := map[PoolKey]decimal.Decimal{}
		for _, ln := range r.PeriodLines(p) {
			for _, part := range ln.Parts() {
				k := PoolKey{ln.Rule, ln.Payer, part.Payee}
				booked[k] = booked[k].Add(part.Amount)
			}
		}
		got := c.Recoup(p, booked, toDate)
		for _, a := range c.OrderedAdvances() {
			x, ok := got[a.ID]
			if !ok {
				continue
			}
			before := toDate[a.ID]
			out = append(out, Recoupment{Advance: a.ID, Period: p, RecoupedBefore: before, Recouped: x,
				UnrecoupedAfter: a.Amount.Sub(before).Sub(x)})
			toDate[a.ID] = before.Add(x)
		}
	}
	return out
}

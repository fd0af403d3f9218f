package booking

// Advances and their recoupments (spec section 4 steps 7 and 8).
//
// An advance is booked by the run that reaches its date, dated on it (or on
// the first open day when its date is already closed): the payer's cash
// pays it into an advances asset. Each period then recoups what the
// advance's recoup_from rules book for its payee in that period
// (contracts.Contract.Recoup); a recoupment moves the recouped amount from
// what the payer owes the payee to the asset. Recoupments of closed periods
// stay as booked; open periods are brought to their recomputed value, the
// difference dated the period's last day.

import (
	"fmt"
	"sort"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// AdvanceBooking is the payment of an advance (or a correction of it after
// an amendment changed its amount).
type AdvanceBooking struct {
	Advance      string
	Payer, Payee string
	AdvanceDate  ledger.Date // the advance's date in the contract
	Date         ledger.Date // effective date of the entry
	Amount       decimal.Decimal
	Seq          int
}

// BookedAdvance is what is booked so far for one advance.
type BookedAdvance struct {
	Payer, Payee string
	AdvanceDate  ledger.Date
	Amount       decimal.Decimal
	Count        int
}

// RecoupRef names one advance's recoupment in one period.
type RecoupRef struct {
	Advance string
	Period  string // label
}

// BookedRecoupment is what is booked so far for one RecoupRef.
type BookedRecoupment struct {
	Payer, Payee string
	Period       ledger.Period
	Amount       decimal.Decimal
	Count        int
}

// RecoupBooking is one recoupment entry: Amount (signed) moves from the
// payer's payable to the payee into the advances asset.
type RecoupBooking struct {
	RecoupRef
	Payer, Payee string
	PeriodOf     ledger.Period
	Date         ledger.Date
	Amount       decimal.Decimal
	Seq          int
}

// PlanAdvances returns the advance bookings that bring each advance of c
// dated on or before reach (the last day the run reaches) to its amount;
// an advance booked before but no longer in the contract goes back to zero.
func PlanAdvances(c *contracts.Contract, reach, closedThrough ledger.Date, booked map[string]BookedAdvance) []AdvanceBooking {
	var out []AdvanceBooking
	dated := func(d ledger.Date) ledger.Date {
		if !closedThrough.IsZero() && !d.After(closedThrough) {
			return closedThrough.AddDays(1)
		}
		return d
	}
	seen := map[string]bool{}
	for _, a := range c.OrderedAdvances() {
		seen[a.ID] = true
		if a.Date.After(reach) {
			continue
		}
		b := booked[a.ID]
		if delta := a.Amount.Sub(b.Amount); !delta.IsZero() {
			out = append(out, AdvanceBooking{Advance: a.ID, Payer: a.Payer, Payee: a.Payee, AdvanceDate: a.Date,
				Date: dated(a.Date), Amount: delta, Seq: b.Count + 1})
		}
	}
	var gone []string
	for id, b := range booked {
		if !seen[id] && !b.Amount.IsZero() {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		b := booked[id]
		out = append(out, AdvanceBooking{Advance: id, Payer: b.Payer, Payee: b.Payee, AdvanceDate: b.AdvanceDate,
			Date: dated(b.AdvanceDate), Amount: b.Amount.Neg(), Seq: b.Count + 1})
	}
	return out
}

// PlanRecoupments returns the recoupment bookings of every period from the
// first period of an advance through `through`. pools gives, per period
// label, what each rule books in that period per payer and payee: every
// run booking dated in it, those of the plan being made included.
// A recoupment is dated its period's last day, and what it recouped counts
// by that date: closed ones stay as booked; each open period of the
// contract is brought to Contract.Recoup of its pools, less the closed
// recoupments of other labels dated in it. Those other labels are the
// contract's periods before an amendment changed its frequency: while
// their day is open they go back to zero, as the old labels' obligations
// do (docs/contracts.md). An advance no longer in the contract is one
// lowered to zero: the first open period gives back what it recouped
// before, later ones recoup nothing of it.
func PlanRecoupments(c *contracts.Contract, through ledger.Period, closedThrough ledger.Date,
	pools map[string]map[contracts.PoolKey]decimal.Decimal, booked map[RecoupRef]BookedRecoupment) []RecoupBooking {
	pl := newRecoupPlan(booked, closedThrough)
	first, found := pl.firstPeriod(c)
	if !found {
		return nil
	}
	gone, removed := pl.removedAdvances(c)
	firstOpen := true
	for p := first; !through.Before(p); p = p.Next() {
		if pl.closed(p.Last()) {
			continue
		}
		label := p.Label()
		toDate, fixed := pl.recouped(p)
		target := c.Recoup(p, pools[label], toDate)
		if firstOpen {
			// A removed advance is one lowered to zero: the first open
			// period gives back what it recouped before (step 7,
			// unrecouped_before negative), as for a lowered one.
			firstOpen = false
			for _, id := range gone {
				if back := toDate[id].Neg(); !back.IsZero() {
					target[id] = back
				}
			}
		}
		for _, a := range c.OrderedAdvances() {
			ref := RecoupRef{a.ID, label}
			if x, ok := target[a.ID]; ok {
				pl.book(ref, a.Payer, a.Payee, p, x.Sub(fixed[a.ID]))
			} else if b, ok := booked[ref]; ok {
				pl.book(ref, b.Payer, b.Payee, p, decimal.Zero) // its date moved after p by an amendment
			}
		}
		for _, id := range gone {
			b := removed[id]
			pl.book(RecoupRef{id, label}, b.Payer, b.Payee, p, target[id].Sub(fixed[id]))
		}
	}
	return pl.out
}

// recoupPlan is PlanRecoupments' state: what each recoupment stands at as
// the plan goes, and at which period, beside what was booked before.
type recoupPlan struct {
	booked        map[RecoupRef]BookedRecoupment
	refs          []RecoupRef // booked's keys by advance, then label
	closedThrough ledger.Date
	now           map[RecoupRef]decimal.Decimal
	at            map[RecoupRef]ledger.Period
	out           []RecoupBooking
}

func newRecoupPlan(booked map[RecoupRef]BookedRecoupment, closedThrough ledger.Date) *recoupPlan {
	pl := &recoupPlan{booked: booked, closedThrough: closedThrough,
		now: make(map[RecoupRef]decimal.Decimal, len(booked)), at: make(map[RecoupRef]ledger.Period, len(booked))}
	for ref, b := range booked {
		pl.now[ref], pl.at[ref] = b.Amount, b.Period
		pl.refs = append(pl.refs, ref)
	}
	sort.Slice(pl.refs, func(i, j int) bool {
		a, b := pl.refs[i], pl.refs[j]
		return a.Advance < b.Advance || a.Advance == b.Advance && a.Period < b.Period
	})
	return pl
}

func (pl *recoupPlan) closed(d ledger.Date) bool {
	return !pl.closedThrough.IsZero() && !d.After(pl.closedThrough)
}

// book brings ref to amount in p, booking the difference from what was
// booked before.
func (pl *recoupPlan) book(ref RecoupRef, payer, payee string, p ledger.Period, amount decimal.Decimal) {
	b := pl.booked[ref]
	if delta := amount.Sub(b.Amount); !delta.IsZero() {
		pl.out = append(pl.out, RecoupBooking{RecoupRef: ref, Payer: payer, Payee: payee, PeriodOf: p,
			Date: p.Last(), Amount: delta, Seq: b.Count + 1})
	}
	pl.now[ref], pl.at[ref] = amount, p
}

// firstPeriod returns the contract's period of the earliest advance or
// booked recoupment, if any. Booked recoupments of another frequency (the
// contract's before an amendment) whose day is still open go back to zero.
func (pl *recoupPlan) firstPeriod(c *contracts.Contract) (first ledger.Period, found bool) {
	consider := func(p ledger.Period) {
		if !found || p.Before(first) {
			first, found = p, true
		}
	}
	for _, a := range c.Advances {
		consider(c.PeriodOf(a.Date))
	}
	for _, ref := range pl.refs {
		b := pl.booked[ref]
		consider(c.PeriodOf(b.Period.Last()))
		if b.Period.Freq != c.Period && !pl.closed(b.Period.Last()) {
			pl.book(ref, b.Payer, b.Payee, b.Period, decimal.Zero)
		}
	}
	return first, found
}

// removedAdvances returns the booked advances no longer in c, in order,
// each with one of its bookings (for its payer and payee).
func (pl *recoupPlan) removedAdvances(c *contracts.Contract) (gone []string, removed map[string]BookedRecoupment) {
	inContract := map[string]bool{}
	for _, a := range c.Advances {
		inContract[a.ID] = true
	}
	removed = map[string]BookedRecoupment{}
	for _, ref := range pl.refs {
		if _, ok := removed[ref.Advance]; !ok && !inContract[ref.Advance] {
			removed[ref.Advance] = pl.booked[ref]
			gone = append(gone, ref.Advance)
		}
	}
	return gone, removed
}

// recouped returns, per advance, what the plan stands at before p, and in
// p under labels other than p's (closed ones of another frequency).
func (pl *recoupPlan) recouped(p ledger.Period) (toDate, fixed map[string]decimal.Decimal) {
	label := p.Label()
	toDate, fixed = map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for ref, x := range pl.now {
		switch d := pl.at[ref].Last(); {
		case d.Before(p.Start()):
			toDate[ref.Advance] = toDate[ref.Advance].Add(x)
		case p.Contains(d) && ref.Period != label:
			fixed[ref.Advance] = fixed[ref.Advance].Add(x)
		}
	}
	return toDate, fixed
}

// Entry is the journal entry of an advance payment: the advances asset
// against the payer's cash.
func (b AdvanceBooking) Entry(contract string, version int, currency string) ledger.Entry {
	return ledger.Entry{
		Key:         ledger.Key{Source: "advance", ExternalID: fmt.Sprintf("%s:%s:%d", contract, b.Advance, b.Seq)},
		Date:        b.Date,
		Description: fmt.Sprintf("advance %s: %s pays %s under %s", b.Advance, b.Payer, b.Payee, contract),
		Meta: map[string]string{
			"contract":         contract,
			"contract_version": fmt.Sprint(version),
			"kind":             "advance",
			"advance":          b.Advance,
			"advance_date":     b.AdvanceDate.String(),
		},
		Postings: []ledger.Posting{
			{Account: ledger.AdvanceAccount(b.Payer, b.Payee, contract), Amount: b.Amount, Currency: currency},
			{Account: ledger.CashAccount(b.Payer), Amount: b.Amount.Neg(), Currency: currency},
		},
	}
}

// Entry is the journal entry of a recoupment: what the payer owes the
// payee decreases by the recouped amount, and so does the advances asset.
func (b RecoupBooking) Entry(contract string, version int, currency string) ledger.Entry {
	return ledger.Entry{
		Key:         ledger.Key{Source: "recoup", ExternalID: fmt.Sprintf("%s:%s:%s:%d", contract, b.Advance, b.Period, b.Seq)},
		Date:        b.Date,
		Description: fmt.Sprintf("recoupment of advance %s: %s %s", b.Advance, contract, b.Period),
		Meta: map[string]string{
			"contract":         contract,
			"contract_version": fmt.Sprint(version),
			"kind":             "recoupment",
			"advance":          b.Advance,
			"period":           b.Period,
		},
		Postings: []ledger.Posting{
			{Account: ledger.SharePayableAccount(b.Payer, b.Payee, contract), Amount: b.Amount, Currency: currency},
			{Account: ledger.AdvanceAccount(b.Payer, b.Payee, contract), Amount: b.Amount.Neg(), Currency: currency},
		},
	}
}

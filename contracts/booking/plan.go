// Package booking turns computed obligations into journal entries.
//
// A run computes, for every rule R and period Q up to the run's end, the
// value the contract says R owes for Q (obligation plus minimum true-up).
// Plan compares it with everything already booked for (R, Q) and books the
// difference: in Q itself while Q is open, or, once Q is closed, as a
// prior-period adjustment dated the first open day that refers to Q
// (cumulative catch-up). Late events, corrections and contract amendments all
// flow through this one mechanism, and a run with nothing new books nothing.
package booking

import (
	"fmt"
	"sort"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// Kind says whether a booking is the period's own accrual or a
// prior-period adjustment.
type Kind string

const (
	Accrual    Kind = "accrual"
	Adjustment Kind = "adjustment"
)

// Ref names one rule's obligation for one period.
type Ref struct {
	Rule   string
	Period string // label, e.g. "2026-03"
}

// Computed is what the contract says a rule owes for a period.
type Computed struct {
	Rule   string
	Payer  string
	Payee  string
	Period ledger.Period
	Base   decimal.Decimal // the rule's base for the period
	Amount decimal.Decimal // obligation + minimum true-up

	// Parts, when set, splits Amount between several payees (a split
	// rule); Payee is then ignored. Each part is booked between Payer and
	// its payee.
	Parts []Part
}

// Part is one payee's part of a split rule's amount.
type Part struct {
	Payee  string
	Amount decimal.Decimal
}

// parts returns the amounts per payee, in order.
func (c Computed) parts() []Part {
	if len(c.Parts) > 0 {
		return c.Parts
	}
	return []Part{{c.Payee, c.Amount}}
}

// Booked is the sum of everything booked so far for one Ref.
type Booked struct {
	Payer, Payee string // of the last booking
	Period       ledger.Period
	// Base is the base the period last stood at, which base deltas are
	// measured against: that of its last adjustment, else that of its final
	// statement (a closed period may have been closed with nothing booked:
	// an obligation of zero), else that of its last booking.
	Base   decimal.Decimal
	Amount decimal.Decimal // sum of booked amounts, whatever the parties
	Count  int             // bookings so far (numbers the next key); 0: only Base is known
	// Adjusted says that some booking of the Ref is a prior-period
	// adjustment (Base is then that of the last one).
	Adjusted bool
	// ByPair splits Amount by payer and payee (an amendment may have given
	// the rule other parties); nil means all of it is between the rule's
	// current parties.
	ByPair map[Pair]decimal.Decimal
}

// Pair is a payer and a payee.
type Pair struct{ Payer, Payee string }

// Booking is one entry a run posts.
type Booking struct {
	Ref
	Payer, Payee string
	Kind         Kind
	Date         ledger.Date   // effective date
	BookedIn     ledger.Period // the contract period that contains Date
	Base         decimal.Decimal
	BaseDelta    decimal.Decimal
	AmountDelta  decimal.Decimal
	Seq          int // 1 for the first booking of a Ref, then 2, 3, ...
}

// Plan returns the bookings that bring every Ref to its computed value.
// closedThrough is the last closed date (zero if none); freq is the
// contract's period frequency. Refs that are booked but no longer computed
// (a rule removed by an amendment) are brought back to zero, and so is what
// was booked between other parties than the rule's current ones (an
// amendment that changed its payer or payee, or a payee dropped from a
// split). A split rule books each payee's part, and a recomputed split
// books each payee's difference; the base delta goes with the first of a
// Ref's bookings in the plan. Bookings come in a stable order: by period,
// then rule (then parties).
func Plan(computed []Computed, booked map[Ref]Booked, closedThrough ledger.Date, freq ledger.Frequency) []Booking {
	type target struct {
		payer  string
		period ledger.Period
		base   decimal.Decimal
		parts  []Part
	}
	targets := map[Ref]target{}
	for _, c := range computed {
		targets[Ref{c.Rule, c.Period.Label()}] = target{c.Payer, c.Period, c.Base, c.parts()}
	}
	for ref, b := range booked {
		if _, ok := targets[ref]; !ok && b.Count > 0 {
			targets[ref] = target{b.Payer, b.Period, decimal.Zero, []Part{{b.Payee, decimal.Zero}}}
		}
	}
	firstOpen := closedThrough.AddDays(1)
	var out []Booking
	for ref, t := range targets {
		b := booked[ref]
		seq := b.Count
		baseDone := false
		book := func(p Pair, base, baseDelta, delta decimal.Decimal) {
			seq++
			bk := Booking{Ref: ref, Payer: p.Payer, Payee: p.Payee, Kind: Accrual, Date: t.period.Last(),
				Base: base, BaseDelta: baseDelta, AmountDelta: delta, Seq: seq}
			if !closedThrough.IsZero() && !t.period.Last().After(closedThrough) {
				bk.Kind = Adjustment
				bk.Date = firstOpen
			}
			bk.BookedIn = ledger.PeriodOf(freq, bk.Date)
			out = append(out, bk)
		}
		amounts := b.ByPair
		if amounts == nil {
			// Without a breakdown, everything booked is between the rule's
			// current parties (its only payee).
			amounts = map[Pair]decimal.Decimal{{t.payer, t.parts[0].Payee}: b.Amount}
		}
		current := map[Pair]bool{}
		for _, part := range t.parts {
			current[Pair{t.payer, part.Payee}] = true
		}
		others := make([]Pair, 0, len(amounts))
		for p, amt := range amounts {
			if !current[p] && !amt.IsZero() {
				others = append(others, p)
			}
		}
		sort.Slice(others, func(i, j int) bool {
			return others[i].Payer < others[j].Payer || others[i].Payer == others[j].Payer && others[i].Payee < others[j].Payee
		})
		// The first booking of the Ref carries its base delta, whichever
		// pair it is for: when only another pair's share goes back to zero
		// (a payer changed and the new pair owes nothing), the base the
		// period moved to would otherwise be lost.
		for _, p := range others {
			baseDelta := decimal.Zero
			if !baseDone {
				baseDelta, baseDone = t.base.Sub(b.Base), true
			}
			book(p, t.base, baseDelta, amounts[p].Neg()) // another pair's share goes back to zero
		}
		for _, part := range t.parts {
			p := Pair{t.payer, part.Payee}
			delta := part.Amount.Sub(amounts[p])
			if delta.IsZero() {
				continue
			}
			baseDelta := decimal.Zero
			if !baseDone {
				baseDelta, baseDone = t.base.Sub(b.Base), true
			}
			book(p, t.base, baseDelta, delta)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Date != b.Date {
			return a.Date.Before(b.Date)
		}
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Seq < b.Seq
	})
	return out
}

// Entry is the journal entry of a booking: the payer's revenue-share expense
// against what it owes the payee under the contract.
func (b Booking) Entry(contract string, version int, currency string) ledger.Entry {
	desc := fmt.Sprintf("%s %s %s", contract, b.Rule, b.Period)
	if b.Kind == Adjustment {
		desc = fmt.Sprintf("prior-period adjustment: %s %s %s", contract, b.Rule, b.Period)
	}
	return ledger.Entry{
		Key:         ledger.Key{Source: "run", ExternalID: fmt.Sprintf("%s:%s:%s:%d", contract, b.Rule, b.Period, b.Seq)},
		Date:        b.Date,
		Description: desc,
		Meta: map[string]string{
			"contract":         contract,
			"contract_version": fmt.Sprint(version),
			"rule":             b.Rule,
			"period":           b.Period,
			"kind":             string(b.Kind),
			"booked_in":        b.BookedIn.Label(),
			"base":             b.Base.String(),
			"base_delta":       b.BaseDelta.String(),
			"obligation_delta": b.AmountDelta.String(),
		},
		Postings: []ledger.Posting{
			{Account: ledger.ShareExpenseAccount(b.Payer, b.Payee, contract), Amount: b.AmountDelta, Currency: currency},
			{Account: ledger.SharePayableAccount(b.Payer, b.Payee, contract), Amount: b.AmountDelta.Neg(), Currency: currency},
		},
	}
}

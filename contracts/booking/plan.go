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
}

// Booked is the sum of everything booked so far for one Ref.
type Booked struct {
	Payer, Payee string
	Period       ledger.Period
	Base         decimal.Decimal // the base as of the last booking
	Amount       decimal.Decimal // sum of booked amounts
	Count        int             // bookings so far (numbers the next key)
}

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
// (a rule removed by an amendment) are brought back to zero. Bookings come
// in a stable order: by period, then rule.
func Plan(computed []Computed, booked map[Ref]Booked, closedThrough ledger.Date, freq ledger.Frequency) []Booking {
	type target struct {
		payer, payee string
		period       ledger.Period
		base, amount decimal.Decimal
	}
	targets := map[Ref]target{}
	for _, c := range computed {
		targets[Ref{c.Rule, c.Period.Label()}] = target{c.Payer, c.Payee, c.Period, c.Base, c.Amount}
	}
	for ref, b := range booked {
		if _, ok := targets[ref]; !ok {
			targets[ref] = target{b.Payer, b.Payee, b.Period, decimal.Zero, decimal.Zero}
		}
	}
	firstOpen := closedThrough.AddDays(1)
	var out []Booking
	for ref, t := range targets {
		b := booked[ref]
		delta := t.amount.Sub(b.Amount)
		baseDelta := t.base.Sub(b.Base)
		if delta.IsZero() {
			continue
		}
		bk := Booking{Ref: ref, Payer: t.payer, Payee: t.payee, Kind: Accrual, Date: t.period.Last(),
			Base: t.base, BaseDelta: baseDelta, AmountDelta: delta, Seq: b.Count + 1}
		if !closedThrough.IsZero() && !t.period.Last().After(closedThrough) {
			bk.Kind = Adjustment
			bk.Date = firstOpen
		}
		bk.BookedIn = ledger.PeriodOf(freq, bk.Date)
		out = append(out, bk)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Date != b.Date {
			return a.Date.Before(b.Date)
		}
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		return a.Rule < b.Rule
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

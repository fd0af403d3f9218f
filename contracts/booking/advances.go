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
// Periods whose last day is on or before closedThrough keep what is booked;
// open ones are brought to Contract.Recoup of their pools. An advance no
// longer in the contract is one lowered to zero: the first open period
// gives back what closed periods recouped of it, later ones recoup nothing.
func PlanRecoupments(c *contracts.Contract, through ledger.Period, closedThrough ledger.Date,
	pools map[string]map[contracts.PoolKey]decimal.Decimal, booked map[RecoupRef]BookedRecoupment) []RecoupBooking {
	var first ledger.Period
	found := false
	consider := func(p ledger.Period) {
		if !found || p.Before(first) {
			first, found = p, true
		}
	}
	for _, a := range c.Advances {
		consider(c.PeriodOf(a.Date))
	}
	for _, b := range booked {
		if b.Period.Freq == c.Period {
			consider(b.Period)
		}
	}
	if !found {
		return nil
	}
	byPeriod := map[string][]string{} // period label -> advances with bookings in it
	inContract := map[string]bool{}
	for _, a := range c.Advances {
		inContract[a.ID] = true
	}
	removed := map[string]BookedRecoupment{} // advance no longer in c -> one of its bookings
	for ref, b := range booked {
		byPeriod[ref.Period] = append(byPeriod[ref.Period], ref.Advance)
		if !inContract[ref.Advance] {
			removed[ref.Advance] = b
		}
	}
	gone := make([]string, 0, len(removed))
	for id := range removed {
		gone = append(gone, id)
	}
	sort.Strings(gone)
	toDate := map[string]decimal.Decimal{}
	var out []RecoupBooking
	firstOpen := true
	for p := first; !through.Before(p); p = p.Next() {
		label := p.Label()
		ids := byPeriod[label]
		sort.Strings(ids)
		if !closedThrough.IsZero() && !p.Last().After(closedThrough) {
			for _, id := range ids {
				toDate[id] = toDate[id].Add(booked[RecoupRef{id, label}].Amount)
			}
			continue
		}
		target := c.Recoup(p, pools[label], toDate)
		if firstOpen {
			// A removed advance is one lowered to zero: the first open
			// period gives back what closed periods recouped of it (step
			// 7, unrecouped_before negative), as for a lowered one.
			firstOpen = false
			for _, id := range gone {
				if back := toDate[id].Neg(); !back.IsZero() {
					target[id] = back
				}
			}
		}
		book := func(id, payer, payee string, amount decimal.Decimal) {
			b := booked[RecoupRef{id, label}]
			if delta := amount.Sub(b.Amount); !delta.IsZero() {
				out = append(out, RecoupBooking{RecoupRef: RecoupRef{id, label}, Payer: payer, Payee: payee, PeriodOf: p,
					Date: p.Last(), Amount: delta, Seq: b.Count + 1})
			}
		}
		for _, a := range c.OrderedAdvances() {
			if x, ok := target[a.ID]; ok {
				book(a.ID, a.Payer, a.Payee, x)
				toDate[a.ID] = toDate[a.ID].Add(x)
			}
		}
		for _, id := range ids {
			if _, ok := target[id]; !ok && inContract[id] {
				// Its date moved after p by an amendment.
				b := booked[RecoupRef{id, label}]
				book(id, b.Payer, b.Payee, decimal.Zero)
			}
		}
		for _, id := range gone {
			b := removed[id]
			x := target[id] // the give-back, or zero
			book(id, b.Payer, b.Payee, x)
			toDate[id] = toDate[id].Add(x)
		}
	}
	return out
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

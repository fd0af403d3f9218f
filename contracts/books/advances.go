package books

import (
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/booking"
	"github.com/revshare/revshare/ledger"
)

// planAdvances plans a run's advance payments and recoupments for contract
// c (package booking, PlanAdvances and PlanRecoupments): what the run
// reaches (through `through`), given what is closed and the rule bookings
// the run is about to make (plan), which count in their periods' recoupable
// amounts alongside the stored ones (bookings, the contract's rows). A
// contract without advances, and without any booked before, plans nothing.
func planAdvances(tx ReadTx, c *contracts.Contract, through ledger.Period, closed ledger.Date, plan []booking.Booking, bookings []Booking) ([]booking.AdvanceBooking, []booking.RecoupBooking, error) {
	advs, recs, err := bookedAdvances(tx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(c.Advances) == 0 && len(advs) == 0 && len(recs) == 0 {
		return nil, nil, nil
	}
	pools := map[string]map[contracts.PoolKey]decimal.Decimal{}
	add := func(rule, payer, payee string, date ledger.Date, amount decimal.Decimal) {
		label := c.PeriodOf(date).Label()
		m := pools[label]
		if m == nil {
			m = map[contracts.PoolKey]decimal.Decimal{}
			pools[label] = m
		}
		k := contracts.PoolKey{Rule: rule, Payer: payer, Payee: payee}
		m[k] = m[k].Add(amount)
	}
	for _, b := range bookings {
		add(b.Rule, b.Payer, b.Payee, b.Date, b.Amount)
	}
	for _, b := range plan {
		add(b.Rule, b.Payer, b.Payee, b.Date, b.AmountDelta)
	}
	return booking.PlanAdvances(c, through.Last(), closed, advs),
		booking.PlanRecoupments(c, through, closed, pools, recs), nil
}

// bookedAdvances sums what is booked per advance and per advance and
// period for a contract.
func bookedAdvances(tx ReadTx, contract string) (map[string]booking.BookedAdvance, map[booking.RecoupRef]booking.BookedRecoupment, error) {
	rows, err := tx.AdvanceBookings(contract)
	if err != nil {
		return nil, nil, err
	}
	advs := map[string]booking.BookedAdvance{}
	for _, r := range rows {
		b := advs[r.Advance]
		b.Payer, b.Payee, b.AdvanceDate = r.Payer, r.Payee, r.AdvanceDate
		b.Amount = b.Amount.Add(r.Amount)
		b.Count++
		advs[r.Advance] = b
	}
	recRows, err := tx.Recoupments(contract)
	if err != nil {
		return nil, nil, err
	}
	recs := map[booking.RecoupRef]booking.BookedRecoupment{}
	for _, r := range recRows {
		p, err := ledger.ParsePeriod(r.Period)
		if err != nil {
			return nil, nil, err
		}
		ref := booking.RecoupRef{Advance: r.Advance, Period: r.Period}
		b := recs[ref]
		b.Payer, b.Payee, b.Period = r.Payer, r.Payee, p
		b.Amount = b.Amount.Add(r.Amount)
		b.Count++
		recs[ref] = b
	}
	return advs, recs, nil
}

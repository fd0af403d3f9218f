package sqlite

import (
	"context"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/booking"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// planAdvances plans a run's advance payments and recoupments for contract
// c (package booking, PlanAdvances and PlanRecoupments): what the run
// reaches (through `through`), given what is closed and the rule bookings
// the run is about to make (plan), which count in their periods' recoupable
// amounts alongside the stored ones. A contract without advances, and
// without any booked before, plans nothing.
func planAdvances(ctx context.Context, q querier, c *contracts.Contract, through ledger.Period, closed ledger.Date, plan []booking.Booking) ([]booking.AdvanceBooking, []booking.RecoupBooking, error) {
	advs, recs, err := loadAdvanceBookings(ctx, q, c)
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
	rows, err := q.QueryContext(ctx, `SELECT rule, payer, payee, date, amount FROM bookings WHERE contract = ?`, c.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rule, payer, payee, date, amount string
		if err := rows.Scan(&rule, &payer, &payee, &date, &amount); err != nil {
			return nil, nil, err
		}
		d, err := ledger.ParseDate(date)
		if err != nil {
			return nil, nil, err
		}
		amt, err := storedDecimal("bookings", "amount", amount)
		if err != nil {
			return nil, nil, err
		}
		add(rule, payer, payee, d, amt)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, b := range plan {
		add(b.Rule, b.Payer, b.Payee, b.Date, b.AmountDelta)
	}
	return booking.PlanAdvances(c, through.Last(), closed, advs),
		booking.PlanRecoupments(c, through, closed, pools, recs), nil
}

// loadAdvanceBookings sums what is booked per advance and per advance and
// period for contract c.
func loadAdvanceBookings(ctx context.Context, q querier, c *contracts.Contract) (map[string]booking.BookedAdvance, map[booking.RecoupRef]booking.BookedRecoupment, error) {
	advs := map[string]booking.BookedAdvance{}
	rows, err := q.QueryContext(ctx, `SELECT advance, payer, payee, advance_date, amount FROM advance_bookings WHERE contract = ? ORDER BY entry_id`, c.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, payer, payee, date, amount string
		if err := rows.Scan(&id, &payer, &payee, &date, &amount); err != nil {
			return nil, nil, err
		}
		d, err := ledger.ParseDate(date)
		if err != nil {
			return nil, nil, err
		}
		amt, err := storedDecimal("advance_bookings", "amount", amount)
		if err != nil {
			return nil, nil, err
		}
		b := advs[id]
		b.Payer, b.Payee, b.AdvanceDate = payer, payee, d
		b.Amount = b.Amount.Add(amt)
		b.Count++
		advs[id] = b
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows.Close()
	recs := map[booking.RecoupRef]booking.BookedRecoupment{}
	rows, err = q.QueryContext(ctx, `SELECT advance, period, payer, payee, amount FROM recoupments WHERE contract = ? ORDER BY entry_id`, c.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, period, payer, payee, amount string
		if err := rows.Scan(&id, &period, &payer, &payee, &amount); err != nil {
			return nil, nil, err
		}
		p, err := ledger.ParsePeriod(period)
		if err != nil {
			return nil, nil, err
		}
		amt, err := storedDecimal("recoupments", "amount", amount)
		if err != nil {
			return nil, nil, err
		}
		ref := booking.RecoupRef{Advance: id, Period: period}
		b := recs[ref]
		b.Payer, b.Payee, b.Period = payer, payee, p
		b.Amount = b.Amount.Add(amt)
		b.Count++
		recs[ref] = b
	}
	return advs, recs, rows.Err()
}

// advanceFlows adds to a statement's input what advances did: recoupments
// dated in the period (Recouped) and before it (less Opening), and each
// advance of the contract dated on or before the period's last day with
// what it recouped before and in the period. add sums payer, payee,
// amount rows of a query into a map.
func advanceFlows(ctx context.Context, q querier, in *reports.StatementInput,
	add func(map[[2]string]decimal.Decimal, string, ...any) error) error {
	c, p := in.Contract, in.Period
	id, start, end := c.ID, p.Start().String(), p.Last().String()
	in.Recouped = map[[2]string]decimal.Decimal{}
	if err := add(in.Recouped, `SELECT payer, payee, amount FROM recoupments WHERE contract = ? AND date >= ? AND date <= ?`, id, start, end); err != nil {
		return err
	}
	before := map[[2]string]decimal.Decimal{}
	if err := add(before, `SELECT payer, payee, amount FROM recoupments WHERE contract = ? AND date < ?`, id, start); err != nil {
		return err
	}
	for k, v := range before {
		in.Opening[k] = in.Opening[k].Sub(v)
	}
	if len(c.Advances) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT advance, date < ?, amount FROM recoupments WHERE contract = ? AND date <= ?`, start, id, end)
	if err != nil {
		return err
	}
	defer rows.Close()
	type sums struct{ before, in decimal.Decimal }
	by := map[string]*sums{}
	for rows.Next() {
		var adv, amount string
		var isBefore bool
		if err := rows.Scan(&adv, &isBefore, &amount); err != nil {
			return err
		}
		d, err := storedDecimal("recoupments", "amount", amount)
		if err != nil {
			return err
		}
		s := by[adv]
		if s == nil {
			s = &sums{}
			by[adv] = s
		}
		if isBefore {
			s.before = s.before.Add(d)
		} else {
			s.in = s.in.Add(d)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range c.OrderedAdvances() {
		if a.Date.After(p.Last()) {
			continue
		}
		f := reports.AdvanceFlow{ID: a.ID, Payer: a.Payer, Payee: a.Payee, Date: a.Date, Amount: a.Amount}
		if s := by[a.ID]; s != nil {
			f.RecoupedBefore, f.Recouped = s.before, s.in
		}
		in.Advances = append(in.Advances, f)
	}
	return nil
}

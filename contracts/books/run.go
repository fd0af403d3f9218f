package books

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/booking"
	"github.com/revshare/revshare/ledger"
)

// Service runs and pays contracts on a Store (contracts.Runner and
// contracts.Payer): the rules live here, so that every storage backend
// books and pays alike.
type Service struct{ Store Store }

// Run computes every contract's obligations for every period up to through
// (a date: each contract runs through its own period containing it) and
// books the differences (package booking). The whole run is one write
// transaction, so concurrent runs serialize and the second books nothing.
// A book without contracts is EINVALID, and nothing is recorded.
func (s Service) Run(ctx context.Context, through ledger.Date) (contracts.RunResult, error) {
	var res contracts.RunResult
	err := s.Store.Update(ctx, Activity{"run", "through " + through.String()}, func(tx Tx) error {
		var err error
		res, err = Run(tx, through, nil)
		if err == nil && len(res.Contracts) == 0 {
			// A run that finds no contract is a mistake (the wrong --db, a
			// contract not added yet): said, rather than recorded as a run
			// that booked nothing.
			return ledger.Errorf(ledger.EINVALID, "there are no contracts to run: add one first (revshare contract add FILE.yaml, or POST /api/v1/contracts)")
		}
		return err
	})
	return res, err
}

// Run is Service.Run inside tx (a close runs in its own transaction); step,
// when set, is called after each entry booked (close's crash points).
func Run(tx Tx, through ledger.Date, step func()) (contracts.RunResult, error) {
	res := contracts.RunResult{Through: through.String()}
	cs, err := tx.Contracts()
	if err != nil {
		return res, err
	}
	closed, err := tx.ClosedThrough()
	if err != nil {
		return res, err
	}
	rates, err := tx.Rates()
	if err != nil {
		return res, err
	}
	total := 0
	for _, sc := range cs {
		rc, err := runContract(tx, sc, through, closed, rates, step)
		if err != nil {
			return res, err
		}
		total += rc.Entries
		res.Contracts = append(res.Contracts, rc)
	}
	return res, tx.AddRun(through, total)
}

func runContract(tx Tx, sc contracts.StoredContract, throughDate ledger.Date, closed ledger.Date, rates []ledger.FXRate, step func()) (contracts.RunContract, error) {
	c := sc.Contract
	through := c.PeriodOf(throughDate)
	rc := contracts.RunContract{Contract: c.ID, Through: through.Label()}
	rows, booked, err := contractBookings(tx, c.ID)
	if err != nil {
		return rc, err
	}
	if err := tx.EnsureUsage(c); err != nil {
		return rc, err
	}
	// A run through an earlier period than one already booked still brings
	// the later periods to their computed values: left out, they would be
	// planned back to zero (as for a rule an amendment removed), and left
	// alone, a grown earlier period could push their cap consumption past
	// the cap.
	evalThrough := through
	for _, b := range booked {
		if b.Period.Freq == through.Freq && through.Before(b.Period) && evalThrough.Before(b.Period) {
			evalThrough = b.Period
		}
	}
	if evalThrough != through {
		// Say so: the run went on through the latest booked period.
		rc.Through, rc.Asked = evalThrough.Label(), through.Label()
	}
	result, err := Evaluate(tx, c, evalThrough, rates, false)
	if err != nil {
		return rc, err
	}
	plan, err := planRules(tx, c, result, closed, booked)
	if err != nil {
		return rc, err
	}
	advances, recoupments, err := planAdvances(tx, c, evalThrough, closed, plan, rows)
	if err != nil {
		return rc, err
	}
	// Each entry is posted with the row that indexes it (AddBooking, ...),
	// in plan order: rule bookings, advances, recoupments.
	type write struct {
		entry ledger.Entry
		row   func(entryID int64) error
		count *int // the RunContract counter besides Entries
	}
	var writes []write
	for _, b := range plan {
		count := new(int)
		if b.Kind == booking.Adjustment {
			count = &rc.Adjustments
		}
		writes = append(writes, write{b.Entry(c.ID, sc.Version, c.Currency), func(id int64) error {
			return tx.AddBooking(Booking{EntryID: id, Contract: c.ID, Version: sc.Version, Rule: b.Rule, Period: b.Period,
				Kind: string(b.Kind), BookedIn: b.BookedIn.Label(), Payer: b.Payer, Payee: b.Payee,
				Base: b.Base, BaseDelta: b.BaseDelta, Amount: b.AmountDelta, Date: b.Date})
		}, count})
	}
	for _, b := range advances {
		writes = append(writes, write{b.Entry(c.ID, sc.Version, c.Currency), func(id int64) error {
			return tx.AddAdvanceBooking(AdvanceBooking{EntryID: id, Contract: c.ID, Version: sc.Version, Advance: b.Advance,
				Payer: b.Payer, Payee: b.Payee, AdvanceDate: b.AdvanceDate, Amount: b.Amount, Date: b.Date})
		}, &rc.Advances})
	}
	for _, b := range recoupments {
		writes = append(writes, write{b.Entry(c.ID, sc.Version, c.Currency), func(id int64) error {
			return tx.AddRecoupment(Recoupment{EntryID: id, Contract: c.ID, Version: sc.Version, Advance: b.Advance,
				Period: b.Period, Payer: b.Payer, Payee: b.Payee, Amount: b.Amount, Date: b.Date})
		}, &rc.Recoupments})
	}
	if len(writes) == 0 {
		return rc, nil
	}
	entries := make([]ledger.Entry, len(writes))
	for i, w := range writes {
		entries[i] = w.entry
	}
	posted, err := tx.PostEntries(entries)
	if err != nil {
		return rc, err
	}
	for i, w := range writes {
		if posted[i].Duplicate {
			continue
		}
		if err := w.row(posted[i].ID); err != nil {
			return rc, err
		}
		rc.Entries++
		*w.count++
		if step != nil {
			step()
		}
	}
	return rc, nil
}

// planRules returns the rule bookings that bring what is booked for c to
// the engine's result.
func planRules(tx ReadTx, c *contracts.Contract, result *contracts.Result, closed ledger.Date, booked map[booking.Ref]booking.Booked) ([]booking.Booking, error) {
	var computed []booking.Computed
	for _, l := range result.Lines {
		cp := booking.Computed{Rule: l.Rule, Payer: l.Payer, Payee: l.Payee, Period: l.Period, Base: l.Base, Amount: l.Total}
		for _, sp := range l.Splits {
			cp.Parts = append(cp.Parts, booking.Part{Payee: sp.Payee, Amount: sp.Amount})
		}
		computed = append(computed, cp)
	}
	plan := booking.Plan(computed, booked, closed, c.Period)
	if again, err := finalBases(tx, c.ID, plan, booked); err != nil {
		return nil, err
	} else if again {
		plan = booking.Plan(computed, booked, closed, c.Period)
	}
	return plan, nil
}

// Pending reports whether `run --through p` would book anything dated in
// p: a rule's accrual or minimum true-up (new usage, an amendment that
// changed the rule's amount, its payee or split, removed it or changed the
// contract's frequency), a closed period's prior-period adjustment (p the
// first open period), an advance payment (dated in p, or in a closed period
// with p the first open one) or a recoupment (an advance added or changed
// while the rules' bookings stand). A draft of p agrees with the books
// exactly when it is false. result is the engine's result for c through p
// or later; the plan is the run's own (planRules, planAdvances) and the
// bookings of other periods than p do not count.
func Pending(tx ReadTx, c *contracts.Contract, result *contracts.Result, p ledger.Period) (bool, error) {
	closed, err := tx.ClosedThrough()
	if err != nil || !closed.IsZero() && !closed.Before(p.Last()) {
		// p closed through its last day: nothing is booked in it. A period
		// closed only in part (its first months, before an amendment made
		// the contract quarterly) holds the first open day.
		return false, err
	}
	rows, booked, err := contractBookings(tx, c.ID)
	if err != nil {
		return false, err
	}
	plan, err := planRules(tx, c, result, closed, booked)
	if err != nil {
		return false, err
	}
	for _, b := range plan {
		if b.BookedIn == p {
			return true, nil
		}
	}
	advances, recoupments, err := planAdvances(tx, c, p, closed, plan, rows)
	if err != nil {
		return false, err
	}
	for _, a := range advances {
		if c.PeriodOf(a.Date) == p {
			return true, nil
		}
	}
	for _, r := range recoupments {
		if c.PeriodOf(r.Date) == p {
			return true, nil
		}
	}
	return false, nil
}

// contractBookings returns a contract's bookings rows and their sums per
// rule and period (bookedByRef).
func contractBookings(tx ReadTx, id string) ([]Booking, map[booking.Ref]booking.Booked, error) {
	rows, err := tx.Bookings(id)
	if err != nil {
		return nil, nil, err
	}
	booked, err := bookedByRef(rows)
	return rows, booked, err
}

// bookedByRef sums a contract's bookings rows per rule and period: what
// booking.Plan measures the computed obligations against.
func bookedByRef(rows []Booking) (map[booking.Ref]booking.Booked, error) {
	out := map[booking.Ref]booking.Booked{}
	for _, r := range rows {
		p, err := ledger.ParsePeriod(r.Period)
		if err != nil {
			return nil, fmt.Errorf("bookings row of entry %d: period: %w", r.EntryID, err)
		}
		ref := booking.Ref{Rule: r.Rule, Period: r.Period}
		b := out[ref]
		b.Payer, b.Payee, b.Period = r.Payer, r.Payee, p
		b.Base = r.Base
		b.Amount = b.Amount.Add(r.Amount)
		if b.ByPair == nil {
			b.ByPair = map[booking.Pair]decimal.Decimal{}
		}
		pair := booking.Pair{Payer: r.Payer, Payee: r.Payee}
		b.ByPair[pair] = b.ByPair[pair].Add(r.Amount)
		b.Count++
		b.Adjusted = b.Adjusted || r.Kind == string(booking.Adjustment)
		out[ref] = b
	}
	return out, nil
}

// finalBases sets, in booked, the base of each (rule, closed period) that
// plan adjusts for the first time to the base on the period's final
// statement: a period closed with nothing booked for the rule (an
// obligation of zero: a refund's floor, a cap used up, a rule an amendment
// added later) has no booking that holds it, and a booking made before the
// close may hold an older one (events that changed the base but not the
// obligation). It reports whether it changed any base; the plan must then
// be made again. Only the final statements of the periods concerned are
// read.
func finalBases(tx ReadTx, contract string, plan []booking.Booking, booked map[booking.Ref]booking.Booked) (bool, error) {
	need := map[string][]booking.Ref{}
	var periods []string
	for _, b := range plan {
		if b.Kind != booking.Adjustment || booked[b.Ref].Adjusted {
			continue
		}
		if _, ok := need[b.Period]; !ok {
			periods = append(periods, b.Period)
		}
		need[b.Period] = append(need[b.Period], b.Ref)
	}
	changed := false
	for _, period := range periods {
		bases, stored, err := tx.FinalRuleBases(contract, period)
		if err != nil {
			return false, err
		}
		if !stored {
			continue // no final statement under this label (another frequency): the bookings' base stands
		}
		for _, ref := range need[period] {
			b := booked[ref]
			if base := bases[ref.Rule]; !base.Equal(b.Base) {
				b.Base, changed = base, true
				booked[ref] = b
			}
		}
	}
	return changed, nil
}

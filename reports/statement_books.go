package reports

import (
	"context"
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// Statement returns the statement of contract id for period p
// (StatementService): the final statement stored at the close that
// finalized it, whatever later versions of the contract say; else a draft
// built from the books now.
func (b Books) Statement(ctx context.Context, id string, p ledger.Period) (*Statement, error) {
	return b.StatementWith(ctx, id, p, nil)
}

// StatementWith is Statement reusing evaluated for a draft when it is the
// engine's result for the latest version of the contract through p or a
// later period (books.Service.Evaluate): rendering many statements then
// costs one evaluation. The final statement stored under p's label is
// served as stored, even one of another frequency than the contract's
// latest version; a period the contract does not have (another
// frequency, or before its first period) is ENOTFOUND, and so is an
// unknown contract.
func (b Books) StatementWith(ctx context.Context, id string, p ledger.Period, evaluated *contracts.Result) (*Statement, error) {
	var s *Statement
	err := b.Store.View(ctx, func(tx books.ReadTx) error {
		sc, err := books.FindContract(tx, id)
		if err != nil {
			return err
		}
		if stored, ok, err := finalStatement(tx, id, p.Label()); ok || err != nil {
			s = stored
			return err
		}
		c := sc.Contract
		open := c.OpenStart()
		if err := hasPeriod(c, p, nil, !open); err != nil {
			return err
		}
		if evaluated == nil || evaluated.Contract == nil || evaluated.Contract.ID != id || evaluated.Through.Before(p) ||
			string(evaluated.Contract.Canonical()) != string(c.Canonical()) {
			rates, err := tx.Rates()
			if err != nil {
				return err
			}
			// Through p only: what later periods need (an exchange rate
			// not imported yet) must not stop p's statement.
			if evaluated, err = books.Evaluate(tx, c, p, rates, true); err != nil {
				return err
			}
			if open {
				if err := hasPeriod(c, p, evaluated, true); err != nil {
					// p is before the first period: evaluate through the
					// earliest rule start to name it (an event counted
					// after p by a rule without `from` may begin it).
					if first, ok := c.FirstPeriod(); ok && p.Before(first) {
						if res, ferr := books.Evaluate(tx, c, first, rates, false); ferr == nil {
							return hasPeriod(c, p, res, true)
						}
					}
					return err
				}
			}
		} else if open {
			if err := hasPeriod(c, p, evaluated, true); err != nil {
				return err
			}
		}
		s, err = StatementFromBooks(tx, sc, p, false, evaluated)
		return err
	})
	return s, err
}

// hasPeriod says ENOTFOUND unless p is one of c's statement periods: of
// its frequency, from its first period on (FirstPeriod; res is the engine's
// result when c has a rule without a start). With first false only the
// frequency is checked.
func hasPeriod(c *contracts.Contract, p ledger.Period, res *contracts.Result, first bool) error {
	if p.Freq != c.Period {
		return ledger.Errorf(ledger.ENOTFOUND, "contract %s has no statement for %s: its statements are by %s, and no final statement is stored under that label",
			c.ID, p.Label(), c.Period)
	}
	if !first {
		return nil
	}
	start, ok := FirstPeriod(c, res)
	if !ok || p.Before(start) {
		from := "it has no rule with a start date"
		if c.OpenStart() {
			from = "it has no rule with a start date, and no event counted by a rule without one on or before " + p.Last().String()
		}
		if ok {
			from = "its first period is " + start.Label()
		}
		return ledger.Errorf(ledger.ENOTFOUND, "contract %s has no statement for %s: %s", c.ID, p.Label(), from)
	}
	return nil
}

// FirstPeriod is the first of c's statement periods: the period of its
// earliest rule start (Contract.FirstPeriod) or, when a rule has no start
// (`from` absent) and counted an earlier event, the period of that event,
// where the engine's lines begin (res.First; res is c's result through the
// period asked for, or later). ok is false when there is neither yet.
func FirstPeriod(c *contracts.Contract, res *contracts.Result) (ledger.Period, bool) {
	first, ok := c.FirstPeriod()
	if c.OpenStart() && res != nil && len(res.Lines) > 0 && (!ok || res.First.Before(first)) {
		return res.First, true
	}
	return first, ok
}

// finalStatement reads the final statement stored under (contract, label);
// ok is false when there is none. The statement keeps the stored bytes
// (Statement.Stored): its JSON rendering is them.
func finalStatement(tx books.ReadTx, id, label string) (*Statement, bool, error) {
	body, ok, err := tx.FinalStatement(id, label)
	if !ok || err != nil {
		return nil, ok, err
	}
	s, err := ParseStored(body)
	if err != nil {
		return nil, true, ledger.Errorf(ledger.EINTERNAL, "final statement %s %s: stored body unreadable: %v", id, label, err)
	}
	return s, true, nil
}

// StatementPeriods lists the statements from the contract's first period
// through the period of today, then the final statements stored under
// other labels (of an earlier version's frequency), in period order. A
// statement is final only when it is stored (at the close that finalized
// it), and carries the hash it was stored with.
func (b Books) StatementPeriods(ctx context.Context, id string) ([]StatementSummary, error) {
	out := []StatementSummary{}
	err := b.Store.View(ctx, func(tx books.ReadTx) error {
		sc, err := books.FindContract(tx, id)
		if err != nil {
			return err
		}
		hashes, err := tx.FinalStatementHashes(id)
		if err != nil {
			return err
		}
		labels, err := periodOrder(hashes)
		if err != nil {
			return err
		}
		final := map[string]bool{}
		for _, l := range labels {
			final[l] = true
		}
		c := sc.Contract
		last := c.PeriodOf(ledger.DateOf(b.Clock.Now()))
		first, ok, err := firstStatementPeriod(tx, c, last)
		if err != nil {
			return err
		}
		if ok {
			for p := first; !last.Before(p); p = p.Next() {
				status := "draft"
				if final[p.Label()] {
					status = "final"
					delete(final, p.Label())
				}
				out = append(out, StatementSummary{Period: p.Label(), Status: status, Hash: hashes[p.Label()]})
			}
		}
		for _, l := range labels {
			if final[l] {
				out = append(out, StatementSummary{Period: l, Status: "final", Hash: hashes[l]})
			}
		}
		return nil
	})
	return out, err
}

// firstStatementPeriod is c's first statement period when it is at or
// before last (FirstPeriod). A rule without `from` begins it at the first
// event it counts, which the usage aggregates tell without exchange rates:
// a list of statements must not fail on a rate that only a period no run
// has reached needs. Without aggregates (a read-only view of a book that
// no run brought up to date) the engine runs over the events.
func firstStatementPeriod(tx books.ReadTx, c *contracts.Contract, last ledger.Period) (ledger.Period, bool, error) {
	if !c.OpenStart() {
		first, ok := c.FirstPeriod()
		return first, ok, nil
	}
	u, _, ok, err := tx.Usage(c, false)
	if err != nil {
		return ledger.Period{}, false, err
	}
	if ok {
		first, ok := u.FirstLine(last)
		return first, ok, nil
	}
	rates, err := tx.Rates()
	if err != nil {
		return ledger.Period{}, false, err
	}
	res, err := books.Evaluate(tx, c, last, rates, false)
	if err != nil {
		return ledger.Period{}, false, err
	}
	first, ok := FirstPeriod(c, res)
	return first, ok, nil
}

// periodOrder returns the labels of m in period order: by start, then end.
func periodOrder(m map[string]string) ([]string, error) {
	type lp struct {
		label string
		p     ledger.Period
	}
	out := make([]lp, 0, len(m))
	for l := range m {
		p, err := ledger.ParsePeriod(l)
		if err != nil {
			return nil, err
		}
		out = append(out, lp{l, p})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].p.Start() != out[j].p.Start() {
			return out[i].p.Start().Before(out[j].p.Start())
		}
		return out[i].p.End().Before(out[j].p.End())
	})
	labels := make([]string, len(out))
	for i, x := range out {
		labels[i] = x.label
	}
	return labels, nil
}

// StatementFromBooks builds the statement of contract version sc for
// period p from the engine's result (through p or later) and what tx holds
// of the books: the run bookings dated in p, the payments dated in p, the
// balances at its start and what advances did.
func StatementFromBooks(tx books.ReadTx, sc contracts.StoredContract, p ledger.Period, final bool, res *contracts.Result) (*Statement, error) {
	id := sc.Contract.ID
	in := StatementInput{Contract: sc.Contract, Version: sc.Version, Period: p, Final: final,
		Lines: res.PeriodLines(p), Paid: map[[2]string]decimal.Decimal{}, Opening: map[[2]string]decimal.Decimal{}}
	versions := contractVersions{tx: tx, id: id, parsed: map[int]*contracts.Contract{sc.Version: sc.Contract}}
	rows, err := tx.StatementBookings(id, p)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		b := Booking{EntryID: r.EntryID, Rule: r.Rule, Period: r.Period, Kind: r.Kind, Payer: r.Payer, Payee: r.Payee,
			BaseDelta: r.BaseDelta, Amount: r.Amount, Version: r.Version, PrevVersion: r.PrevVersion}
		if b.Kind == "adjustment" {
			if err := adjustmentChange(&b, r, &versions); err != nil {
				return nil, err
			}
		}
		in.Bookings = append(in.Bookings, b)
	}
	before := books.Dates{To: p.Start().AddDays(-1)}
	in.Paid, err = paymentSums(tx, id, books.Dates{From: p.Start(), To: p.Last()})
	if err != nil {
		return nil, err
	}
	booked, err := tx.BookedAmounts(id, before)
	if err != nil {
		return nil, err
	}
	for _, b := range booked {
		k := [2]string{b.Payer, b.Payee}
		in.Opening[k] = in.Opening[k].Add(b.Amount)
	}
	paidBefore, err := paymentSums(tx, id, before)
	if err != nil {
		return nil, err
	}
	for k, v := range paidBefore {
		in.Opening[k] = in.Opening[k].Sub(v)
	}
	if err := advanceFlows(tx, &in); err != nil {
		return nil, err
	}
	if !final {
		if in.Pending, err = books.Pending(tx, sc.Contract, res, p); err != nil {
			return nil, err
		}
	}
	return BuildStatement(in)
}

// adjustmentChange sets what an adjustment says changed: the rule removed,
// its parties left or joined, or the rule added since the final statement
// it corrects.
func adjustmentChange(b *Booking, r books.StatementBooking, versions *contractVersions) error {
	v, err := versions.get(b.Version)
	if err != nil {
		return err
	}
	switch rule := v.Rule(b.Rule); {
	case rule == nil:
		b.Change = RuleRemoved
	case rule.Payer != b.Payer || !rule.Pays(b.Payee):
		b.Change = PartiesLeft
	case r.Joined:
		b.Change = PartiesJoined
	}
	// The first booking of a rule and period made after its close (nothing
	// was booked for it before) corrects its final statement: the version
	// compared is the one it was closed under, which may not have had the
	// rule at all. A final statement stored after this one (a period
	// finalized by a later close) is not what the booking corrected
	// (StatementBooking.ClosedWith), so that this one renders the same at
	// its close and when verify renders it again.
	if cv := r.ClosedWith; cv != 0 && cv != b.Version {
		b.PrevVersion = cv
		old, err := versions.get(cv)
		if err != nil {
			return err
		}
		if old.Rule(b.Rule) == nil && b.Change == NoPartyChange {
			b.Change = RuleAdded
		}
	}
	return nil
}

// paymentSums sums a contract's payments dated in d per (payer, payee).
func paymentSums(tx books.ReadTx, id string, d books.Dates) (map[[2]string]decimal.Decimal, error) {
	rows, err := tx.PaymentsIn(id, d)
	if err != nil {
		return nil, err
	}
	out := map[[2]string]decimal.Decimal{}
	for _, r := range rows {
		k := [2]string{r.Payer, r.Payee}
		out[k] = out[k].Add(r.Amount)
	}
	return out, nil
}

// advanceFlows adds to a statement's input what advances did: recoupments
// dated in the period (Recouped) and before it (less Opening), and each
// advance of the contract dated on or before the period's last day with
// what it recouped before and in the period.
func advanceFlows(tx books.ReadTx, in *StatementInput) error {
	c, p := in.Contract, in.Period
	rows, err := tx.RecoupmentsIn(c.ID, books.Dates{To: p.Last()})
	if err != nil {
		return err
	}
	in.Recouped = map[[2]string]decimal.Decimal{}
	type sums struct{ before, in decimal.Decimal }
	by := map[string]*sums{}
	for _, r := range rows {
		k := [2]string{r.Payer, r.Payee}
		s := by[r.Advance]
		if s == nil {
			s = &sums{}
			by[r.Advance] = s
		}
		if r.Date.Before(p.Start()) {
			in.Opening[k] = in.Opening[k].Sub(r.Amount)
			s.before = s.before.Add(r.Amount)
		} else {
			in.Recouped[k] = in.Recouped[k].Add(r.Amount)
			s.in = s.in.Add(r.Amount)
		}
	}
	for _, a := range c.OrderedAdvances() {
		if a.Date.After(p.Last()) {
			continue
		}
		f := AdvanceFlow{ID: a.ID, Payer: a.Payer, Payee: a.Payee, Date: a.Date, Amount: a.Amount}
		if s := by[a.ID]; s != nil {
			f.RecoupedBefore, f.Recouped = s.before, s.in
		}
		in.Advances = append(in.Advances, f)
	}
	return nil
}

// contractVersions reads and parses versions of one contract on demand.
type contractVersions struct {
	tx     books.ReadTx
	id     string
	parsed map[int]*contracts.Contract
}

func (cv *contractVersions) get(v int) (*contracts.Contract, error) {
	if c, ok := cv.parsed[v]; ok {
		return c, nil
	}
	sc, err := cv.tx.ContractVersion(cv.id, v)
	if err != nil {
		return nil, fmt.Errorf("contract %s version %d: %w", cv.id, v, err)
	}
	cv.parsed[v] = sc.Contract
	return sc.Contract, nil
}

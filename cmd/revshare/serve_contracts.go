package main

import (
	"context"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// contractBackend answers the statements and caps of the stored contracts
// (reports.StatementService and reports.CapService) from the backend.
type contractBackend struct {
	m  *Main
	db backendOps
}

// StatementPeriods lists the statements from the contract's first period
// through the period of today, then the final statements stored under
// other labels (of an earlier version's frequency). A statement is final
// only when it is stored (at the close that finalized it).
func (b contractBackend) StatementPeriods(ctx context.Context, id string) ([]reports.StatementSummary, error) {
	sc, err := b.db.Contract(ctx, id)
	if err != nil {
		return nil, err
	}
	labels, err := b.db.FinalStatementLabels(ctx, id)
	if err != nil {
		return nil, err
	}
	// A final statement carries the hash it was stored with; a draft none.
	hashes, err := b.db.FinalStatementHashes(ctx, id)
	if err != nil {
		return nil, err
	}
	final := map[string]bool{}
	for _, l := range labels {
		final[l] = true
	}
	c := sc.Contract
	out := []reports.StatementSummary{}
	if first, ok := c.FirstPeriod(); ok {
		last := c.PeriodOf(ledger.DateOf(b.m.Clock.Now()))
		for p := first; !last.Before(p); p = p.Next() {
			status := "draft"
			if final[p.Label()] {
				status = "final"
				delete(final, p.Label())
			}
			out = append(out, reports.StatementSummary{Period: p.Label(), Status: status, Hash: hashes[p.Label()]})
		}
	}
	for _, l := range labels {
		if final[l] {
			out = append(out, reports.StatementSummary{Period: l, Status: "final", Hash: hashes[l]})
		}
	}
	return out, nil
}

func (b contractBackend) Statement(ctx context.Context, id string, p ledger.Period) (*reports.Statement, error) {
	return b.db.Statement(ctx, id, p, nil)
}

// CapStatus reads each cap from the statement of the period containing asOf
// (today when zero) and projects binding at the run rate of the rule's
// latest period with events.
func (b contractBackend) CapStatus(ctx context.Context, id string, asOf ledger.Date) ([]reports.CapStatus, error) {
	sc, err := b.db.Contract(ctx, id)
	if err != nil {
		return nil, err
	}
	c := sc.Contract
	if asOf.IsZero() {
		asOf = ledger.DateOf(b.m.Clock.Now())
	}
	p := c.PeriodOf(asOf)
	s, err := b.db.Statement(ctx, id, p, nil)
	if err != nil {
		return nil, err
	}
	// The run rate is the rule's latest period with activity up to p (the
	// current month usually has none yet).
	evaluated, err := b.db.EvaluateContract(ctx, c, p) // no event IDs needed here
	if err != nil {
		return nil, err
	}
	runRate := map[string]struct {
		period ledger.Period
		amount decimal.Decimal
	}{}
	for _, l := range evaluated.Lines {
		if l.Events > 0 {
			runRate[l.Rule] = struct {
				period ledger.Period
				amount decimal.Decimal
			}{l.Period, l.Total}
		}
	}
	out := []reports.CapStatus{}
	// A shared cap is listed once, as its last member rule's line leaves it
	// (what all its rules consumed), projected at its rules' run rates
	// together.
	sharedAt := map[[2]string]int{}
	for _, rl := range s.Rules {
		r := c.Rule(rl.Rule)
		for _, cl := range rl.Caps {
			limit := decimal.RequireFromString(cl.Limit)
			remaining := decimal.RequireFromString(cl.RemainingAfter)
			cs := reports.CapStatus{Rule: rl.Rule, Kind: cl.Kind, Limit: limit, Consumed: limit.Sub(remaining), Remaining: remaining, ProjectedBinding: "never"}
			if cl.Shared != "" {
				cs.Rule, cs.Shared = cl.Shared, cl.Shared
				if cl.Kind != string(contracts.CapTotal) {
					cs.Period = p.Label()
				} else {
					rate, until, openEnded := decimal.Zero, ledger.Date{}, false
					for _, sc := range c.SharedCaps {
						if sc.ID != cl.Shared {
							continue
						}
						for _, id := range sc.Rules {
							rate = rate.Add(runRate[id].amount)
							if mr := c.Rule(id); mr != nil && mr.Until.IsZero() {
								openEnded = true
							} else if mr != nil && mr.Until.After(until) {
								until = mr.Until
							}
						}
					}
					if openEnded {
						until = ledger.Date{}
					}
					cs.ProjectedBinding = projectedPeriod(p, rate, remaining, until)
				}
				k := [2]string{cl.Shared, cl.Kind}
				if i, ok := sharedAt[k]; ok {
					out[i] = cs
				} else {
					sharedAt[k] = len(out)
					out = append(out, cs)
				}
				continue
			}
			if cl.Kind != string(contracts.CapTotal) {
				cs.Period = p.Label()
			} else if r != nil {
				rr := runRate[rl.Rule]
				from := p
				if rr.period.Freq != "" {
					from = rr.period
				}
				cs.ProjectedBinding = projectedPeriod(from, rr.amount, remaining, r.Until)
			}
			out = append(out, cs)
		}
	}
	return out, nil
}

// projectedPeriod is the period a cap binds at a constant run rate, or "never".
func projectedPeriod(last ledger.Period, rate, remaining decimal.Decimal, until ledger.Date) string {
	if !rate.IsPositive() {
		return "never"
	}
	if !remaining.IsPositive() {
		return last.Label()
	}
	left := remaining
	for p := last.Next(); (until.IsZero() && p.Year < last.Year+100) || p.Start().Before(until); p = p.Next() {
		if left.LessThanOrEqual(rate) {
			return p.Label()
		}
		left = left.Sub(rate)
	}
	return "never"
}

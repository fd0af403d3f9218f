package reports

import (
	"context"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// CapStatus reads each cap from the statement of the period containing asOf
// (today when zero) and projects binding at the run rate of the rule's
// latest period with events.
func (b Books) CapStatus(ctx context.Context, id string, asOf ledger.Date) ([]CapStatus, error) {
	var sc contracts.StoredContract
	err := b.Store.View(ctx, func(tx books.ReadTx) (err error) {
		sc, err = books.FindContract(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	c := sc.Contract
	if asOf.IsZero() {
		asOf = ledger.DateOf(b.Clock.Now())
	}
	p := c.PeriodOf(asOf)
	s, err := b.Statement(ctx, id, p)
	if err != nil {
		return nil, err
	}
	// The run rate is the rule's latest period with activity up to p (the
	// current month usually has none yet).
	evaluated, err := books.Service{Store: b.Store}.EvaluateContract(ctx, c, p) // no event IDs needed here
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
	out := []CapStatus{}
	// A shared cap is listed once, as its last member rule's line leaves it
	// (what all its rules consumed), projected at its rules' run rates
	// together.
	sharedAt := map[[2]string]int{}
	for _, rl := range s.Rules {
		r := c.Rule(rl.Rule)
		for _, cl := range rl.Caps {
			limit := decimal.RequireFromString(cl.Limit)
			remaining := decimal.RequireFromString(cl.RemainingAfter)
			cs := CapStatus{Rule: rl.Rule, Kind: cl.Kind, Limit: limit, Consumed: limit.Sub(remaining), Remaining: remaining, ProjectedBinding: "never"}
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
					cs.ProjectedBinding = ProjectedPeriod(p, rate, remaining, until)
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
				cs.ProjectedBinding = ProjectedPeriod(from, rr.amount, remaining, r.Until)
			}
			out = append(out, cs)
		}
	}
	return out, nil
}

// ProjectedPeriod is the period a cap binds at a constant run rate, or "never".
func ProjectedPeriod(last ledger.Period, rate, remaining decimal.Decimal, until ledger.Date) string {
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

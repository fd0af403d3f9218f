package books

import (
	"context"
	"slices"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// Evaluate runs the engine for c through `through` over the usage
// aggregates stored for its usage signature, or over every stored event
// when there are none (a database from before migration 0008 that no run
// or contract save has brought up to date; a read-only view cannot). With
// trace, each line lists the IDs of its events.
func Evaluate(tx ReadTx, c *contracts.Contract, through ledger.Period, rates []ledger.FXRate, trace bool) (*contracts.Result, error) {
	u, traced, ok, err := tx.Usage(c, trace)
	if err != nil {
		return nil, err
	}
	if !ok {
		acc, err := contracts.NewAccumulator(c, through, rates, contracts.Options{TraceEvents: trace})
		if err != nil {
			return nil, err
		}
		if err := tx.EachEvent(acc.Add); err != nil {
			return nil, err
		}
		return acc.Result()
	}
	res, err := contracts.ComputeUsage(c, u, rates, through)
	if err != nil {
		return nil, err
	}
	for i := range res.Lines {
		ln := &res.Lines[i]
		if ids := traced[RulePeriod{ln.Rule, ln.Period.Label()}]; len(ids) > 0 {
			slices.Sort(ids)
			ln.EventIDs = ids
		}
	}
	return res, nil
}

// Evaluate runs the engine for stored contract id through period p over
// every stored event, tracing event IDs.
func (s Service) Evaluate(ctx context.Context, id string, p ledger.Period) (*contracts.Result, error) {
	var res *contracts.Result
	err := s.Store.View(ctx, func(tx ReadTx) error {
		sc, err := FindContract(tx, id)
		if err != nil {
			return err
		}
		rates, err := tx.Rates()
		if err != nil {
			return err
		}
		res, err = Evaluate(tx, sc.Contract, p, rates, true)
		return err
	})
	return res, err
}

// BookedThrough is the latest date the books reach (ReadTx.BookedThrough):
// a scenario's actuals_through may not pass its period (spec section 8).
func (s Service) BookedThrough(ctx context.Context) (ledger.Date, error) {
	var d ledger.Date
	err := s.Store.View(ctx, func(tx ReadTx) (err error) {
		d, err = tx.BookedThrough()
		return err
	})
	return d, err
}

// EvaluateContract runs the engine for c, stored or not (a scenario's
// contract), through period p without event tracing.
func (s Service) EvaluateContract(ctx context.Context, c *contracts.Contract, p ledger.Period) (*contracts.Result, error) {
	var res *contracts.Result
	err := s.Store.View(ctx, func(tx ReadTx) error {
		rates, err := tx.Rates()
		if err != nil {
			return err
		}
		res, err = Evaluate(tx, c, p, rates, false)
		return err
	})
	return res, err
}

package scenario

import (
	"context"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// EventActuals is an ActualsSource over stored events: it streams them into
// the engine's own accumulator (contracts.NewAccumulator), so the actual
// bases are exactly those a statement run computes. The database wiring
// supplies the two functions.
type EventActuals struct {
	// Rates returns the FX rates the engine may need.
	Rates func(ctx context.Context) ([]ledger.FXRate, error)
	// Events calls fn for every stored usage event (any order); it stops at
	// the first error fn returns and returns it.
	Events func(ctx context.Context, fn func(*ledger.Event) error) error
}

// Bases implements ActualsSource.
func (a EventActuals) Bases(ctx context.Context, c *contracts.Contract, through ledger.Period) ([]Base, error) {
	var rates []ledger.FXRate
	var err error
	if a.Rates != nil {
		if rates, err = a.Rates(ctx); err != nil {
			return nil, err
		}
	}
	acc, err := contracts.NewAccumulator(c, through, rates, contracts.Options{})
	if err != nil {
		return nil, err
	}
	if err := a.Events(ctx, acc.Add); err != nil {
		return nil, err
	}
	res, err := acc.Result()
	if err != nil {
		return nil, err
	}
	return BasesOf(res), nil
}

// EvaluatedActuals is an ActualsSource over an evaluation the store makes
// itself (for revshare's SQLite store: from its usage aggregates, without
// reading every event), which gives the same bases as EventActuals.
type EvaluatedActuals func(ctx context.Context, c *contracts.Contract, through ledger.Period) (*contracts.Result, error)

// Bases implements ActualsSource.
func (f EvaluatedActuals) Bases(ctx context.Context, c *contracts.Contract, through ledger.Period) ([]Base, error) {
	res, err := f(ctx, c, through)
	if err != nil {
		return nil, err
	}
	return BasesOf(res), nil
}

// BasesOf returns the non-zero bases of an evaluation's lines.
func BasesOf(res *contracts.Result) []Base {
	out := make([]Base, 0, len(res.Lines))
	for _, ln := range res.Lines {
		if !ln.Base.IsZero() {
			out = append(out, Base{Rule: ln.Rule, Period: ln.Period, Amount: ln.Base})
		}
	}
	return out
}

package scenario

import (
	"context"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// Evaluator evaluates scenario documents against the stored contracts and
// history, never writing.
type Evaluator interface {
	// Evaluate parses a scenario document (YAML or JSON, forecast files
	// refused) and runs it. An invalid scenario is a *ValidationError
	// listing every problem; one that asks for more than MaxRequestWork
	// a *WorkError.
	Evaluate(ctx context.Context, doc []byte) (*Result, error)
}

// Service is the Evaluator over a contract store and the store's
// evaluation of real history (EvaluatedActuals).
type Service struct {
	Contracts contracts.ContractStore
	Actuals   ActualsSource
	Clock     ledger.Clock // today, which actuals_through must not reach
	// Booked is the latest date the books reach (Sources.Booked); nil
	// checks nothing.
	Booked func(ctx context.Context) (ledger.Date, error)
}

// Evaluate parses doc with no file access and runs it.
func (s Service) Evaluate(ctx context.Context, doc []byte) (*Result, error) {
	sc, err := Parse(doc, ParseOptions{})
	if err != nil {
		return nil, err
	}
	src := Sources{Contracts: StoredContracts{s.Contracts}, Actuals: s.Actuals, Today: ledger.DateOf(s.Clock.Now().UTC()), Booked: s.Booked,
		MaxWork: MaxRequestWork}
	plan, err := Prepare(ctx, sc, src)
	if err != nil {
		return nil, err
	}
	return plan.Run(ctx)
}

// StoredContracts is the ContractSource of a contract store: the latest
// version of each contract.
type StoredContracts struct{ Store contracts.ContractStore }

// Contract returns the latest version of contract id; ENOTFOUND if none.
func (s StoredContracts) Contract(ctx context.Context, id string) (*contracts.Contract, error) {
	sc, err := contracts.FindContract(ctx, s.Store, id)
	if err != nil {
		return nil, err
	}
	return sc.Contract, nil
}

package reports

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// The services of this file are what revshare answers about statements and
// caps, and the close that makes statements final (spec section 5).

// StatementService lists and reads the statements of contracts.
type StatementService interface {
	// StatementPeriods lists a contract's statements: every period from its
	// first through the period of today (final where a close stored it,
	// else draft), then the final statements stored under other labels (of
	// an earlier version's frequency). ENOTFOUND for an unknown contract.
	StatementPeriods(ctx context.Context, contractID string) ([]StatementSummary, error)
	// Statement returns the final statement a close stored for the period,
	// or else a draft built from the ledger now. ENOTFOUND for an unknown
	// contract.
	Statement(ctx context.Context, contractID string, p ledger.Period) (*Statement, error)
}

// StatementSummary names one statement of a contract.
type StatementSummary struct {
	Period string `json:"period"`
	Status string `json:"status"`         // draft | final
	Hash   string `json:"hash,omitempty"` // a final statement's, as stored
}

// CapService reports where the caps of a contract stand.
type CapService interface {
	// CapStatus reads each cap of the contract's rules (and each shared cap
	// once) from the statement of the period containing asOf (today when
	// zero) and projects when it binds at the current run rate.
	// ENOTFOUND for an unknown contract.
	CapStatus(ctx context.Context, contractID string, asOf ledger.Date) ([]CapStatus, error)
}

// CapStatus is where one cap of one rule, or one shared cap, stands.
type CapStatus struct {
	Rule      string          `json:"rule"`             // the rule, or for a shared cap its id
	Shared    string          `json:"shared,omitempty"` // a shared cap's id (spec section 3 shared_caps)
	Kind      string          `json:"kind"`
	Limit     decimal.Decimal `json:"limit"`
	Consumed  decimal.Decimal `json:"consumed"`
	Remaining decimal.Decimal `json:"remaining"`
	Period    string          `json:"period,omitempty"` // per_year/per_period: the current window
	// ProjectedBinding is the period in which the cap is projected to bind
	// at the current run rate ("never" when it does not).
	ProjectedBinding string `json:"projected_binding"`
}

// Closer closes the books.
type Closer interface {
	// Close books what a run through p would, closes the ledger through
	// p's last day and stores the final statement of every period that
	// ends by then, all or nothing. A period that has not ended (by the
	// clock, in UTC) and one before the closed-through date are EINVALID.
	Close(ctx context.Context, through ledger.Period) (CloseResult, error)
}

// CloseResult says what a close did.
type CloseResult struct {
	Period        string              `json:"period"`
	ClosedThrough string              `json:"closed_through"`
	Run           contracts.RunResult `json:"run"`
	Statements    []string            `json:"statements"` // final statements stored, "CONTRACT PERIOD"
}

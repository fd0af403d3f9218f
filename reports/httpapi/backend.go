package httpapi

import (
	"context"
	"io"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

// This file holds the interfaces the server needs. cmd/revshare wires the
// concrete implementations (SQLite, the engine, the report builders); a nil
// interface makes its endpoints answer 501 not_implemented.

// Backend is everything the endpoints read and write through. The server
// holds two: one on a read-only database connection (used by every GET and
// by scenarios, so read-only roles never touch a writable connection) and
// one on the read-write connection (used by the writing endpoints).
type Backend struct {
	// Versioner (read backend only) enables the response and token caches.
	Versioner Versioner

	Ledger     Ledger
	Verifier   ledger.Verifier
	Events     Events
	Imports    ledger.ImportStore
	Contracts  Contracts
	Statements reports.StatementService
	Caps       reports.CapService

	UsageImporter  UsageImporter
	Runner         Runner
	PeriodCloser   PeriodCloser
	Payer          Payer
	ContractWriter ContractWriter
	Scenarios      ScenarioRunner
	Tokens         TokenAdmin
}

// Ledger is the read side of the journal (ledger.Journal's readers).
type Ledger interface {
	Entry(ctx context.Context, id int64) (ledger.Entry, error)
	EachEntry(ctx context.Context, f ledger.EntryFilter, fn func(*ledger.Entry) error) error
	TrialBalance(ctx context.Context, q ledger.BalanceQuery) ([]ledger.Balance, error)
	ClosedThrough(ctx context.Context) (ledger.Date, error)
}

// Authenticator turns a bearer token into the principal it belongs to. An
// unknown or revoked token is an EUNAUTHORIZED error.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// Principal is who is calling: a token's id, name and role.
type Principal struct {
	TokenID int64
	Name    string
	Role    Role
}

// Events reads stored usage events.
type Events interface {
	Event(ctx context.Context, id int64) (ledger.Event, error)
	Events(ctx context.Context, f ledger.EventFilter) ([]ledger.Event, error)
	// EventsByID returns the events with these IDs in the order given;
	// ENOTFOUND naming the first ID that has no event.
	EventsByID(ctx context.Context, ids []int64) ([]ledger.Event, error)
}

// RowReject is one rejected row of an import.
type RowReject struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Contracts reads the stored contracts (the latest version of each).
type Contracts interface {
	ListContracts(ctx context.Context) ([]contracts.StoredContract, error)
	GetContract(ctx context.Context, id string) (contracts.StoredContract, error)
}

// ImportOptions are the options of a usage import over HTTP.
type ImportOptions struct {
	Source       string
	File         string
	AllowPartial bool
	DryRun       bool
}

// UsageImporter imports a usage CSV; the result is returned as JSON.
type UsageImporter interface {
	ImportUsage(ctx context.Context, csv io.Reader, opts ImportOptions) (any, error)
}

// Runner computes and books obligations through a period.
type Runner interface {
	Run(ctx context.Context, through ledger.Period) (any, error)
}

// PeriodCloser closes every period up to and including a period.
type PeriodCloser interface {
	ClosePeriod(ctx context.Context, through ledger.Period) (any, error)
}

// Payer records payments.
type Payer interface {
	Pay(ctx context.Context, p contracts.Payment) (any, error)
}

// ContractWriter adds or updates a contract from its YAML or JSON document.
type ContractWriter interface {
	AddContract(ctx context.Context, doc []byte) (any, error)
}

// ScenarioRunner evaluates a scenario document (YAML or JSON) without
// writing anything.
type ScenarioRunner interface {
	RunScenario(ctx context.Context, doc []byte) (any, error)
}

// TokenAdmin manages API tokens (admin only).
type TokenAdmin interface {
	ListTokens(ctx context.Context) ([]ledger.Token, error)
	CreateToken(ctx context.Context, name string, role Role) (ledger.Token, string, error)
	RevokeToken(ctx context.Context, id int64) error
}

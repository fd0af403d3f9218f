package httpapi

import (
	"context"
	"io"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
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
	Verifier   Verifier
	Events     Events
	Imports    Imports
	Contracts  Contracts
	Statements Statements
	Caps       Caps

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

// VerifyResult is the outcome of checking every invariant of the database.
type VerifyResult struct {
	OK        bool   `json:"ok"`
	Violation string `json:"violation,omitempty"` // the first violation found
	EntryID   int64  `json:"entry_id,omitempty"`  // the entry it concerns, if any
	Entries   int64  `json:"entries"`
	HeadHash  string `json:"head_hash"`
}

// Verifier checks every invariant of the database. A violation is a
// result with OK false, not an error; errors are failures to check.
type Verifier interface {
	Verify(ctx context.Context) (VerifyResult, error)
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

// EventFilter selects usage events; zero fields do not filter.
type EventFilter struct {
	Source, Seller, Channel string
	From, To                ledger.Date // by accounting date, inclusive
	BatchID                 int64
	EntryID                 int64
	AfterID                 int64 // cursor
	Limit                   int

	// Customer, Product, Region and Currency match the event's field
	// exactly, as Seller and Channel do.
	Customer, Product, Region, Currency string
}

// Events reads stored usage events.
type Events interface {
	Event(ctx context.Context, id int64) (ledger.Event, error)
	Events(ctx context.Context, f EventFilter) ([]ledger.Event, error)
	// EventsByID returns the events with these IDs in the order given;
	// ENOTFOUND naming the first ID that has no event.
	EventsByID(ctx context.Context, ids []int64) ([]ledger.Event, error)
}

// ImportBatch is one imported file as recorded.
type ImportBatch struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"` // usage | rates
	Source     string    `json:"source"`
	File       string    `json:"file"`
	SHA256     string    `json:"sha256"`
	Mode       string    `json:"mode"`   // all | partial
	Status     string    `json:"status"` // running (or interrupted) | complete
	Rows       int64     `json:"rows"`
	Posted     int64     `json:"posted"`
	Duplicates int64     `json:"duplicates"`
	Rejected   int64     `json:"rejected"`
	Late       int64     `json:"late"`
	Entries    int64     `json:"entries"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// RowReject is one rejected row of an import.
type RowReject struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// RejectError is one reason a row was rejected.
type RejectError struct {
	Column string `json:"column"` // "" when the reason concerns the whole row
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// ImportReject is a stored rejected row of a partial import: its line in
// the file, why it was rejected, and its fields as read.
type ImportReject struct {
	Line   int           `json:"line"`
	Errors []RejectError `json:"errors"`
	Record []string      `json:"record"`
}

// Imports reads import batches and the rejects of partial imports.
type Imports interface {
	ImportBatches(ctx context.Context, afterID int64, limit int) ([]ImportBatch, error)
	ImportBatch(ctx context.Context, id int64) (ImportBatch, error)
	// ImportRejects returns a batch's stored rejects with line > afterLine,
	// in line order, at most limit; ENOTFOUND for an unknown batch.
	ImportRejects(ctx context.Context, batchID int64, afterLine, limit int) ([]ImportReject, error)
	// ImportRejectColumns returns the header of a batch's file (its
	// rejects' records follow it), nil when the batch stored no rejects;
	// ENOTFOUND for an unknown batch.
	ImportRejectColumns(ctx context.Context, batchID int64) ([]string, error)
}

// StoredContract is a contract as the store holds it.
type StoredContract struct {
	Contract *contracts.Contract
	Version  int
	AddedAt  time.Time
}

// Contracts reads the stored contracts (the latest version of each).
type Contracts interface {
	ListContracts(ctx context.Context) ([]StoredContract, error)
	GetContract(ctx context.Context, id string) (StoredContract, error)
}

// StatementSummary names one statement of a contract.
type StatementSummary struct {
	Period string `json:"period"`
	Status string `json:"status"` // draft | final
	Hash   string `json:"hash,omitempty"`
}

// Statements builds or loads period statements.
type Statements interface {
	StatementPeriods(ctx context.Context, contractID string) ([]StatementSummary, error)
	Statement(ctx context.Context, contractID string, period ledger.Period) (*reports.Statement, error)
}

// CapStatus is where one cap of one rule stands.
type CapStatus struct {
	Rule      string          `json:"rule"`             // the rule, or for a shared cap its id
	Shared    string          `json:"shared,omitempty"` // a shared cap's id (spec section 3 shared_caps)
	Kind      string          `json:"kind"`
	Limit     decimal.Decimal `json:"limit"`
	Consumed  decimal.Decimal `json:"consumed"`
	Remaining decimal.Decimal `json:"remaining"`
	Period    string          `json:"period,omitempty"` // per_year/per_period: the current window
	// ProjectedBinding is the period in which the cap is projected to bind
	// at the current run rate ("never" or "" when unknown).
	ProjectedBinding string `json:"projected_binding"`
}

// Caps reports cap consumption of a contract's rules.
type Caps interface {
	CapStatus(ctx context.Context, contractID string, asOf ledger.Date) ([]CapStatus, error)
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

// Payment is a payment between two parties under a contract.
type Payment struct {
	Contract  string          `json:"contract"`
	Payer     string          `json:"payer"`
	Payee     string          `json:"payee"`
	Amount    decimal.Decimal `json:"amount"`
	Date      ledger.Date     `json:"date"`
	Reference string          `json:"reference"`
}

// Payer records payments.
type Payer interface {
	Pay(ctx context.Context, p Payment) (any, error)
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

// TokenInfo is an API token as listed (never its secret).
type TokenInfo struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// TokenAdmin manages API tokens (admin only).
type TokenAdmin interface {
	ListTokens(ctx context.Context) ([]TokenInfo, error)
	CreateToken(ctx context.Context, name string, role Role) (TokenInfo, string, error)
	RevokeToken(ctx context.Context, id int64) error
}

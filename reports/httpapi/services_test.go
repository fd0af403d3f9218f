package httpapi

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/reports"
)

// This file is shared by the package's internal and external tests.

// NewTestConfig returns a complete Config for a test: both service sets are
// NewTestServices(db), the data version changes on every request (nothing
// is served from a cache) and logs are discarded. A test replaces the
// services it exercises.
func NewTestConfig(db *sqlite.DB) Config {
	s := NewTestServices(db)
	return Config{Read: s, Write: s, Version: new(EverChangingVersion), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// NewTestServices returns the services of db (real SQLite), and for those
// that cmd/revshare wires from other code (statements, caps, close,
// scenarios) ones that fail with "not wired in this test".
func NewTestServices(db *sqlite.DB) Services {
	runs := books.Service{Store: db.Books()}
	return Services{Journal: db, Events: db, Imports: db, Importer: db, Tokens: db, Verifier: reports.Verifier{Store: db},
		Contracts: db, Runs: runs, Payments: runs,
		Statements: unwired{}, Caps: unwired{}, Closer: unwired{}, Scenarios: unwired{}}
}

// EverChangingVersion is a data version that changes at every read.
type EverChangingVersion struct{ n atomic.Int64 }

// DataVersion returns the next version.
func (v *EverChangingVersion) DataVersion(context.Context) (int64, error) { return v.n.Add(1), nil }

// TokensAs accepts every bearer token as a token of role.
type TokensAs struct {
	ledger.TokenStore
	Role Role
}

// AuthenticateToken returns a token of the role.
func (t TokensAs) AuthenticateToken(ctx context.Context, secret string) (ledger.Token, error) {
	return ledger.Token{ID: 1, Name: "test", Role: string(t.Role)}, nil
}

// unwired fails every call: a service the test does not exercise.
type unwired struct{}

func errUnwired() error { return ledger.Errorf(ledger.EINTERNAL, "not wired in this test") }

func (unwired) StatementPeriods(context.Context, string) ([]reports.StatementSummary, error) {
	return nil, errUnwired()
}
func (unwired) Statement(context.Context, string, ledger.Period) (*reports.Statement, error) {
	return nil, errUnwired()
}
func (unwired) CapStatus(context.Context, string, ledger.Date) ([]reports.CapStatus, error) {
	return nil, errUnwired()
}
func (unwired) Close(context.Context, ledger.Period) (reports.CloseResult, error) {
	return reports.CloseResult{}, errUnwired()
}
func (unwired) Evaluate(context.Context, []byte) (*scenario.Result, error) { return nil, errUnwired() }

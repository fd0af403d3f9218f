package httpapi

import (
	"context"
	"fmt"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
)

// Services is everything the endpoints read and write through: the domain
// packages' services, nothing of the server's own. The server holds two
// sets (Config): Read on a read-only database connection, used by every
// GET and by scenarios, so that read-only roles never touch a writable
// connection; Write on the read-write one, used by the endpoints that
// change the ledger. Every service of both sets is required.
type Services struct {
	Journal    ledger.Journal
	Events     ledger.EventStore
	Imports    ledger.ImportStore
	Importer   usage.Importer
	Tokens     ledger.TokenStore
	Verifier   ledger.Verifier
	Contracts  contracts.ContractStore
	Runs       contracts.Runner
	Payments   contracts.Payer
	Statements reports.StatementService
	Caps       reports.CapService
	Closer     reports.Closer
	Scenarios  scenario.Evaluator
}

// missing names the services of s that are nil.
func (s *Services) missing() []string {
	var out []string
	for _, f := range []struct {
		name  string
		unset bool
	}{
		{"Journal", s.Journal == nil}, {"Events", s.Events == nil}, {"Imports", s.Imports == nil},
		{"Importer", s.Importer == nil}, {"Tokens", s.Tokens == nil}, {"Verifier", s.Verifier == nil},
		{"Contracts", s.Contracts == nil}, {"Runs", s.Runs == nil}, {"Payments", s.Payments == nil},
		{"Statements", s.Statements == nil}, {"Caps", s.Caps == nil}, {"Closer", s.Closer == nil},
		{"Scenarios", s.Scenarios == nil},
	} {
		if f.unset {
			out = append(out, f.name)
		}
	}
	return out
}

// mustBeComplete panics naming the services cfg lacks: a server with one
// unwired is a programming error, found when it starts rather than on the
// first request that needs it.
func (cfg *Config) mustBeComplete() {
	var missing []string
	for _, set := range []struct {
		name string
		s    *Services
	}{{"Read", &cfg.Read}, {"Write", &cfg.Write}} {
		for _, m := range set.s.missing() {
			missing = append(missing, set.name+"."+m)
		}
	}
	if cfg.Version == nil {
		missing = append(missing, "Version")
	}
	if len(missing) > 0 {
		panic(fmt.Sprintf("httpapi: Config lacks %v: every service is required", missing))
	}
}

// Principal is who is calling: a token's id, name and role.
type Principal struct {
	TokenID int64
	Name    string
	Role    Role
}

// authenticate turns a bearer token into the principal it belongs to; an
// unknown or revoked token is EUNAUTHORIZED.
func (s *Server) authenticate(ctx context.Context, secret string) (Principal, error) {
	t, err := s.read.Tokens.AuthenticateToken(ctx, secret)
	if err != nil {
		return Principal{}, err
	}
	role, err := ParseRole(t.Role)
	if err != nil {
		return Principal{}, err
	}
	return Principal{TokenID: t.ID, Name: t.Name, Role: role}, nil
}

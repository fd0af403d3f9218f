package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
	"github.com/revshare/revshare/reports/httpapi"
)

// env is a server over a real SQLite file with a few entries, one token per
// role, and in-memory stand-ins for the backends that live elsewhere.
type env struct {
	srv    *httpapi.Server
	path   string
	rw, ro *sqlite.DB
	tokens map[httpapi.Role]string
}

var t0 = time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)

func usd(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// usageCSV holds events 1 and 2 (OpenAI, direct, 2026-03-05: entry 1) and
// event 3 (Microsoft, Azure, 2026-03-09: entry 2).
const usageCSV = `event_id,occurred_at,seller,channel,product,amount,currency,invoice
ev-1,2026-03-05T12:00:00Z,openai,direct,gpt,600.25,USD,A-16
ev-2,2026-03-05,openai,direct,gpt,400.25,USD,A-17
ev-3,2026-03-09T08:00:00Z,microsoft,azure,,250.00,USD,B-1
`

// seed imports usageCSV and posts entry 3, the revenue share for March.
func seed(t *testing.T, db *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.ImportUsage(ctx, strings.NewReader(usageCSV), usage.ImportOptions{Source: "default", FileName: "march.csv"}); err != nil {
		t.Fatal(err)
	}
	es := []ledger.Entry{
		{Key: ledger.Key{Source: "run", ExternalID: "openai-microsoft/2026-03"}, Date: ledger.Date{Year: 2026, Month: 3, Day: 31}, Description: "revenue share 2026-03",
			Meta: map[string]string{"contract": "openai-microsoft", "rule": "openai-share-to-microsoft", "period": "2026-03"}, Postings: []ledger.Posting{
				{Account: ledger.ShareExpenseAccount("openai", "microsoft", "openai-microsoft"), Amount: usd("200.10"), Currency: "USD"},
				{Account: ledger.SharePayableAccount("openai", "microsoft", "openai-microsoft"), Amount: usd("-200.10"), Currency: "USD"}}},
	}
	if _, err := db.Post(ctx, es); err != nil {
		t.Fatal(err)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	rw := tempdb.Open(t, storetest.NewClock(t0))
	seed(t, rw)
	e := &env{path: rw.Path(), rw: rw, tokens: map[httpapi.Role]string{}}
	for _, r := range httpapi.Roles {
		_, secret, err := rw.CreateToken(ctx, string(r)+"-token", string(r))
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = secret
	}
	var err error
	e.ro, err = sqlite.OpenReadOnly(ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.ro.Close() })

	c := storetest.ParseContract(t, demoContract)
	// SQLite's services, with fakes for contracts and what is computed
	// from them.
	fakes := func(s httpapi.Services) httpapi.Services {
		s.Contracts, s.Statements, s.Caps, s.Scenarios = fakeContracts{c}, fakeStatements{}, fakeCaps{}, fakeScenarios{}
		s.Runs, s.Closer, s.Payments = fakeWriter{}, fakeWriter{}, fakeWriter{}
		return s
	}
	ver, err := sqlite.NewDataVersion(ctx, e.ro)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ver.Close() })
	e.srv = httpapi.New(httpapi.Config{Read: fakes(httpapi.NewTestServices(e.ro)), Write: fakes(httpapi.NewTestServices(rw)), Version: ver,
		Clock: storetest.NewClock(t0), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return e
}

const demoContract = `id: openai-microsoft
name: OpenAI / Microsoft revenue share (restructured)
currency: USD
timezone: UTC
period: month
parties: [openai, microsoft]
rules:
  - id: openai-share-to-microsoft
    payer: openai
    payee: microsoft
    match: {seller: openai}
    rate: "0.20"
    from: 2025-01-01
    through: 2030-12-31
    cap:
      total: "38000000000.00"
`

type fakeContracts struct{ c *contracts.Contract }

func (f fakeContracts) Contracts(ctx context.Context) ([]contracts.StoredContract, error) {
	return []contracts.StoredContract{{Contract: f.c, Version: 1, RecordedAt: t0}}, nil
}

func (f fakeContracts) SaveContract(ctx context.Context, c *contracts.Contract, update bool) (int, error) {
	return 2, nil
}

func (f fakeContracts) Contract(ctx context.Context, id string) (contracts.StoredContract, error) {
	if id != f.c.ID {
		return contracts.StoredContract{}, contracts.NotFound(id, nil)
	}
	return contracts.StoredContract{Contract: f.c, Version: 1, RecordedAt: t0}, nil
}

type fakeStatements struct{}

// fakeStatements has a final statement for 2026-02 (no usage) and a
// draft for 2026-03, the month of the seeded events and entry 3.

func (fakeStatements) StatementPeriods(ctx context.Context, id string) ([]reports.StatementSummary, error) {
	feb, err := fakeStatements{}.Statement(ctx, id, ledger.Period{Freq: ledger.Month, Year: 2026, Index: 2})
	if err != nil {
		return nil, err
	}
	return []reports.StatementSummary{{Period: "2026-02", Status: "final", Hash: feb.Hash}, {Period: "2026-03", Status: "draft"}}, nil
}

func (fakeStatements) Statement(ctx context.Context, id string, p ledger.Period) (*reports.Statement, error) {
	if id != "openai-microsoft" || p.Label() != "2026-03" && p.Label() != "2026-02" {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no statement %s %s", id, p)
	}
	if p.Label() == "2026-02" {
		st := &reports.Statement{Contract: id, ContractName: "OpenAI / Microsoft", ContractVersion: 1, Status: "final", Currency: "USD",
			Period: reports.PeriodInfo{Label: "2026-02", Start: "2026-02-01", End: "2026-02-28"},
			Pairs:  []reports.Pair{{Payer: "openai", Payee: "microsoft", Obligations: "0.00", ReverseObligations: "0.00", Net: "0.00", OpeningBalance: "0.00", Payments: "0.00", ClosingBalance: "0.00"}}}
		return st, st.Seal()
	}
	st := &reports.Statement{Contract: id, ContractName: "OpenAI / Microsoft", ContractVersion: 1, Status: "draft", Currency: "USD",
		Period: reports.PeriodInfo{Label: "2026-03", Start: "2026-03-01", End: "2026-03-31"},
		Rules: []reports.RuleLine{{Rule: "openai-share-to-microsoft", Payer: "openai", Payee: "microsoft", Rate: "0.20", Base: "1000.50", Events: 2,
			Gross: "200.10", Obligation: "200.10", MinimumTrueUp: "0.00", Entries: []int64{3}, EventIDs: []int64{1, 2}}},
		Pairs: []reports.Pair{{Payer: "openai", Payee: "microsoft", Obligations: "200.10", ReverseObligations: "0.00", Net: "200.10", OpeningBalance: "0.00", Payments: "0.00", ClosingBalance: "200.10"}}}
	return st, st.Seal()
}

type fakeCaps struct{}

func (fakeCaps) CapStatus(ctx context.Context, id string, asOf ledger.Date) ([]reports.CapStatus, error) {
	return []reports.CapStatus{{Rule: "openai-share-to-microsoft", Kind: "total", Limit: usd("38000000000.00"), Consumed: usd("200.10"), Remaining: usd("37999999799.90"), ProjectedBinding: "never"}}, nil
}

type fakeScenarios struct{}

func (fakeScenarios) Evaluate(ctx context.Context, doc []byte) (*scenario.Result, error) {
	return &scenario.Result{Name: "ok"}, nil
}

type fakeWriter struct{}

func (fakeWriter) Run(ctx context.Context, through ledger.Date) (contracts.RunResult, error) {
	return contracts.RunResult{Through: through.String(), Contracts: []contracts.RunContract{}}, nil
}
func (fakeWriter) Close(ctx context.Context, p ledger.Period) (reports.CloseResult, error) {
	return reports.CloseResult{Period: p.Label(), ClosedThrough: p.Last().String(), Statements: []string{}}, nil
}

// Pay answers the amount as the entry's number, so that a test sees what
// the handler parsed.
func (fakeWriter) Pay(ctx context.Context, p contracts.Payment) (contracts.PaymentResult, error) {
	return contracts.PaymentResult{Entry: p.Amount.IntPart(), Reference: p.Reference}, nil
}

// fileBytes reads the database file and its WAL.
func fileBytes(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

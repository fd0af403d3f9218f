package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/reports"
	"github.com/revshare/revshare/reports/httpapi"
	"github.com/shopspring/decimal"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// env is a server over a real SQLite file with a few entries, one token per
// role, and in-memory stand-ins for the backends that live elsewhere.
type env struct {
	srv    *httpapi.Server
	path   string
	rw, ro *sqlite.DB
	tokens map[httpapi.Role]string
	events *fakeEvents
}

// authn adapts the SQLite token store, as cmd/revshare does.
type authn struct{ db *sqlite.DB }

func (a authn) Authenticate(ctx context.Context, tok string) (httpapi.Principal, error) {
	t, err := a.db.AuthenticateToken(ctx, tok)
	if err != nil {
		return httpapi.Principal{}, err
	}
	return httpapi.Principal{TokenID: t.ID, Name: t.Name, Role: httpapi.Role(t.Role)}, nil
}

type tokenAdmin struct{ db *sqlite.DB }

func (a tokenAdmin) ListTokens(ctx context.Context) ([]httpapi.TokenInfo, error) {
	ts, err := a.db.Tokens(ctx)
	var out []httpapi.TokenInfo
	for _, t := range ts {
		out = append(out, httpapi.TokenInfo(t))
	}
	return out, err
}

func (a tokenAdmin) CreateToken(ctx context.Context, name string, role httpapi.Role) (httpapi.TokenInfo, string, error) {
	t, s, err := a.db.CreateToken(ctx, name, string(role))
	return httpapi.TokenInfo(t), s, err
}

func (a tokenAdmin) RevokeToken(ctx context.Context, id int64) error {
	return a.db.RevokeToken(ctx, id)
}

type verifier struct{ db *sqlite.DB }

func (v verifier) Verify(ctx context.Context) (httpapi.VerifyResult, error) {
	if err := v.db.Verify(ctx); err != nil {
		return httpapi.VerifyResult{Violation: err.Error()}, nil
	}
	return httpapi.VerifyResult{OK: true}, nil
}

var t0 = time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)

func usd(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// seedEntries posts: 1 an OpenAI direct sale (events 1, 2), 2 an Azure sale
// by Microsoft (event 3), 3 the revenue share for March.
func seedEntries(t *testing.T, db *sqlite.DB) {
	t.Helper()
	es := []ledger.Entry{
		{Key: ledger.Key{Source: "import", ExternalID: "batch-1"}, Date: ledger.Date{Year: 2026, Month: 3, Day: 5}, Description: "usage import 1",
			Meta: map[string]string{"batch": "1"}, Postings: []ledger.Posting{
				{Account: ledger.ReceivableAccount("openai", "direct"), Amount: usd("1000.50"), Currency: "USD"},
				{Account: ledger.RevenueAccount("openai", "direct"), Amount: usd("-1000.50"), Currency: "USD"}}},
		{Key: ledger.Key{Source: "import", ExternalID: "batch-1b"}, Date: ledger.Date{Year: 2026, Month: 3, Day: 9}, Description: "usage import 1",
			Meta: map[string]string{"batch": "1"}, Postings: []ledger.Posting{
				{Account: ledger.ReceivableAccount("microsoft", "azure"), Amount: usd("250.00"), Currency: "USD"},
				{Account: ledger.RevenueAccount("microsoft", "azure"), Amount: usd("-250.00"), Currency: "USD"}}},
		{Key: ledger.Key{Source: "run", ExternalID: "openai-microsoft/2026-03"}, Date: ledger.Date{Year: 2026, Month: 3, Day: 31}, Description: "revenue share 2026-03",
			Meta: map[string]string{"contract": "openai-microsoft", "rule": "openai-share-to-microsoft", "period": "2026-03"}, Postings: []ledger.Posting{
				{Account: ledger.ShareExpenseAccount("openai", "microsoft", "openai-microsoft"), Amount: usd("200.10"), Currency: "USD"},
				{Account: ledger.SharePayableAccount("openai", "microsoft", "openai-microsoft"), Amount: usd("-200.10"), Currency: "USD"}}},
	}
	if _, err := db.Post(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "revshare.db")
	rw, err := sqlite.Open(ctx, path, fixedClock{t0})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rw.Close() })
	seedEntries(t, rw)
	e := &env{path: path, rw: rw, tokens: map[httpapi.Role]string{}}
	for _, r := range httpapi.Roles {
		_, secret, err := rw.CreateToken(ctx, string(r)+"-token", string(r))
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = secret
	}
	e.ro, err = sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.ro.Close() })

	c, err := contracts.Parse([]byte(demoContract))
	if err != nil {
		t.Fatal(err)
	}
	e.events = &fakeEvents{evs: []ledger.Event{
		{ID: 1, Source: "default", EventID: "ev-1", OccurredAt: time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC), Seller: "openai", Channel: "direct", Product: "gpt", Amount: usd("600.25"), Currency: "USD", BatchID: 1, EntryID: 1},
		{ID: 2, Source: "default", EventID: "ev-2", OccurredAt: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), DateOnly: true, Seller: "openai", Channel: "direct", Product: "gpt", Amount: usd("400.25"), Currency: "USD", BatchID: 1, EntryID: 1, Meta: map[string]string{"invoice": "A-17"}},
		{ID: 3, Source: "default", EventID: "ev-3", OccurredAt: time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC), Seller: "microsoft", Channel: "azure", Amount: usd("250.00"), Currency: "USD", BatchID: 1, EntryID: 2},
	}}
	read := httpapi.Backend{
		Ledger: e.ro, Verifier: verifier{e.ro}, Events: e.events, Imports: fakeImports{}, Contracts: fakeContracts{c},
		Statements: fakeStatements{}, Caps: fakeCaps{}, Scenarios: fakeScenarios{},
	}
	write := read
	write.Ledger = rw
	write.UsageImporter, write.Runner, write.PeriodCloser, write.Payer, write.ContractWriter = fakeWriter{}, fakeWriter{}, fakeWriter{}, fakeWriter{}, fakeWriter{}
	write.Tokens = tokenAdmin{rw}
	e.srv = httpapi.New(httpapi.Config{Read: read, Write: write, Auth: authn{e.ro}, Clock: fixedClock{t0},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

type fakeEvents struct{ evs []ledger.Event }

func (f *fakeEvents) Event(ctx context.Context, id int64) (ledger.Event, error) {
	for _, e := range f.evs {
		if e.ID == id {
			return e, nil
		}
	}
	return ledger.Event{}, ledger.Errorf(ledger.ENOTFOUND, "no event %d", id)
}

func (f *fakeEvents) Events(ctx context.Context, flt httpapi.EventFilter) ([]ledger.Event, error) {
	var out []ledger.Event
	for _, e := range f.evs {
		if e.ID <= flt.AfterID || flt.EntryID != 0 && e.EntryID != flt.EntryID || flt.Seller != "" && e.Seller != flt.Seller {
			continue
		}
		if flt.Limit > 0 && len(out) == flt.Limit {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

type fakeImports struct{}

var batch1 = httpapi.ImportBatch{ID: 1, Source: "default", File: "march.csv", ImportedAt: t0, Status: "committed", Rows: 4, Posted: 3, Duplicates: 1, EntryIDs: []int64{1, 2}}

func (fakeImports) ImportBatches(ctx context.Context, after int64, limit int) ([]httpapi.ImportBatch, error) {
	if after >= 1 {
		return nil, nil
	}
	return []httpapi.ImportBatch{batch1}, nil
}

func (fakeImports) ImportBatch(ctx context.Context, id int64) (httpapi.ImportBatch, []httpapi.RowReject, error) {
	if id != 1 {
		return httpapi.ImportBatch{}, nil, ledger.Errorf(ledger.ENOTFOUND, "no import %d", id)
	}
	return batch1, nil, nil
}

type fakeContracts struct{ c *contracts.Contract }

func (f fakeContracts) ListContracts(ctx context.Context) ([]httpapi.StoredContract, error) {
	return []httpapi.StoredContract{{Contract: f.c, Version: 1, AddedAt: t0}}, nil
}

func (f fakeContracts) GetContract(ctx context.Context, id string) (httpapi.StoredContract, error) {
	if id != f.c.ID {
		return httpapi.StoredContract{}, ledger.Errorf(ledger.ENOTFOUND, "no contract %q", id)
	}
	return httpapi.StoredContract{Contract: f.c, Version: 1, AddedAt: t0}, nil
}

type fakeStatements struct{}

func (fakeStatements) StatementPeriods(ctx context.Context, id string) ([]httpapi.StatementSummary, error) {
	return []httpapi.StatementSummary{{Period: "2026-03", Status: "draft"}}, nil
}

func (fakeStatements) Statement(ctx context.Context, id string, p ledger.Period) (*reports.Statement, error) {
	if id != "openai-microsoft" || p.Label() != "2026-03" {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no statement %s %s", id, p)
	}
	st := &reports.Statement{Contract: id, ContractName: "OpenAI / Microsoft", ContractVersion: 1, Status: "draft", Currency: "USD",
		Period: reports.PeriodInfo{Label: "2026-03", Start: "2026-03-01", End: "2026-03-31"},
		Rules: []reports.RuleLine{{Rule: "openai-share-to-microsoft", Payer: "openai", Payee: "microsoft", Rate: "0.20", Base: "1000.50", Events: 2,
			Gross: "200.10", Obligation: "200.10", MinimumTrueUp: "0.00", Entries: []int64{3}, EventIDs: []int64{1, 2}}}}
	return st, st.Seal()
}

type fakeCaps struct{}

func (fakeCaps) CapStatus(ctx context.Context, id string, asOf ledger.Date) ([]httpapi.CapStatus, error) {
	return []httpapi.CapStatus{{Rule: "openai-share-to-microsoft", Kind: "total", Limit: usd("38000000000.00"), Consumed: usd("200.10"), Remaining: usd("37999999799.90"), ProjectedBinding: "never"}}, nil
}

type fakeScenarios struct{}

func (fakeScenarios) RunScenario(ctx context.Context, doc []byte) (any, error) {
	return map[string]string{"scenario": "ok"}, nil
}

type fakeWriter struct{}

func (fakeWriter) ImportUsage(ctx context.Context, r io.Reader, o httpapi.ImportOptions) (any, error) {
	n, err := io.Copy(io.Discard, r)
	return map[string]any{"bytes": n, "source": o.Source}, err
}
func (fakeWriter) Run(ctx context.Context, p ledger.Period) (any, error) {
	return map[string]string{"through": p.Label()}, nil
}
func (fakeWriter) ClosePeriod(ctx context.Context, p ledger.Period) (any, error) {
	return map[string]string{"closed_through": p.Label()}, nil
}
func (fakeWriter) Pay(ctx context.Context, p httpapi.Payment) (any, error) {
	return map[string]string{"amount": p.Amount.String()}, nil
}
func (fakeWriter) AddContract(ctx context.Context, doc []byte) (any, error) {
	return map[string]int{"version": 2}, nil
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

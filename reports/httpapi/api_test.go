package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports/httpapi"
)

func (e *env) get(t *testing.T, path string, role httpapi.Role) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.String()
}

// TestBadRequests: each bad input gets its status and exact error.
func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path   string
		status int
		code   string
		msg    string
	}{
		{"/api/v1/entries?limit=1001", 400, "invalid", "limit 1001 is above the maximum page size of 1000"},
		{"/api/v1/entries?limit=0", 400, "invalid", `invalid limit "0": want a whole number from 1 to 1000`},
		{"/api/v1/entries?limit=ten", 400, "invalid", `invalid limit "ten": want a whole number from 1 to 1000`},
		{"/api/v1/entries?cursor=zzz", 400, "invalid", `invalid cursor "zzz": pass the next_cursor of a previous page`},
		{"/api/v1/entries?from=2026-04-01&to=2026-03-01", 400, "invalid", "to 2026-03-01 is before from 2026-04-01"},
		{"/api/v1/entries?from=1990-01-01&to=2026-03-01", 400, "invalid", "date range 1990-01-01 to 2026-03-01 spans 13209 days, at most 9150 allowed"},
		{"/api/v1/entries?from=2026-02-30", 400, "invalid", `invalid from "2026-02-30": not a calendar date (2026-02 has 28 days)`},
		{"/api/v1/trial-balance?as_of=2026-04-31", 400, "invalid", `invalid as_of "2026-04-31": not a calendar date (2026-04 has 30 days)`},
		{"/api/v1/entries?account=Assets", 400, "invalid", `invalid account "Assets": want root:segment[:segment...]`},
		{"/api/v1/entries?acount=assets", 400, "invalid", `unknown query parameter "acount"`},
		{"/api/v1/entries?format=xml", 400, "invalid", `unknown format "xml" (want one of json, csv)`},
		{"/api/v1/entries/0", 400, "invalid", `invalid entry id "0": want a positive whole number`},
		{"/api/v1/entries/99", 404, "not_found", "entry 99 not found"},
		{"/api/v1/events/99", 404, "not_found", "event 99 not found"},
		{"/api/v1/imports/99", 404, "not_found", "import 99 not found"},
		{"/api/v1/trial-balance?as_of=March", 400, "invalid", `invalid as_of "March": want YYYY-MM-DD`},
		{"/api/v1/trial-balance?known_at=yesterday", 400, "invalid", `invalid known_at "yesterday": want an RFC 3339 timestamp (2026-04-01T00:00:00Z) or a date`},
		{"/api/v1/accounts/assets:nothing/balance", 404, "not_found", `no account "assets:nothing" (nor any below it) has postings`},
		{"/api/v1/contracts/nope", 404, "not_found", `contract "nope" not found (the book holds 1 contract: openai-microsoft)`},
		{"/api/v1/contracts/openai-microsoft/statements/2026-13", 400, "invalid", `invalid period "2026-13": want YYYY-MM, YYYY-Qn or YYYY`},
		// Parameters a route does not take are refused, format and limit included.
		{"/api/v1/verify?format=xml", 400, "invalid", `unknown query parameter "format"`},
		{"/api/v1/trial-balance?limit=5", 400, "invalid", `unknown query parameter "limit"`},
		{"/api/v1/entries/1?cursor=x", 400, "invalid", `unknown query parameter "cursor"`},
		{"/api/v1/contracts/openai-microsoft/statements/2026-03?limit=1", 400, "invalid", `unknown query parameter "limit"`},
		{"/api/v1/nothing", 404, "not_found", "no such path: /api/v1/nothing"},
		// A parameter given twice is refused: the first one was used and the other dropped unsaid.
		{"/api/v1/trial-balance?as_of=2026-01-31&as_of=2026-02-28", 400, "invalid", `query parameter "as_of" given 2 times ("2026-01-31", "2026-02-28"): give it once`},
		{"/api/v1/entries?limit=1&limit=2&limit=3", 400, "invalid", `query parameter "limit" given 3 times ("1", "2", "3"): give it once`},
	} {
		status, _, body := e.get(t, tc.path, httpapi.Auditor)
		want := `{"error":{"code":"` + tc.code + `","message":` + jsonString(tc.msg) + `}}`
		if status != tc.status || strings.TrimSpace(body) != want {
			t.Errorf("GET %s: %d %s\nwant %d %s", tc.path, status, body, tc.status, want)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}

func TestTrialBalanceAsOfKnownAt(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ query, want string }{
		{"", `{"as_of":null,"closed_through":null,"known_at":null,"totals":[{"balance":"0.00","balanced":true,"credits":"1450.60","currency":"USD","debits":"1450.60"}]}`},
		{"?as_of=2026-03-06", `{"as_of":"2026-03-06","closed_through":null,"known_at":null,"totals":[{"balance":"0.00","balanced":true,"credits":"1000.50","currency":"USD","debits":"1000.50"}]}`},
		{"?known_at=2026-04-01T00:00:00Z", `{"as_of":null,"closed_through":null,"known_at":"2026-04-01T00:00:00Z","totals":[]}`},
	} {
		status, _, body := e.get(t, "/api/v1/trial-balance"+tc.query, httpapi.Auditor)
		var tb map[string]any
		if err := json.Unmarshal([]byte(body), &tb); err != nil || status != 200 {
			t.Fatalf("%s: %d %s", tc.query, status, body)
		}
		delete(tb, "accounts")
		got, _ := json.Marshal(tb)
		if string(got) != tc.want {
			t.Errorf("trial balance%s:\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
	status, h, body := e.get(t, "/api/v1/trial-balance?format=csv&as_of=2026-03-06", httpapi.Auditor)
	want := "account,type,currency,debit,credit,balance\n" +
		"assets:receivable:openai:direct,asset,USD,1000.50,0.00,1000.50\n" +
		"income:revenue:openai:direct,income,USD,0.00,1000.50,-1000.50\n" +
		"total,,USD,1000.50,1000.50,0.00\n"
	if status != 200 || body != want || h.Get("Content-Type") != "text/csv; charset=utf-8" ||
		h.Get("Content-Disposition") != `attachment; filename="trial-balance-as_of-2026-03-06.csv"` {
		t.Errorf("csv: %d %q %q %q", status, h.Get("Content-Type"), h.Get("Content-Disposition"), body)
	}
	status, _, body = e.get(t, "/api/v1/accounts/liabilities:revshare/balance?as_of=2026-03-31", httpapi.Auditor)
	if want := `{"account":"liabilities:revshare","as_of":"2026-03-31","balances":[{"amount":"-200.10","currency":"USD"}],"known_at":null}`; status != 200 || compact(body) != want {
		t.Errorf("account balance: %d %s, want %s", status, compact(body), want)
	}
}

func compact(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPagination walks the entries one at a time and checks that the pages
// cover every entry once, in order, and that the CSV carries the cursor.
func TestPagination(t *testing.T) {
	e := newEnv(t)
	var ids []int64
	for _, page := range walkPages[struct{ ID int64 }](t, e.getAs(t, httpapi.Auditor), "/api/v1/entries?limit=1", 10) {
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
	}
	if got := fmtIDs(ids); got != "1 2 3" {
		t.Errorf("paged ids = %s, want 1 2 3", got)
	}
	status, h, body := e.get(t, "/api/v1/entries?limit=2&format=csv&account=income:revenue", httpapi.Auditor)
	if status != 200 || h.Get("X-Next-Cursor") != "" || strings.Count(body, "\n") != 5 { // a header and a row per posting of entries 1 and 2
		t.Errorf("csv: %d next=%q %s", status, h.Get("X-Next-Cursor"), body)
	}
	status, h, _ = e.get(t, "/api/v1/entries?limit=1&format=csv", httpapi.Auditor)
	if status != 200 || h.Get("X-Next-Cursor") == "" || !strings.Contains(h.Get("Link"), `rel="next"`) {
		t.Errorf("csv page 1: %d next=%q link=%q", status, h.Get("X-Next-Cursor"), h.Get("Link"))
	}
	// Events of an entry, and an entry with its events.
	status, _, body = e.get(t, "/api/v1/entries/1", httpapi.Auditor)
	var d struct {
		Postings []struct{ Account, Amount string }
		Events   []struct {
			EventID    string `json:"event_id"`
			OccurredAt string `json:"occurred_at"`
			Amount     string
		}
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil || status != 200 {
		t.Fatalf("entry 1: %d %s", status, body)
	}
	if len(d.Events) != 2 || d.Events[0].EventID != "ev-1" || d.Events[0].OccurredAt != "2026-03-05T12:00:00Z" || d.Events[1].OccurredAt != "2026-03-05" || d.Events[1].Amount != "400.25" {
		t.Errorf("entry 1 events = %+v", d.Events)
	}
}

func fmtIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, " ")
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	big := strings.Repeat("x", httpapi.MaxBodyBytes+1)
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.MultiReader(strings.NewReader(big)) // no Content-Length: read until the limit
		}
		req := httptest.NewRequest("POST", "/api/v1/runs", body)
		if chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Authorization", "Bearer "+e.tokens[httpapi.Finance])
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		want := `{"error":{"code":"too_large","message":"request body of 1048577 bytes is over the limit of 1048576 bytes"}}`
		if chunked {
			want = `{"error":{"code":"too_large","message":"request body is over the limit of 1048576 bytes"}}`
		}
		if rec.Code != 413 || strings.TrimSpace(rec.Body.String()) != want {
			t.Errorf("chunked=%v: %d %s", chunked, rec.Code, rec.Body.String())
		}
	}
}

func TestImportOverHTTP(t *testing.T) {
	e := newEnv(t)
	post := func(q, body string) (int, string) {
		req := httptest.NewRequest("POST", "/api/v1/imports/usage"+q, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens[httpapi.Finance])
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	status, body := post("?source=default&file=again.csv", usageCSV)
	if want := `{"batch":2,"dry_run":false,"duplicates":3,"entries":0,"file":"again.csv","late":0,"note":"again.csv has the same content as batch 1 (march.csv, imported 2026-04-02T10:00:00Z): its events were imported then","posted":0,"rejected":0,"rejects":[],"rows":3,"same_as_batch":1,"sha256":"b08afa7a0586220ab07c0073cbe840cc5205bf653e7a57df8c9d72b27edd3586","source":"default"}`; status != 200 || compact(body) != want {
		t.Errorf("re-import: %d %s\nwant %s", status, compact(body), want)
	}
	status, body = post("?file=bad.csv", "event_id,occurred_at,seller,channel,amount,currency\nx1,2026-03-01,openai,aws,ten,USD\n")
	if want := `{"error":{"code":"invalid","message":"bad.csv: 1 bad row(s) of 1; nothing imported; line 2 column amount value \"ten\": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)"}}`; status != 400 || strings.TrimSpace(body) != want {
		t.Errorf("bad rows: %d %s\nwant %s", status, body, want)
	}
}

// slowRunner blocks until released, to test shutdown with a request in flight.
type slowRunner struct{ started, release chan struct{} }

func (s slowRunner) Run(ctx context.Context, through ledger.Date) (contracts.RunResult, error) {
	close(s.started)
	<-s.release
	return contracts.RunResult{Through: through.String(), Contracts: []contracts.RunContract{}}, nil
}

// adminConfig is a complete Config on a new database whose every token is
// an admin's.
func adminConfig(t *testing.T) httpapi.Config {
	cfg := httpapi.NewTestConfig(tempdb.Open(t, nil))
	cfg.Read.Tokens = httpapi.TokensAs{Role: httpapi.Admin}
	return cfg
}

// TestGracefulShutdown cancels the server's context while a request is in
// flight: the request completes, new connections are refused, Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	sr := slowRunner{make(chan struct{}), make(chan struct{})}
	cfg := adminConfig(t)
	cfg.Write.Runs = sr
	srv := httpapi.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- httpapi.Serve(ctx, ln, srv) }()
	url := "http://" + ln.Addr().String()

	var wg sync.WaitGroup
	wg.Add(1)
	var status int
	var body string
	go func() {
		defer wg.Done()
		req, _ := http.NewRequest("POST", url+"/api/v1/runs", strings.NewReader(`{"through":"2026-03"}`))
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, body = resp.StatusCode, string(b)
	}()
	<-sr.started
	cancel()
	time.Sleep(100 * time.Millisecond) // Shutdown has closed the listener
	if _, err := http.Get(url + "/api/v1/healthz"); err == nil {
		t.Error("a new connection was accepted during shutdown")
	}
	close(sr.release)
	wg.Wait()
	if status != 200 || compact(body) != `{"contracts":[],"through":"2026-03-31"}` {
		t.Errorf("in-flight request: %d %s", status, body)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// TestTimeout: a handler that outlives the request deadline gets a 503.
func TestTimeout(t *testing.T) {
	cfg := adminConfig(t)
	cfg.Read.Journal, cfg.Timeout = blockingLedger{}, 50*time.Millisecond
	srv := httpapi.New(cfg)
	req := httptest.NewRequest("GET", "/api/v1/trial-balance", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if want := `{"error":{"code":"timeout","message":"the request took too long and was stopped"}}`; rec.Code != 503 || strings.TrimSpace(rec.Body.String()) != want {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
}

// TestScenarioBudget: POST /scenarios answers a scenario over the work
// budget with a 400 naming the product, the limit and the command line,
// and one that outlives the request's deadline with a 503 that says so.
func TestScenarioBudget(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"over the budget", &scenario.WorkError{Periods: 1200, Runs: 1000000, Variants: 1, Rules: 2, Limit: scenario.MaxRequestWork}, 400,
			`{"error":{"code":"invalid","message":"scenario too large for one request: 1,200 periods × 1,000,000 runs × 1 variant × 2 rules is 2,400,000,000 rule evaluations, more than the 40,000,000 allowed here; run it on your own machine with the command line, which has no such limit: revshare scenario FILE.yaml"}}`},
		{"past the deadline", context.DeadlineExceeded, 503,
			`{"error":{"code":"timeout","message":"the scenario took longer than 10 minutes, the most one request may, and was stopped; run it on your own machine with the command line, which has no time limit: revshare scenario FILE.yaml"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := adminConfig(t)
			cfg.Read.Scenarios = failingScenarios{tt.err}
			req := httptest.NewRequest("POST", "/api/v1/scenarios", strings.NewReader("horizon: 2027-06\n"))
			req.Header.Set("Authorization", "Bearer x")
			req.Header.Set("Content-Type", "application/yaml")
			rec := httptest.NewRecorder()
			httpapi.New(cfg).ServeHTTP(rec, req)
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.want {
				t.Errorf("%d %s\nwant %d %s", rec.Code, rec.Body.String(), tt.status, tt.want)
			}
		})
	}
}

// TestRunNoteNotEnded: POST /runs through a period that has not ended by
// the server's today carries a note saying so, as the command line does.
func TestRunNoteNotEnded(t *testing.T) {
	cfg := adminConfig(t)
	cfg.Clock = storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	cfg.Write.Runs = fixedRunner{contracts.RunContract{Contract: "small", Through: "2027-06"}}
	req := httptest.NewRequest("POST", "/api/v1/runs", strings.NewReader(`{"through":"2027-06"}`))
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	httpapi.New(cfg).ServeHTTP(rec, req)
	want := `{"through":"2027-06-30","contracts":[{"contract":"small","through":"2027-06","entries":0,"adjustments":0,` +
		`"note":"nothing to book: 2027-06 has not ended (today is 2026-12-07), and the books already hold the usage imported so far (the last period that has ended is 2026-11)"}]}`
	var got bytes.Buffer
	json.Compact(&got, rec.Body.Bytes())
	if rec.Code != 200 || got.String() != want {
		t.Errorf("%d %s\nwant 200 %s", rec.Code, got.String(), want)
	}
}

type fixedRunner struct{ rc contracts.RunContract }

func (f fixedRunner) Run(ctx context.Context, through ledger.Date) (contracts.RunResult, error) {
	return contracts.RunResult{Through: through.String(), Contracts: []contracts.RunContract{f.rc}}, nil
}

type failingScenarios struct{ err error }

func (f failingScenarios) Evaluate(ctx context.Context, doc []byte) (*scenario.Result, error) {
	return nil, f.err
}

type blockingLedger struct{ ledger.Journal }

func (blockingLedger) TrialBalance(ctx context.Context, q ledger.BalanceQuery) ([]ledger.Balance, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestInternalError(t *testing.T) {
	var logs strings.Builder
	cfg := adminConfig(t)
	cfg.Read.Journal, cfg.Logger = failingLedger{}, slog.New(slog.NewTextHandler(&logs, nil))
	srv := httpapi.New(cfg)
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/api/v1/trial-balance", `{"error":{"code":"internal","message":"internal error"}}`, 500},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Authorization", "Bearer x")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != tc.status || strings.TrimSpace(rec.Body.String()) != tc.want {
			t.Errorf("%s: %d %s", tc.path, rec.Code, rec.Body.String())
		}
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("the internal error was not logged in full: %s", logs.String())
	}
}

type failingLedger struct{ ledger.Journal }

func (failingLedger) TrialBalance(ctx context.Context, q ledger.BalanceQuery) ([]ledger.Balance, error) {
	return nil, errors.New("disk on fire")
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.get(t, "/api/v1/trial-balance", httpapi.Auditor)
	e.get(t, "/api/v1/trial-balance", "")
	_, _, body := e.get(t, "/api/v1/metrics", "")
	for _, want := range []string{
		`revshare_http_requests_total{method="GET",route="trial_balance",status="200"} 1`,
		`revshare_http_requests_total{method="GET",route="trial_balance",status="401"} 1`,
		`revshare_http_request_duration_seconds_bucket{method="GET",route="trial_balance",le="+Inf"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestCacheFollowsWrites: cached responses and tokens go stale with any
// write, whichever connection makes it.
func TestCacheFollowsWrites(t *testing.T) {
	e := newEnv(t)
	total := func() string {
		status, _, body := e.get(t, "/api/v1/trial-balance", httpapi.Auditor)
		var tb struct{ Totals []struct{ Debits string } }
		if err := json.Unmarshal([]byte(body), &tb); err != nil || status != 200 || len(tb.Totals) != 1 {
			t.Fatalf("%d %s", status, body)
		}
		return tb.Totals[0].Debits
	}
	if got := total(); got != "1450.60" {
		t.Fatalf("debits %s", got)
	}
	if got := total(); got != "1450.60" { // from the cache
		t.Fatalf("debits %s", got)
	}
	// A write through the read-write connection, as another process would.
	if _, err := e.rw.ImportUsage(context.Background(), strings.NewReader("event_id,occurred_at,seller,channel,amount,currency\nx,2026-03-20,openai,aws,9.40,USD\n"),
		usage.ImportOptions{FileName: "late.csv"}); err != nil {
		t.Fatal(err)
	}
	if got := total(); got != "1460.00" {
		t.Errorf("after an import, debits %s, want 1460.00", got)
	}
	// A revoked token stops working at once.
	ts, _ := e.rw.Tokens(context.Background())
	if err := e.rw.RevokeToken(context.Background(), ts[0].ID); err != nil { // the auditor's
		t.Fatal(err)
	}
	if status, _, _ := e.get(t, "/api/v1/trial-balance", httpapi.Auditor); status != 401 {
		t.Errorf("revoked token: status %d, want 401", status)
	}
}

// TestAPIIndexAndRootOperations: /api/v1 lists the routes, /api/v1/ goes
// there, and health and metrics answer at the root as under /api/v1.
func TestAPIIndexAndRootOperations(t *testing.T) {
	e := newEnv(t)
	status, h, body := e.get(t, "/api/v1", "")
	var idx httpapi.APIIndexJSON
	if err := json.Unmarshal([]byte(body), &idx); err != nil || status != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("/api/v1: %d %q %s", status, h.Get("Content-Type"), body)
	}
	if idx.OpenAPI != "/api/v1/openapi.json" || idx.WebView != "/" || len(idx.Links) != 27 {
		t.Errorf("index: openapi %q web %q, %d links, want 27", idx.OpenAPI, idx.WebView, len(idx.Links))
	}
	got := map[string]string{}
	for _, l := range idx.Links {
		got[l.Rel] = strings.Join(l.Methods, ",") + " " + l.Href
	}
	for rel, want := range map[string]string{
		"trial_balance":    "GET /api/v1/trial-balance",
		"import":           "GET /api/v1/imports/{id}",
		"contracts":        "GET,POST /api/v1/contracts",
		"statement_events": "GET /api/v1/contracts/{id}/statements/{period}/events",
		"token":            "DELETE /api/v1/tokens/{id}",
	} {
		if got[rel] != want {
			t.Errorf("link %s = %q, want %q", rel, got[rel], want)
		}
	}
	if status, h, _ := e.get(t, "/api/v1/", ""); status != 301 || h.Get("Location") != "/api/v1" {
		t.Errorf("/api/v1/: %d %q, want 301 to /api/v1", status, h.Get("Location"))
	}
	if status, _, body := e.get(t, "/healthz", ""); status != 200 || compact(body) != `{"status":"ok"}` {
		t.Errorf("/healthz: %d %s", status, body)
	}
	if status, _, body := e.get(t, "/metrics", ""); status != 200 || !strings.Contains(body, `revshare_http_requests_total{method="GET",route="root_healthz",status="200"} 1`) {
		t.Errorf("/metrics: %d %.500s", status, body)
	}
}

// TestDownloadNames: CSV and other downloads carry a file name.
func TestDownloadNames(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/api/v1/trial-balance?format=csv":                                                                       "trial-balance.csv",
		"/api/v1/entries?format=csv&account=assets:receivable&limit=2":                                           "entries-account-assets_receivable.csv",
		"/api/v1/events?format=csv&batch=1":                                                                      "events-batch-1.csv",
		"/api/v1/contracts/openai-microsoft/caps?format=csv":                                                     "contracts-openai-microsoft-caps.csv",
		"/api/v1/contracts/openai-microsoft/statements/2026-03?format=csv":                                       "contracts-openai-microsoft-statements-2026-03.csv",
		"/api/v1/contracts/openai-microsoft/statements/2026-03?format=md":                                        "contracts-openai-microsoft-statements-2026-03.md",
		"/api/v1/contracts/openai-microsoft/statements/2026-03?format=json":                                      "contracts-openai-microsoft-statements-2026-03.json",
		"/api/v1/contracts/openai-microsoft/statements/2026-03":                                                  "",
		"/api/v1/contracts/openai-microsoft/statements/2026-03?format=html":                                      "",
		"/api/v1/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft&format=csv": "contracts-openai-microsoft-statements-2026-03-events-rule-openai-share-to-microsoft.csv",
	} {
		status, h, body := e.get(t, path, httpapi.Auditor)
		cd := h.Get("Content-Disposition")
		if want != "" {
			want = `attachment; filename="` + want + `"`
		}
		if status != 200 || cd != want {
			t.Errorf("GET %s: %d Content-Disposition %q, want %q (%.200s)", path, status, cd, want, body)
		}
	}
}

// TestWriteQueryParameters: a route's list parameters are its GET's; its
// POST refuses them.
func TestWriteQueryParameters(t *testing.T) {
	e := newEnv(t)
	status, body := e.do(t, "POST", "/api/v1/contracts?limit=5", demoContract, httpapi.Admin)
	if want := `{"error":{"code":"invalid","message":"unknown query parameter \"limit\""}}`; status != 400 || strings.TrimSpace(body) != want {
		t.Errorf("POST /contracts?limit=5: %d %s, want 400 %s", status, body, want)
	}
	if status, _, body := e.get(t, "/api/v1/contracts?limit=5", httpapi.Admin); status != 200 {
		t.Errorf("GET /contracts?limit=5: %d %s", status, body)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts/demo"
)

// syncBuffer is a bytes buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `revshare --db path serve --addr 127.0.0.1:0 [extra...]`
// and returns its base URL and a stop function that cancels it (as SIGINT
// does) and returns Run's error.
func startServe(t *testing.T, path string, extra ...string) (string, func() error) {
	t.Helper()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	m := NewMain()
	m.Stdout, m.Stderr = out, errOut
	m.Getenv = func(string) string { return "" }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := m.Run(ctx, append([]string{"--db", path, "serve", "--addr", "127.0.0.1:0"}, extra...))
		m.Close()
		done <- err
	}()
	re := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)/`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], func() error { cancel(); return <-done }
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeEndToEnd: Main serves a temp database on port 0; tokens made by
// `revshare token create` work; finance imports and closes over HTTP; the
// trial balance over HTTP agrees with `revshare balance`; an auditor is
// refused writes; cancelling the context stops the server cleanly.
func TestServeEndToEnd(t *testing.T) { onBothBackends(t, testServeEndToEnd) }

func testServeEndToEnd(t *testing.T, newDB newDB) {
	path := newDB(t)
	fin := createToken(t, path, "finance", "--name", "fin")
	aud := createToken(t, path, "auditor")
	base, stop := startServe(t, path)

	csv := "event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-10,openai,direct,100.00,USD\ne2,2026-02-11,openai,azure,50.5,USD\n"
	if status, body := call(t, "POST", base+"/api/v1/imports/usage?source=crm&file=jan.csv", aud, csv); status != 403 {
		t.Errorf("auditor import: %d %s", status, body)
	}
	status, body := call(t, "POST", base+"/api/v1/imports/usage?source=crm&file=jan.csv", fin, csv)
	if status != 200 || !strings.Contains(body, `"posted": 2`) {
		t.Fatalf("import: %d %s", status, body)
	}
	if status, body := call(t, "POST", base+"/api/v1/periods/2026-01/close", fin, ""); status != 200 || !strings.Contains(body, `"closed_through": "2026-01-31"`) {
		t.Errorf("close: %d %s", status, body)
	}
	if status, body := call(t, "GET", base+"/api/v1/verify", aud, ""); status != 200 || !strings.Contains(body, `"ok": true`) {
		t.Errorf("verify: %d %s", status, body)
	}
	status, body = call(t, "GET", base+"/api/v1/trial-balance?as_of=2026-02-28", aud, "")
	if status != 200 {
		t.Fatalf("trial balance: %d %s", status, body)
	}
	cli, _, err := runCLI(t, "--db", path, "balance", "--as-of", "2026-02-28", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	type line struct{ Account, Currency, Balance string }
	var api, want struct{ Accounts []line }
	json.Unmarshal([]byte(body), &api)
	json.Unmarshal([]byte(cli), &want)
	if len(api.Accounts) != 4 || !equalLines(api.Accounts, want.Accounts) {
		t.Errorf("trial balance over HTTP %+v\n  revshare balance %+v", api.Accounts, want.Accounts)
	}
	// An analyst runs a scenario (never writes); an auditor may not.
	ana := createToken(t, path, "analyst")
	scen := "contract:\n  id: small\n  currency: USD\n  period: month\n  parties: [openai, microsoft]\n  rules:\n" +
		"    - id: share\n      payer: openai\n      payee: microsoft\n      match: {seller: openai}\n      rate: \"0.10\"\n" +
		"      from: 2027-01-01\n      cap: {total: \"50\"}\nhorizon: 2027-06\nstreams:\n  - match: {seller: openai}\n    start: \"100.00\"\n" +
		"variants:\n  - name: base\n"
	if status, body := call(t, "POST", base+"/api/v1/scenarios", aud, scen); status != 403 {
		t.Errorf("auditor scenario: %d %s", status, body)
	}
	status, body = call(t, "POST", base+"/api/v1/scenarios", ana, scen)
	if status != 200 || !strings.Contains(body, `"binds_in": "2027-05"`) {
		t.Errorf("scenario: %d %s", status, body)
	}
	// Actuals past the books are refused over HTTP as on the command line:
	// the books reach 2026-02-11 (e2).
	past := strings.NewReplacer("from: 2027-01-01", "from: 2026-01-01", "horizon: 2027-06", "actuals_through: 2026-03\nhorizon: 2027-06").Replace(scen)
	status, body = call(t, "POST", base+"/api/v1/scenarios", ana, past)
	if want := `actuals_through: 2026-03 is past the last booked period 2026-02 (the books reach 2026-02-11: the latest run's through or entry's date): import and run it first`; status != 400 || !strings.Contains(body, want) {
		t.Errorf("scenario with actuals past the books: %d %s\nwant 400 with %s", status, body, want)
	}
	// 1,200 months × 1,000,000 runs, each within the file's limits, kept a
	// core busy for half an hour; it is refused up front (in well under
	// the 30 s a client would otherwise wait for a far smaller one).
	huge := strings.Replace(scen, "horizon: 2027-06", "horizon: 2126-12", 1) +
		"monte_carlo:\n  runs: 1000000\n  seed: 1\n  growth.monthly: {dist: normal, mean: \"0.04\", sd: \"0.01\"}\n"
	began := time.Now()
	status, body = call(t, "POST", base+"/api/v1/scenarios", ana, huge)
	if want := `{"error":{"code":"invalid","message":"scenario too large for one request: 1,200 periods × 1,000,000 runs × 1 variant × 1 rule is 1,200,000,000 rule evaluations, more than the 40,000,000 allowed here; run it on your own machine with the command line, which has no such limit: revshare scenario FILE.yaml"}}`; status != 400 || strings.TrimSpace(body) != want {
		t.Errorf("huge scenario: %d %s\nwant 400 %s", status, body, want)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("huge scenario refused after %v", d)
	}
	status, body = call(t, "POST", base+"/api/v1/scenarios", ana, "horizon: soon\n")
	if status != 400 || !strings.HasPrefix(body, `{"error":{"code":"invalid","message":"invalid scenario: `) {
		t.Errorf("bad scenario: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Errorf("serve returned %v after cancel", err)
	}
}

// createToken runs `revshare token create --role role` with the extra args
// on the book at path and returns the token it prints.
//
// Token create makes no book (bookCreators): on a missing SQLite book it
// runs migrate first, as an operator who fills a book through the API does.
func createToken(t *testing.T, path, role string, args ...string) string {
	t.Helper()
	if !onServer(path) && fileMissing(path) {
		cli(t, path, "migrate")
	}
	out, _, err := runCLI(t, append([]string{"--db", path, "token", "create", "--role", role}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

func equalLines[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestServeStatementEndToEnd: add the demo contract, import usage, run and
// close over HTTP, then the statement over HTTP is byte for byte the one
// `revshare statement --format json` prints.
func TestServeStatementEndToEnd(t *testing.T) { onBothBackends(t, testServeStatementEndToEnd) }

func testServeStatementEndToEnd(t *testing.T, newDB newDB) {
	path := newDB(t)
	fin := createToken(t, path, "finance")
	aud := createToken(t, path, "auditor")
	base, stop := startServe(t, path)
	defer stop()

	steps := []struct{ path, body string }{
		{"/api/v1/contracts", string(demoContractYAML())},
		{"/api/v1/imports/usage?file=q1.csv", "event_id,occurred_at,seller,channel,product,amount,currency\n" +
			"u1,2026-01-15,openai,direct,api,1000000.00,USD\nu2,2026-02-03T10:00:00Z,openai,azure,chatgpt,250000.50,USD\n" +
			"u3,2026-03-20,microsoft,azure,api,400000.00,USD\nu4,2026-03-21,openai,aws,api,-1000.25,USD\n"},
		{"/api/v1/runs", `{"through":"2026-03"}`},
		{"/api/v1/periods/2026-03/close", ""},
	}
	for _, s := range steps {
		status, body := call(t, "POST", base+s.path, fin, s.body)
		if status/100 != 2 {
			t.Fatalf("POST %s: %d %s", s.path, status, body)
		}
	}
	status, api := call(t, "GET", base+"/api/v1/contracts/openai-microsoft/statements/2026-03", aud, "")
	if status != 200 {
		t.Fatalf("statement: %d %s", status, api)
	}
	cli, _, err := runCLI(t, "--db", path, "statement", "openai-microsoft", "2026-03", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if api != cli {
		t.Errorf("statement over HTTP differs from revshare statement --format json:\nHTTP %s\nCLI  %s", api, cli)
	}
	if !strings.Contains(api, `"status": "final"`) {
		t.Errorf("the closed period's statement is not final: %.300s", api)
	}
}

func demoContractYAML() []byte { return demo.ContractYAML }

// TestServePaymentIntoClosedPeriod: POST /payments dated in a closed period
// says so in the payer's terms, as `revshare pay` does (and so does one under
// a reference already paid); it answered with the
// journal's message, naming the entry's internal key (entry
// "payment/small:W1": effective date 2026-01-20 is in a closed period
// (closed through 2026-01-31)).
func TestServePaymentIntoClosedPeriod(t *testing.T) {
	onBothBackends(t, testServePaymentIntoClosedPeriod)
}

func testServePaymentIntoClosedPeriod(t *testing.T, newDB newDB) {
	path := newDB(t)
	addRunsFixture(t, path)
	cli(t, path, "close", "2026-01")
	fin := createToken(t, path, "finance")
	base, stop := startServe(t, path)
	defer stop()
	body := `{"contract":"small","payer":"openai","payee":"microsoft","amount":"16.00","date":"2026-01-20","reference":"W1"}`
	status, got := call(t, "POST", base+"/api/v1/payments", fin, body)
	want := `{"error":{"code":"invalid","message":"payment date 2026-01-20 is in a closed period (the books are closed through 2026-01-31): date the payment on the day it was made, after 2026-01-31"}}`
	if status != 400 || strings.TrimSpace(got) != want {
		t.Errorf("POST /payments into a closed period: %d %s\nwant 400 %s", status, got, want)
	}

	// A second payment under a paid reference names the first, as `revshare
	// pay` does; it answered with the journal's message (entry
	// "payment/small:W2" conflicts with entry 9 ..., its postings).
	paid := `{"contract":"small","payer":"openai","payee":"microsoft","amount":"5.00","date":"2026-02-13","reference":"W2"}`
	status, got = call(t, "POST", base+"/api/v1/payments", fin, paid)
	var first struct{ Entry int64 }
	if err := json.Unmarshal([]byte(got), &first); status != 201 || err != nil || first.Entry == 0 {
		t.Fatalf("POST /payments: %d %s (%v)", status, got, err)
	}
	status, got = call(t, "POST", base+"/api/v1/payments", fin, strings.Replace(paid, "5.00", "6.00", 1))
	want = fmt.Sprintf(`{"error":{"code":"conflict","message":"payment reference W2 is already entry %d (openai -> microsoft 5.00 USD on 2026-02-13): a different payment needs a reference of its own"}}`, first.Entry)
	if status != 409 || strings.TrimSpace(got) != want {
		t.Errorf("POST /payments under a paid reference: %d %s\nwant 409 %s", status, got, want)
	}
}

// serveRunsFixture serves a new book holding the runs fixture and returns
// its path, the server's address, a finance token and the server's stop.
func serveRunsFixture(t *testing.T, newDB newDB) (path, base, fin string, stop func() error) {
	t.Helper()
	path = newDB(t)
	addRunsFixture(t, path)
	fin = createToken(t, path, "finance")
	base, stop = startServe(t, path)
	return path, base, fin, stop
}

// TestServePaymentRepeatSaysSo: POST /payments answers a new payment 201
// and a repeat of it (same reference, same payment) 200 with
// already_recorded and the first entry, as `revshare pay` says "already
// recorded". Before, both were 201 {"entry": N}: a client retrying after a
// timeout could not tell whether it had paid twice.
func TestServePaymentRepeatSaysSo(t *testing.T) { onBothBackends(t, testServePaymentRepeatSaysSo) }

func testServePaymentRepeatSaysSo(t *testing.T, newDB newDB) {
	path, base, fin, stop := serveRunsFixture(t, newDB)
	defer stop()
	paid := `{"contract":"small","payer":"openai","payee":"microsoft","amount":"5.00","date":"2026-02-13","reference":"W2"}`
	status, got := call(t, "POST", base+"/api/v1/payments", fin, paid)
	var first struct{ Entry int64 }
	if err := json.Unmarshal([]byte(got), &first); status != 201 || err != nil || first.Entry == 0 {
		t.Fatalf("POST /payments: %d %s (%v)", status, got, err)
	}
	if want := fmt.Sprintf("{\n  \"entry\": %d,\n  \"reference\": \"W2\",\n  \"already_recorded\": false\n}", first.Entry); strings.TrimSpace(got) != want {
		t.Errorf("POST /payments: %s, want %s", got, want)
	}
	status, got = call(t, "POST", base+"/api/v1/payments", fin, paid)
	if want := fmt.Sprintf("{\n  \"entry\": %d,\n  \"reference\": \"W2\",\n  \"already_recorded\": true\n}", first.Entry); status != 200 || strings.TrimSpace(got) != want {
		t.Errorf("POST /payments again: %d %s, want 200 %s", status, got, want)
	}
	// Without a reference, the one derived from the payment's content.
	status, got = call(t, "POST", base+"/api/v1/payments", fin, strings.Replace(paid, `,"reference":"W2"`, "", 1))
	if status != 201 || !strings.Contains(got, `"reference": "auto-`) {
		t.Errorf("POST /payments without a reference: %d %s", status, got)
	}
	if got := cli(t, path, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Errorf("verify: %s", got)
	}
}

// TestServeImportFileNameChecked: POST /imports/usage?file= is stored on
// the batch and printed by `import list` and in row errors: a name with an
// escape sequence or a line break, or one of 5000 bytes, is refused and
// nothing is recorded. Before, ?file=%0A%1B[31mevil was stored and
// `import list` wrote the escape sequence to the terminal.
func TestServeImportFileNameChecked(t *testing.T) { onBothBackends(t, testServeImportFileNameChecked) }

func testServeImportFileNameChecked(t *testing.T, newDB newDB) {
	path, base, fin, stop := serveRunsFixture(t, newDB)
	defer stop()
	before := cli(t, path, "import", "list")
	csv := "event_id,occurred_at,seller,channel,amount,currency\nz1,2026-01-10,openai,direct,1.00,USD\n"
	for _, c := range []struct{ file, want string }{
		{"%0A%1B%5B31mevil", `{"error":{"code":"invalid","message":"file name \"\\n\\x1b[31mevil\" has control characters or invalid UTF-8: write it on one line, in UTF-8"}}`},
		{strings.Repeat("b", 5000), `{"error":{"code":"invalid","message":"file name is 5000 bytes long, at most 4096 allowed"}}`},
	} {
		status, got := call(t, "POST", base+"/api/v1/imports/usage?file="+c.file, fin, csv)
		if status != 400 || strings.TrimSpace(got) != c.want {
			t.Errorf("file=%.40s: %d %s, want 400 %s", c.file, status, got, c.want)
		}
	}
	if after := cli(t, path, "import", "list"); after != before {
		t.Errorf("import list changed:\n%s\nwas:\n%s", after, before)
	}
}

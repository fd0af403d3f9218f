package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"

	"github.com/revshare/revshare/reports/httpapi"
)

// TestJSONBodiesStrict: trailing data and duplicate keys are refused
// (spec section 7); before, the first was ignored and the second won.
func TestJSONBodiesStrict(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path, body string
		status     int
		want       string
	}{
		{"/api/v1/runs", `{"through":"2026-03"}`, 200, `{"contracts":[],"through":"2026-03-31"}`},
		{"/api/v1/runs", `{"through":"2026-03"} {"through":"bogus"}`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: data after the JSON value at byte 23"}}`},
		{"/api/v1/runs", `{"through":"2026-03"}x`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: data after the JSON value at byte 21"}}`},
		{"/api/v1/runs", "{\"through\":\"2026-03\"}\n \t", 200, `{"contracts":[],"through":"2026-03-31"}`},
		{"/api/v1/runs", `{"through":"2026-03","through":"2026-04"}`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: key \"through\" given twice"}}`},
		{"/api/v1/runs", `{"through":"2026-03","Through":"2026-04"}`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: key \"Through\" given twice"}}`},
		{"/api/v1/payments", `{"contract":"c","payer":"a","payee":"b","amount":"1.00","amount":"777.00","date":"2026-03-31","reference":"r"}`, 400,
			`{"error":{"code":"invalid","message":"invalid JSON body: key \"amount\" given twice"}}`},
		{"/api/v1/payments", `{"contract":"c","payer":"a","payee":"b","amount":"1.00","date":"2026-03-31","reference":"r"}`, 201, `{"already_recorded":false,"entry":1,"reference":"r"}`},
		{"/api/v1/runs", `{"through":`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: unexpected EOF"}}`},
		// A value of the wrong type names the field and the JSON types, not
		// the server's Go types ("Go struct field PaymentRequest.amount").
		{"/api/v1/payments", `{"contract":"c","payer":"a","payee":"b","amount":1.5,"date":"2026-03-31"}`, 400,
			`{"error":{"code":"invalid","message":"invalid JSON body: amount: want a JSON string (amounts and dates are strings, as in \"1234.50\" and \"2026-03-31\"), got a number"}}`},
		{"/api/v1/runs", `["2026-03"]`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: want a JSON object, got an array"}}`},
		{"/api/v1/runs", `{"through":{"p":1}}`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: through: want a JSON string (amounts and dates are strings, as in \"1234.50\" and \"2026-03-31\"), got an object"}}`},
	} {
		status, body := e.do(t, "POST", tc.path, tc.body, httpapi.Finance)
		if status != tc.status || compact(body) != tc.want {
			t.Errorf("POST %s %s: %d %s\nwant %d %s", tc.path, tc.body, status, compact(body), tc.status, tc.want)
		}
	}
}

// TestErrorsCapEchoedValues: an error message repeats at most the first 64
// characters of a caller's value, with its length, wherever the value came
// from (a query parameter, a path value, a JSON body's field or key); a
// 20 KB value came back 20 KB long.
func TestErrorsCapEchoedValues(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("x", 20000)
	cut := `"` + strings.Repeat("x", 64) + `…\" (20000 bytes)`
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/api/v1/trial-balance?as_of=" + long, "", 400, `{"error":{"code":"invalid","message":"invalid as_of \` + cut + `: want YYYY-MM-DD"}}`},
		{"GET", "/api/v1/entries?account=" + long, "", 400, `{"error":{"code":"invalid","message":"invalid account \` + cut + `: want root:segment[:segment...]"}}`},
		{"GET", "/api/v1/contracts/c/statements/" + long, "", 400, `{"error":{"code":"invalid","message":"invalid period \` + cut + `: want YYYY-MM, YYYY-Qn or YYYY"}}`},
		{"GET", "/api/v1/contracts/" + long, "", 404, `{"error":{"code":"not_found","message":"contract \` + cut + ` not found (the book holds 1 contract: openai-microsoft)"}}`},
		// An unquoted value: the path.
		{"GET", "/api/v1/imports/" + long, "", 404, `{"error":{"code":"not_found","message":"no such path: /api/v1/imports/` + strings.Repeat("x", 48) + `… (20016 bytes)"}}`},
		{"POST", "/api/v1/runs", `{"through":"` + long + `"}`, 400, `{"error":{"code":"invalid","message":"through: invalid period \` + cut + `: want YYYY-MM, YYYY-Qn or YYYY"}}`},
		{"POST", "/api/v1/payments", `{"` + long + `":"c"}`, 400, `{"error":{"code":"invalid","message":"invalid JSON body: json: unknown field \` + cut + `"}}`},
		// Short values are repeated whole.
		{"GET", "/api/v1/trial-balance?as_of=" + strings.Repeat("y", 64), "", 400, `{"error":{"code":"invalid","message":"invalid as_of \"` + strings.Repeat("y", 64) + `\": want YYYY-MM-DD"}}`},
	} {
		status, body := e.do(t, tc.method, tc.path, tc.body, httpapi.Admin)
		if status != tc.status || compact(body) != tc.want {
			t.Errorf("%s %.60s: %d %.300s\nwant %d %s", tc.method, tc.path, status, compact(body), tc.status, tc.want)
		}
	}
}

// TestLoginNextStaysOnSite: the post-login redirect refuses whatever a
// browser could resolve to another site.
func TestLoginNextStaysOnSite(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ next, location string }{
		{"/web/entries/1", "/web/entries/1"},
		{"/web/events?seller=openai&x=%2F", "/web/events?seller=openai&x=%2F"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"/ /x", "/ /x"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"/\u0085/evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/\\evil.example", "/"},
		{"//evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/web/login?next=//evil.example", "/"},
	} {
		form := url.Values{"token": {e.tokens[httpapi.Auditor]}, "next": {tc.next}}
		req := httptest.NewRequest("POST", "/web/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != 303 || rec.Header().Get("Location") != tc.location {
			t.Errorf("next %q: %d location %q, want %q", tc.next, rec.Code, rec.Header().Get("Location"), tc.location)
		}
		// The login form carries the same next.
		status, _, body := e.get(t, "/web/login?next="+url.QueryEscape(tc.next), "")
		if status != 200 || !strings.Contains(body, `name="next" value="`) {
			t.Errorf("GET login next %q: %d", tc.next, status)
		}
	}
}

// TestTransportRepliesAreJSON: an over-long header and an unclean path get
// JSON errors like every other reply (they were net/http's and
// gorilla/mux's plain replies).
func TestTransportRepliesAreJSON(t *testing.T) {
	e := newEnv(t)
	req := httptest.NewRequest("GET", "/api/v1/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[httpapi.Auditor])
	req.Header.Set("X-Big", strings.Repeat("a", httpapi.MaxHeaderBytes))
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestHeaderFieldsTooLarge || rec.Header().Get("Content-Type") != "application/json" ||
		compact(rec.Body.String()) != `{"error":{"code":"header_too_large","message":"request header of 65646 bytes is over the limit of 65536 bytes"}}` {
		t.Errorf("big header: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	for _, tc := range []struct{ path, location, msg string }{
		{"/api/v1//accounts?limit=1", "/api/v1/accounts?limit=1", "/api/v1//accounts is not a clean path: use /api/v1/accounts"},
		{"/api/v1/x/../accounts", "/api/v1/accounts", "/api/v1/x/../accounts is not a clean path: use /api/v1/accounts"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.RequestURI = strings.SplitN(tc.path, "?", 2)[0], tc.path
		req.URL.RawQuery = strings.TrimPrefix(tc.path[len(req.URL.Path):], "?")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != 301 || rec.Header().Get("Location") != tc.location || rec.Header().Get("Content-Type") != "application/json" ||
			compact(rec.Body.String()) != `{"error":{"code":"moved","message":"`+tc.msg+`"}}` {
			t.Errorf("%s: %d %q %s", tc.path, rec.Code, rec.Header().Get("Location"), rec.Body.String())
		}
	}
}

// TestCSVDownloadsNeutralizeFormulas: customer data that a spreadsheet
// would run comes out of every CSV download with a leading apostrophe.
func TestCSVDownloadsNeutralizeFormulas(t *testing.T) {
	e := newEnv(t)
	const data = "event_id,occurred_at,seller,channel,customer,product,amount,currency\n" +
		"x-1,2026-03-06,openai,direct,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",+cmd|calc,-5.00,USD\n" +
		"x-2,2026-03-06,openai,direct,@SUM(A1:A2),-p,7.00,USD\n"
	if _, err := e.rw.ImportUsage(context.Background(), strings.NewReader(data), usage.ImportOptions{Source: "crm", FileName: "evil.csv"}); err != nil {
		t.Fatal(err)
	}
	status, _, body := e.get(t, "/api/v1/events?source=crm&format=csv", httpapi.Auditor)
	want := "id,source,event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency,batch,entry,late\n" +
		"4,crm,x-1,2026-03-06,openai,direct,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",'+cmd|calc,,,,-5.00,USD,2,4,false\n" +
		"5,crm,x-2,2026-03-06,openai,direct,'@SUM(A1:A2),'-p,,,,7.00,USD,2,4,false\n"
	if status != 200 || body != want {
		t.Errorf("events CSV: %d\n%s\nwant\n%s", status, body, want)
	}
}

// TestBusyDatabaseIs503: a write while another process holds the database
// answers 503 with Retry-After and says what holds it; before, the
// driver's "database is locked" was a 500.
func TestBusyDatabaseIs503(t *testing.T) {
	e := newEnv(t)
	other, err := sqlite.Open(context.Background(), e.path, storetest.NewClock(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		ctx := other.WithActivity(context.Background(), "import", "batch 12 (big.csv)")
		done <- other.WithTx(ctx, func(tx *sqlite.Tx) error { close(held); <-release; return nil })
	}()
	<-held
	e.rw.SetLockTimeout(600*time.Millisecond, nil)
	req := httptest.NewRequest("POST", "/api/v1/imports/usage?source=x", strings.NewReader("event_id,occurred_at,seller,channel,amount,currency\nb-1,2026-03-01,openai,direct,1.00,USD\n"))
	req.Header.Set("Authorization", "Bearer "+e.tokens[httpapi.Finance])
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantMsg := fmt.Sprintf(`the database is busy: another import is running: batch 12 (big.csv), started 2026-04-02 10:00:00 UTC (pid %d) (gave up after waiting 1s)`, os.Getpid())
	var body struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "5" || body.Error.Code != "unavailable" || body.Error.Message != wantMsg {
		t.Errorf("busy import: %d Retry-After %q %s\nwant 503, 5, %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String(), wantMsg)
	}
}

// TestContentTypeRefused: a body sent with a Content-Type its route does not
// take is a 415 with the API's JSON error, and nothing is written (a JSON
// body sent as text/plain was read as JSON, a CSV as JSON imported). A
// Content-Type with parameters, and none at all, are read as the route's.
func TestContentTypeRefused(t *testing.T) {
	e := newEnv(t)
	csv := "event_id,occurred_at,seller,channel,amount,currency\nct1,2026-03-02,openai,direct,10.00,USD\n"
	post := func(path, ctype, body string, role httpapi.Role) (int, string) {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code == 415 && rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("POST %s as %s: 415 as %s", path, ctype, rec.Header().Get("Content-Type"))
		}
		return rec.Code, compact(rec.Body.String())
	}
	before := fileBytes(t, e.path)
	for _, tc := range []struct{ path, ctype, body, want string }{
		{"/api/v1/payments", "text/plain", `{"contract":"c","payer":"a","payee":"b","amount":"1.00","date":"2026-03-31","reference":"r"}`,
			`{"error":{"code":"unsupported_media_type","message":"Content-Type \"text/plain\" is not accepted here: send the body as application/json"}}`},
		{"/api/v1/runs", "application/x-www-form-urlencoded", `{"through":"2026-03"}`,
			`{"error":{"code":"unsupported_media_type","message":"Content-Type \"application/x-www-form-urlencoded\" is not accepted here: send the body as application/json"}}`},
		{"/api/v1/tokens", "text/plain; charset=utf-8", `{"name":"x","role":"auditor"}`,
			`{"error":{"code":"unsupported_media_type","message":"Content-Type \"text/plain; charset=utf-8\" is not accepted here: send the body as application/json"}}`},
		{"/api/v1/imports/usage?file=a.csv", "application/json", csv,
			`{"error":{"code":"unsupported_media_type","message":"Content-Type \"application/json\" is not accepted here: send the body as text/csv"}}`},
		{"/api/v1/contracts", "text/plain", demoContract,
			`{"error":{"code":"unsupported_media_type","message":"Content-Type \"text/plain\" is not accepted here: send the body as application/yaml or application/json or application/x-yaml or text/yaml or text/x-yaml"}}`},
		{"/api/v1/scenarios", "multipart/form-data; boundary=x", "contract: openai-microsoft\n",
			`{"error":{"code":"unsupported_media_type","message":"Content-Type \"multipart/form-data; boundary=x\" is not accepted here: send the body as application/yaml or application/json or application/x-yaml or text/yaml or text/x-yaml"}}`},
		{"/api/v1/runs", "not a type", `{"through":"2026-03"}`,
			`{"error":{"code":"unsupported_media_type","message":"Content-Type \"not a type\" is not accepted here: send the body as application/json"}}`},
	} {
		status, body := post(tc.path, tc.ctype, tc.body, httpapi.Admin)
		if status != 415 || body != tc.want {
			t.Errorf("POST %s as %q: %d %s\nwant 415 %s", tc.path, tc.ctype, status, body, tc.want)
		}
	}
	// A write's parameter given twice is refused before anything is read
	// or written: which source would the events be under?
	if status, body := post("/api/v1/imports/usage?file=a.csv&source=crm&source=billing", "text/csv", csv, httpapi.Admin); status != 400 ||
		body != `{"error":{"code":"invalid","message":"query parameter \"source\" given 2 times (\"crm\", \"billing\"): give it once"}}` {
		t.Errorf("import with two sources: %d %s", status, body)
	}
	if fileBytes(t, e.path) != before {
		t.Fatal("a refused request changed the database")
	}
	// Before the type: who is asking (an auditor's write is a 403).
	if status, _ := post("/api/v1/runs", "text/plain", `{"through":"2026-03"}`, httpapi.Auditor); status != 403 {
		t.Errorf("auditor: %d, want 403", status)
	}
	for _, ctype := range []string{"application/json; charset=utf-8", "APPLICATION/JSON", ""} {
		if status, body := post("/api/v1/runs", ctype, `{"through":"2026-03"}`, httpapi.Finance); status != 200 {
			t.Errorf("runs as %q: %d %s, want 200", ctype, status, body)
		}
	}
	if status, body := post("/api/v1/imports/usage?file=a.csv", "text/csv; charset=utf-8", csv, httpapi.Finance); status != 200 {
		t.Errorf("import as text/csv: %d %s", status, body)
	}
}

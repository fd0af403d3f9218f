package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/reports"
	"github.com/revshare/revshare/reports/httpapi"
)

func TestWebLogin(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, token, next string
		status            int
		location, cookie  string
	}{
		{"good token", e.tokens[httpapi.Auditor], "/web/entries/1", 303, "/web/entries/1", "revshare_token=" + e.tokens[httpapi.Auditor] + "; Path=/; HttpOnly; SameSite=Strict"},
		{"no next", e.tokens[httpapi.Analyst], "", 303, "/", "revshare_token="},
		{"offsite next", e.tokens[httpapi.Auditor], "//evil.example/x", 303, "/", "revshare_token="},
		{"absolute next", e.tokens[httpapi.Auditor], "https://evil.example/x", 303, "/", "revshare_token="},
		{"bad token", "rs_nope", "/web/entries/1", 401, "", ""},
		{"empty token", "", "", 401, "", ""},
	} {
		form := url.Values{"token": {tc.token}, "next": {tc.next}}
		req := httptest.NewRequest("POST", "/web/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != tc.status || rec.Header().Get("Location") != tc.location || !strings.HasPrefix(rec.Header().Get("Set-Cookie"), tc.cookie) ||
			(tc.cookie == "") != (rec.Header().Get("Set-Cookie") == "") {
			t.Errorf("%s: %d location %q cookie %q", tc.name, rec.Code, rec.Header().Get("Location"), rec.Header().Get("Set-Cookie"))
		}
	}
	// A page without the cookie goes to the login form, which comes back.
	req := httptest.NewRequest("GET", "/web/events/2?x=1", nil)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != 303 || rec.Header().Get("Location") != "/web/login?next=%2Fweb%2Fevents%2F2%3Fx%3D1" {
		t.Errorf("no cookie: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// With the cookie, the page; the cookie is not a bearer token for the API.
	req = httptest.NewRequest("GET", "/web/events/2", nil)
	req.AddCookie(&http.Cookie{Name: "revshare_token", Value: e.tokens[httpapi.Auditor]})
	rec = httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<td class="num" id="amount">400.25 USD</td>`) {
		t.Errorf("event page: %d %.300s", rec.Code, rec.Body.String())
	}
	req = httptest.NewRequest("GET", "/api/v1/events/2", nil)
	req.AddCookie(&http.Cookie{Name: "revshare_token", Value: e.tokens[httpapi.Auditor]})
	rec = httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("API with the web cookie: %d, want 401", rec.Code)
	}
}

// webGet reads a web page with the auditor's cookie.
func webGet(t *testing.T, e *env, path string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: "revshare_token", Value: e.tokens[httpapi.Auditor]})
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.String()
}

// mustContain fails for each fragment the page lacks.
func mustContain(t *testing.T, path, body string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(body, f) {
			t.Errorf("%s lacks\n%s", path, f)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", path, body)
	}
}

// TestWebPages checks what each page of the web view shows, with the
// seeded ledger (entries 1-3, events 1-3) and the fake contract backends
// (statements 2026-02 final, 2026-03 draft; caps).
func TestWebPages(t *testing.T) {
	e := newEnv(t)
	nav := `<nav class="main" aria-label="Sections"><ul>
<li><a href="/">Dashboard</a></li>
<li><a href="/web/contracts" aria-current="page">Contracts</a></li>`
	for _, tc := range []struct {
		path      string
		fragments []string
	}{
		{"/", []string{
			`<li><a href="/" aria-current="page">Dashboard</a></li>`,
			`<p class="ok">✓ every invariant holds</p>
<p>3 entries · chain head <code>c5e299640a7bf01968dc8b4f60b0a9d1add0616d0f6d6732fcc6b5971892cdc4</code></p>
<p>fact chain head <code>facts:`,
			`<p class="big">nothing closed yet</p>`,
			`<p><a href="/web/imports/1">march.csv</a> (default) · 2026-04-02 10:00 UTC</p>
<p>3 rows: 3 posted, 0 duplicates, 0 rejected, 0 late · complete</p>`,
			`<tbody><tr><td><a href="/web/contracts/openai-microsoft/statements/2026-02">2026-02</a></td><td>final</td><td>openai → microsoft</td><td class="num">0.00</td></tr>
<tr><td><a href="/web/contracts/openai-microsoft/statements/2026-03">2026-03</a></td><td>draft</td><td>openai → microsoft</td><td class="num">200.10</td></tr>`,
			`<tr><td>openai-share-to-microsoft · total</td><td class="num">38,000,000,000.00</td><td class="num">200.10</td><td class="num">37,999,999,799.90</td><td class="num"><meter min="0" max="100" value="0.0">0.0%</meter> 0.0%</td><td>never</td></tr>`,
		}},
		{"/web/contracts/openai-microsoft", []string{nav,
			`<li aria-current="page">OpenAI / Microsoft revenue share (restructured)</li>`,
			// The rule as written: 0.20, through 2030-12-31.
			`<td class="num">0.20</td><td>from 2025-01-01 through 2030-12-31</td><td>total 38,000,000,000.00 </td>`,
			`<tbody><tr><td><a href="/web/contracts/openai-microsoft/statements/2026-03">2026-03</a></td><td>draft</td><td>— (a draft has none yet)</td></tr>
<tr><td><a href="/web/contracts/openai-microsoft/statements/2026-02">2026-02</a></td><td>final</td><td><code>d0783e05222a5133706f2d4e1e00206a8b84f1c0d39b678daee5545f4e1a267a</code></td></tr>`,
		}},
		{"/web/contracts/openai-microsoft/statements/2026-03", []string{nav,
			`<li><a href="/web/contracts/openai-microsoft">openai-microsoft</a></li>
<li aria-current="page">OpenAI / Microsoft — 2026-03 (draft)</li>`,
			`<span><a href="/web/contracts/openai-microsoft/statements/2026-02" rel="prev">← 2026-02</a></span>
<span><span>latest period →</span></span>`,
			`Download: <a href="/web/contracts/openai-microsoft/statements/2026-03?format=csv">CSV</a> · <a href="/web/contracts/openai-microsoft/statements/2026-03?format=json">JSON</a> · <a href="/web/contracts/openai-microsoft/statements/2026-03?format=md">Markdown</a> · <a href="/web/contracts/openai-microsoft/statements/2026-03?format=html">Print</a>`,
			`<tr><th>base (2 events)</th><td class="num">1,000.50</td></tr>`,
			`<p class="drill">Entries: <a href="/web/entries/3">3</a> 
· Events: <a href="/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft">2 events</a></p>`,
		}},
		{"/web/contracts/openai-microsoft/statements/2026-02", []string{
			`<span><span>← first period</span></span>
<span><a href="/web/contracts/openai-microsoft/statements/2026-03" rel="next">2026-03 →</a></span>`,
			`<p><span class="status">final</span> This period is closed: the statement is stored and never changes.</p>`,
		}},
		// An accrual entry leads back to its statement and to the events
		// of its rule in its period.
		{"/web/entries/3", []string{
			`<li><a href="/web/contracts/openai-microsoft/statements/2026-03">2026-03</a></li>
<li aria-current="page">Entry 3 (2026-03-31)</li>`,
			`<a href="/web/contracts/openai-microsoft/statements/2026-03">← Statement openai-microsoft 2026-03</a>
<a href="/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft">Events of openai-share-to-microsoft in 2026-03</a>`,
			`<p id="no-events">This entry is computed from a statement line, not posted from events: the usage behind it is the <a href="/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft">events of rule openai-share-to-microsoft in 2026-03</a>, and it is booked in the <a href="/web/contracts/openai-microsoft/statements/2026-03">statement of 2026-03</a>.</p>`,
			`<td class="num">-200.10</td>`,
		}},
		// A line's events: their total ties to the line's base.
		{"/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft", []string{
			`<a href="/web/contracts/openai-microsoft/statements/2026-03#rule-openai-share-to-microsoft">← Back to the statement</a>`,
			`<a href="/web/contracts/openai-microsoft/statements/2026-03/events?format=csv&amp;rule=openai-share-to-microsoft">Download all 2 as CSV</a>`,
			`<tr><th>line's base (USD)</th><td class="num" id="line-base">1,000.50</td></tr>
<tr><th>total of the events (USD)</th><td class="num" id="events-total-USD">1,000.50</td></tr>
<tr><th>ties</th><td id="ties"><span class="ok">✓ the events total the line's base</span></td></tr>`,
			`<p>Events 1 to 2 of 2:</p>`,
		}},
		{"/web/trial-balance?as_of=2026-03-06", []string{
			`<a href="/web/trial-balance?as_of=2026-03-06&amp;format=csv">Download CSV</a>`,
			`<tfoot><tr><th colspan="2">total</th><th>USD</th><th class="num">1,000.50</th><th class="num">1,000.50</th></tr></tfoot>`,
		}},
	} {
		status, h, body := webGet(t, e, tc.path)
		if status != 200 || h.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: %d %s", tc.path, status, h.Get("Content-Type"))
		}
		mustContain(t, tc.path, body, tc.fragments...)
	}
}

// TestWebDownloads: the web view's download links work with its cookie
// (the API refuses the cookie) and carry a file name.
func TestWebDownloads(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path, ctype, name, start string
	}{
		{"/web/trial-balance?as_of=2026-03-06&format=csv", "text/csv; charset=utf-8", "trial-balance-as_of-2026-03-06.csv",
			"account,type,currency,debit,credit,balance\nassets:receivable:openai:direct,asset,USD,1000.50,0.00,1000.50\nincome:revenue:openai:direct,income,USD,0.00,1000.50,-1000.50\ntotal,,USD,1000.50,1000.50,0.00\n"},
		{"/web/contracts/openai-microsoft/statements/2026-03?format=csv", "text/csv; charset=utf-8", "contracts-openai-microsoft-statements-2026-03.csv",
			"contract,period,status,section,rule,item,value\nopenai-microsoft,2026-03,draft,rule,openai-share-to-microsoft,payer,openai\n"},
		{"/web/contracts/openai-microsoft/statements/2026-03?format=json", "application/json", "contracts-openai-microsoft-statements-2026-03.json", "{\n  \"contract\": \"openai-microsoft\","},
		{"/web/contracts/openai-microsoft/statements/2026-03?format=md", "text/markdown; charset=utf-8", "contracts-openai-microsoft-statements-2026-03.md", "# OpenAI / Microsoft — 2026-03 (draft)\n"},
		{"/web/contracts/openai-microsoft/statements/2026-03?format=html", "text/html; charset=utf-8", "", "<!doctype html>"},
		{"/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft&format=csv", "text/csv; charset=utf-8",
			"contracts-openai-microsoft-statements-2026-03-events-rule-openai-share-to-microsoft.csv",
			"id,source,event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency,batch,entry,late\n" +
				"1,default,ev-1,2026-03-05T12:00:00Z,openai,direct,,gpt,,,,600.25,USD,1,1,false\n2,default,ev-2,2026-03-05,openai,direct,,gpt,,,,400.25,USD,1,1,false\n"},
		{"/web/events?batch=1&format=csv", "text/csv; charset=utf-8", "events-batch-1.csv", "id,source,event_id,"},
	} {
		status, h, body := webGet(t, e, tc.path)
		cd := ""
		if tc.name != "" {
			cd = `attachment; filename="` + tc.name + `"`
		}
		if status != 200 || h.Get("Content-Type") != tc.ctype || h.Get("Content-Disposition") != cd || !strings.HasPrefix(body, tc.start) {
			t.Errorf("%s: %d %q %q\n%s\nwant %q %q, starting\n%s", tc.path, status, h.Get("Content-Type"), h.Get("Content-Disposition"), body, tc.ctype, cd, tc.start)
		}
	}
	status, _, body := webGet(t, e, "/web/contracts/openai-microsoft/statements/2026-03?format=pdf")
	mustContain(t, "format=pdf", body, `invalid: unknown format &#34;pdf&#34; (want one of csv, json, md, html)`)
	if status != 400 {
		t.Errorf("format=pdf: %d, want 400", status)
	}
}

// TestWebAdjustmentEntry: a prior-period adjustment says which period it
// adjusts and links to what that period's statement counted and to the
// statement it is booked in.
func TestWebAdjustmentEntry(t *testing.T) {
	e := newEnv(t)
	_, err := e.rw.Post(context.Background(), []ledger.Entry{{Key: ledger.Key{Source: "run", ExternalID: "openai-microsoft:openai-share-to-microsoft:2026-02:2"},
		Date: ledger.Date{Year: 2026, Month: 3, Day: 1}, Description: "prior-period adjustment",
		Meta: map[string]string{"contract": "openai-microsoft", "rule": "openai-share-to-microsoft", "period": "2026-02", "booked_in": "2026-03", "kind": "adjustment", "base_delta": "1000000"},
		Postings: []ledger.Posting{
			{Account: ledger.ShareExpenseAccount("openai", "microsoft", "openai-microsoft"), Amount: usd("200000.00"), Currency: "USD"},
			{Account: ledger.SharePayableAccount("openai", "microsoft", "openai-microsoft"), Amount: usd("-200000.00"), Currency: "USD"}}}})
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := webGet(t, e, "/web/entries/4")
	if status != 200 {
		t.Fatalf("entry 4: %d", status)
	}
	mustContain(t, "/web/entries/4", body,
		`<a href="/web/contracts/openai-microsoft/statements/2026-03">← Statement openai-microsoft 2026-03</a>
<a href="/web/contracts/openai-microsoft/statements/2026-02/events?rule=openai-share-to-microsoft">Events of openai-share-to-microsoft in 2026-02</a>`,
		`<p id="no-events">This entry adjusts 2026-02 after it was booked (base changed by 1,000,000): usage imported later (late events, flagged late on their import) or corrected. The events the statement of 2026-02 counted are the <a href="/web/contracts/openai-microsoft/statements/2026-02/events?rule=openai-share-to-microsoft">events of rule openai-share-to-microsoft in 2026-02</a>; the adjustment is listed in the <a href="/web/contracts/openai-microsoft/statements/2026-03">statement of 2026-03</a>.</p>`)
}

// TestWebNotFound: an unknown address outside the API is an HTML page with
// a way back; under /api/v1 it stays JSON.
func TestWebNotFound(t *testing.T) {
	e := newEnv(t)
	status, h, body := webGet(t, e, "/web/nothing")
	if status != 404 || h.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("/web/nothing: %d %s", status, h.Get("Content-Type"))
	}
	mustContain(t, "/web/nothing", body, `<p class="error">not_found: no such path: /web/nothing</p>
<p><a href="/">Back to the dashboard</a></p>`)
	status, h, body = webGet(t, e, "/api/v1/nothing")
	if status != 404 || h.Get("Content-Type") != "application/json" || strings.TrimSpace(body) != `{"error":{"code":"not_found","message":"no such path: /api/v1/nothing"}}` {
		t.Errorf("/api/v1/nothing: %d %s %s", status, h.Get("Content-Type"), body)
	}
}

// TestWebDownloadFormats: each web page takes only its download formats.
func TestWebDownloadFormats(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/web/trial-balance?format=json": `invalid: unknown format &#34;json&#34; (want one of csv)`,
		"/web/events?format=json":        `invalid: unknown format &#34;json&#34; (want one of csv)`,
		"/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft&format=md": `invalid: unknown format &#34;md&#34; (want one of csv)`,
		"/web/entries?format=csv": `invalid: unknown query parameter &#34;format&#34;`,
	} {
		status, _, body := webGet(t, e, path)
		if status != 400 {
			t.Errorf("%s: %d, want 400", path, status)
		}
		mustContain(t, path, body, want)
	}
}

// TestWebEventsFilterForm: the events page's form carries every filter,
// and an empty field filters nothing (as the form submits them all).
func TestWebEventsFilterForm(t *testing.T) {
	e := newEnv(t)
	status, _, body := webGet(t, e, "/web/events?source=&seller=microsoft&channel=&customer=&product=&region=&currency=&from=2026-03-01&to=&batch=&entry=")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	mustContain(t, "events form", body,
		`<label>seller<br><input name="seller" value="microsoft"></label>`,
		`<label>from<br><input name="from" value="2026-03-01" type="date"></label>`,
		`<tbody><tr><td><a href="/web/events/3">3</a></td><td>default/ev-3</td>`)
	if strings.Contains(body, `<a href="/web/events/1">`) {
		t.Errorf("seller=microsoft lists event 1 (openai)")
	}
}

// tieStatements is one statement with one line over events 1 and 2.
type tieStatements struct{ base string }

func (tieStatements) StatementPeriods(ctx context.Context, id string) ([]reports.StatementSummary, error) {
	return []reports.StatementSummary{{Period: "2026-03", Status: "draft"}}, nil
}

func (f tieStatements) Statement(ctx context.Context, id string, p ledger.Period) (*reports.Statement, error) {
	return &reports.Statement{Contract: id, Status: "draft", Currency: "USD", Period: reports.PeriodInfo{Label: p.Label()},
		Rules: []reports.RuleLine{{Rule: "r", Base: f.base, Events: 2, EventIDs: []int64{1, 2}}}}, nil
}

// twoEvents are events 1 (USD 10.00) and 2 (in currency).
type twoEvents struct {
	ledger.EventStore
	currency string
}

func (f twoEvents) EventsByID(ctx context.Context, ids []int64) ([]ledger.Event, error) {
	all := map[int64]ledger.Event{1: {ID: 1, Amount: usd("10.00"), Currency: "USD"}, 2: {ID: 2, Amount: usd("5.50"), Currency: f.currency}}
	out := make([]ledger.Event, len(ids))
	for i, id := range ids {
		out[i] = all[id]
	}
	return out, nil
}

// TestWebLineEventsTie: a line's events page ties its events to the base
// only when they are all in the contract's currency.
func TestWebLineEventsTie(t *testing.T) {
	for _, tc := range []struct{ base, currency, want string }{
		{"15.50", "USD", `<td id="ties"><span class="ok">✓ the events total the line's base</span></td>`},
		{"15.51", "USD", `<td id="ties"><span class="bad">✗ the events do not total the line's base</span></td>`},
		{"16.05", "EUR", `<td id="ties">not compared: events in EUR count in the base converted to USD at the contract's FX rates</td>`},
	} {
		cfg := httpapi.NewTestConfig(tempdb.Open(t, nil))
		cfg.Read.Statements, cfg.Read.Events, cfg.Read.Tokens = tieStatements{tc.base}, twoEvents{currency: tc.currency}, httpapi.TokensAs{Role: httpapi.Auditor}
		srv := httpapi.New(cfg)
		req := httptest.NewRequest("GET", "/web/contracts/c/statements/2026-03/events?rule=r", nil)
		req.AddCookie(&http.Cookie{Name: "revshare_token", Value: "x"})
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s %s: %d %s", tc.base, tc.currency, rec.Code, rec.Body.String())
		}
		mustContain(t, tc.base+" "+tc.currency, rec.Body.String(), tc.want)
	}
}

// bidiSeller is a seller name stored with a right-to-left override (by a
// book from before import refused it, or a hand edit): it shows as
// "microsoft" unless the override is escaped.
const bidiSeller = "micro\u202etfos"

// bidiEvents is one event, 1, of bidiSeller.
type bidiEvents struct{ ledger.EventStore }

func (bidiEvents) Event(ctx context.Context, id int64) (ledger.Event, error) {
	return ledger.Event{ID: 1, Source: "default", EventID: "e\u2066-1", Seller: bidiSeller, Channel: "api", Amount: usd("10.00"), Currency: "USD",
		Meta: map[string]string{"note": "a\u202bb"}}, nil
}

func (f bidiEvents) Events(ctx context.Context, _ ledger.EventFilter) ([]ledger.Event, error) {
	e, err := f.Event(ctx, 1)
	return []ledger.Event{e}, err
}

func (f bidiEvents) EventsByID(ctx context.Context, ids []int64) ([]ledger.Event, error) {
	return f.Events(ctx, ledger.EventFilter{})
}

// bidiStatements is tieStatements' statement with a payer stored with a
// left-to-right override.
type bidiStatements struct{ tieStatements }

func (f bidiStatements) Statement(ctx context.Context, id string, p ledger.Period) (*reports.Statement, error) {
	s, err := f.tieStatements.Statement(ctx, id, p)
	s.Rules[0].Payer, s.Rules[0].EventIDs, s.Rules[0].Events, s.Rules[0].Base = "open\u202dia", []int64{1}, 1, "10.00"
	return s, err
}

// TestWebEscapesStoredBidiControls: the web view shows a stored
// bidirectional control escaped (`\u202e`), as the command line's tables
// do, on every page that shows the text: HTML escaping leaves it alone,
// and a seller stored as "micro" U+202E "tfos" read as "microsoft".
func TestWebEscapesStoredBidiControls(t *testing.T) {
	cfg := httpapi.NewTestConfig(tempdb.Open(t, nil))
	cfg.Read.Statements, cfg.Read.Events, cfg.Read.Tokens = bidiStatements{tieStatements{"10.00"}}, bidiEvents{}, httpapi.TokensAs{Role: httpapi.Auditor}
	srv := httpapi.New(cfg)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/web/events", []string{`<td>default/e\u2066-1</td>`, `<td>micro\u202etfos</td>`}},
		{"/web/events/1", []string{`<tr><th>source / event id</th><td>default / e\u2066-1</td></tr>`, `<tr><th>seller</th><td>micro\u202etfos</td></tr>`,
			`<tr><th>note</th><td>a\u202bb</td></tr>`}},
		{"/web/contracts/c/statements/2026-03", []string{`(open\u202dia → `}},
		{"/web/contracts/c/statements/2026-03/events?rule=r", []string{`<td>micro\u202etfos</td>`}},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.AddCookie(&http.Cookie{Name: "revshare_token", Value: "x"})
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", tc.path, rec.Code, body)
		}
		mustContain(t, tc.path, body, tc.want...)
		if _, ok := ledger.BidiControl(body); ok {
			t.Errorf("%s shows a bidirectional control as it is stored", tc.path)
		}
	}
	// JSON is data: the API gives the name as stored.
	req := httptest.NewRequest("GET", "/api/v1/events/1", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if want := `"seller": "micro` + "\u202e" + `tfos"`; rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("API event: %d %s, want %s", rec.Code, rec.Body.String(), want)
	}
}

package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
	"github.com/revshare/revshare/reports/httpapi"
)

// crmCSV adds events 4 to 6, with customers and regions, to the env's.
const crmCSV = `event_id,occurred_at,seller,channel,customer,product,region,amount,currency
c-4,2026-03-10,openai,direct,acme,gpt,eu,10.00,EUR
c-5,2026-03-11T09:30:00Z,openai,direct,globex,gpt,us,20.00,USD
c-6,2026-03-12,openai,direct,acme,dalle,us,30.00,USD
`

func importCRM(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.rw.ImportUsage(context.Background(), strings.NewReader(crmCSV), usage.ImportOptions{Source: "crm", FileName: "crm.csv"}); err != nil {
		t.Fatal(err)
	}
}

func TestEventsFilterByCustomerProductRegionCurrency(t *testing.T) {
	e := newEnv(t)
	importCRM(t, e)
	// The exact JSON of one filtered query.
	status, _, body := e.get(t, "/api/v1/events?customer=acme&currency=USD", httpapi.Auditor)
	want := `{
  "items": [
    {
      "id": 6,
      "source": "crm",
      "event_id": "c-6",
      "occurred_at": "2026-03-12",
      "seller": "openai",
      "channel": "direct",
      "customer": "acme",
      "product": "dalle",
      "region": "us",
      "amount": "30.00",
      "currency": "USD",
      "meta": {},
      "batch_id": 2,
      "entry_id": 6,
      "late": false
    }
  ],
  "next_cursor": ""
}
`
	if status != 200 || body != want {
		t.Errorf("customer=acme&currency=USD: %d\n%s\nwant\n%s", status, body, want)
	}
	for _, tc := range []struct{ query, want string }{
		{"customer=acme", "4 6"},
		{"customer=globex", "5"},
		{"customer=nobody", ""},
		{"product=gpt", "1 2 4 5"},
		{"product=gpt&region=us", "5"},
		{"region=eu", "4"},
		{"region=us&product=dalle", "6"},
		{"currency=EUR", "4"},
		{"currency=USD&seller=openai", "1 2 5 6"},
		{"currency=USD&channel=azure", "3"},
		{"customer=acme&product=gpt&region=eu&currency=EUR", "4"},
		{"customer=acme&product=gpt&region=eu&currency=USD", ""},
		{"customer=acme&from=2026-03-11", "6"},
		{"product=gpt&source=default", "1 2"},
	} {
		ids, err := e.eventIDs(t, "/api/v1/events?"+tc.query)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		if ids != tc.want {
			t.Errorf("events?%s = %q, want %q", tc.query, ids, tc.want)
		}
	}
	// Pages stay full when the filter skips events.
	status, _, body = e.get(t, "/api/v1/events?product=gpt&limit=3", httpapi.Auditor)
	var page struct {
		Items      []struct{ ID int64 }
		NextCursor string `json:"next_cursor"`
	}
	mustJSON(t, body, &page)
	if status != 200 || len(page.Items) != 3 || page.Items[2].ID != 4 || page.NextCursor == "" {
		t.Fatalf("product=gpt&limit=3: %d %s", status, body)
	}
	if ids, _ := e.eventIDs(t, "/api/v1/events?product=gpt&limit=3&cursor="+page.NextCursor); ids != "5" {
		t.Errorf("second page of product=gpt: %q, want 5", ids)
	}
	// CSV.
	status, h, body := e.get(t, "/api/v1/events?region=us&format=csv", httpapi.Auditor)
	wantCSV := "id,source,event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency,batch,entry,late\n" +
		"5,crm,c-5,2026-03-11T09:30:00Z,openai,direct,globex,gpt,us,,,20.00,USD,2,5,false\n" +
		"6,crm,c-6,2026-03-12,openai,direct,acme,dalle,us,,,30.00,USD,2,6,false\n"
	if status != 200 || body != wantCSV || h.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("region=us csv: %d %q\n%s\nwant\n%s", status, h.Get("Content-Type"), body, wantCSV)
	}
	// The web view's list takes the same filters.
	status, _, body = e.get(t, "/web/events?customer=globex", httpapi.Auditor)
	if status != 200 || !strings.Contains(body, `<a href="/web/events/5">5</a>`) || strings.Contains(body, `<a href="/web/events/4">`) {
		t.Errorf("web events?customer=globex: %d %s", status, body)
	}
}

// eventIDs GETs a list of events as an auditor and returns its IDs.
func (e *env) eventIDs(t *testing.T, path string) (string, error) {
	t.Helper()
	status, _, body := e.get(t, path, httpapi.Auditor)
	if status != 200 {
		return "", &httpError{status, body}
	}
	var page struct{ Items []struct{ ID int64 } }
	mustJSON(t, body, &page)
	ids := make([]int64, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	return fmtIDs(ids), nil
}

type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return e.body }

func mustJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// TestStatementLineEvents: the env's statement has one line, rule
// openai-share-to-microsoft, with event_ids [1, 2].
func TestStatementLineEvents(t *testing.T) {
	e := newEnv(t)
	const path = "/api/v1/contracts/openai-microsoft/statements/2026-03/events"
	status, _, body := e.get(t, path+"?rule=openai-share-to-microsoft", httpapi.Auditor)
	want := `{
  "contract": "openai-microsoft",
  "period": "2026-03",
  "rule": "openai-share-to-microsoft",
  "total": 2,
  "items": [
    {
      "id": 1,
      "source": "default",
      "event_id": "ev-1",
      "occurred_at": "2026-03-05T12:00:00Z",
      "seller": "openai",
      "channel": "direct",
      "customer": "",
      "product": "gpt",
      "region": "",
      "amount": "600.25",
      "currency": "USD",
      "meta": {
        "invoice": "A-16"
      },
      "batch_id": 1,
      "entry_id": 1,
      "late": false
    },
    {
      "id": 2,
      "source": "default",
      "event_id": "ev-2",
      "occurred_at": "2026-03-05",
      "seller": "openai",
      "channel": "direct",
      "customer": "",
      "product": "gpt",
      "region": "",
      "amount": "400.25",
      "currency": "USD",
      "meta": {
        "invoice": "A-17"
      },
      "batch_id": 1,
      "entry_id": 1,
      "late": false
    }
  ],
  "next_cursor": ""
}
`
	if status != 200 || body != want {
		t.Errorf("statement line events: %d\n%s\nwant\n%s", status, body, want)
	}
	// One a page.
	var page struct {
		Total      int
		Items      []struct{ ID int64 }
		NextCursor string `json:"next_cursor"`
	}
	_, _, body = e.get(t, path+"?rule=openai-share-to-microsoft&limit=1", httpapi.Auditor)
	mustJSON(t, body, &page)
	if page.Total != 2 || len(page.Items) != 1 || page.Items[0].ID != 1 || page.NextCursor == "" {
		t.Fatalf("page 1: %s", body)
	}
	_, _, body = e.get(t, path+"?rule=openai-share-to-microsoft&limit=1&cursor="+page.NextCursor, httpapi.Auditor)
	page.NextCursor = "unchanged"
	mustJSON(t, body, &page)
	if page.Total != 2 || len(page.Items) != 1 || page.Items[0].ID != 2 || page.NextCursor != "" {
		t.Fatalf("page 2: %s", body)
	}
	// CSV, with the cursor in a header.
	status, h, body := e.get(t, path+"?rule=openai-share-to-microsoft&limit=1&format=csv", httpapi.Auditor)
	wantCSV := "id,source,event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency,batch,entry,late\n" +
		"1,default,ev-1,2026-03-05T12:00:00Z,openai,direct,,gpt,,,,600.25,USD,1,1,false\n"
	if status != 200 || body != wantCSV || h.Get("X-Next-Cursor") == "" {
		t.Errorf("csv: %d next=%q\n%s\nwant\n%s", status, h.Get("X-Next-Cursor"), body, wantCSV)
	}

	for _, tc := range []struct {
		path   string
		status int
		code   string
		msg    string
	}{
		{path + "?rule=nope", 404, "not_found", `statement openai-microsoft 2026-03 has no line for rule "nope"`},
		{"/api/v1/contracts/nope/statements/2026-03/events?rule=openai-share-to-microsoft", 404, "not_found", "no statement nope 2026-03"},
		{"/api/v1/contracts/openai-microsoft/statements/2026-01/events?rule=openai-share-to-microsoft", 404, "not_found", "no statement openai-microsoft 2026-01"},
		{"/api/v1/contracts/openai-microsoft/statements/2026-02/events?rule=openai-share-to-microsoft", 404, "not_found", `statement openai-microsoft 2026-02 has no line for rule "openai-share-to-microsoft"`},
		{"/api/v1/contracts/openai-microsoft/statements/2026-13/events?rule=openai-share-to-microsoft", 400, "invalid", `invalid period "2026-13": want YYYY-MM, YYYY-Qn or YYYY`},
		{path, 400, "invalid", "missing rule: name the statement line with ?rule=RULE_ID"},
		{path + "?rule=openai-share-to-microsoft&limit=0", 400, "invalid", `invalid limit "0": want a whole number from 1 to 1000`},
		{path + "?rule=openai-share-to-microsoft&cursor=zzz", 400, "invalid", `invalid cursor "zzz": pass the next_cursor of a previous page`},
		{path + "?rule=openai-share-to-microsoft&format=md", 400, "invalid", `unknown format "md" (want one of json, csv)`},
		{path + "?rule=openai-share-to-microsoft&seller=openai", 400, "invalid", `unknown query parameter "seller"`},
	} {
		status, _, body := e.get(t, tc.path, httpapi.Auditor)
		want := `{"error":{"code":"` + tc.code + `","message":` + jsonString(tc.msg) + `}}`
		if status != tc.status || strings.TrimSpace(body) != want {
			t.Errorf("GET %s: %d %s\nwant %d %s", tc.path, status, body, tc.status, want)
		}
	}

	// The web view lists the same events, with links.
	status, _, body = e.get(t, "/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft", httpapi.Auditor)
	if status != 200 || !strings.Contains(body, `<a href="/web/events/1">1</a>`) || !strings.Contains(body, `<a href="/web/events/2">2</a>`) ||
		!strings.Contains(body, "<h1>Events of openai-share-to-microsoft, openai-microsoft 2026-03</h1>") {
		t.Errorf("web statement line events: %d %s", status, body)
	}
	status, _, body = e.get(t, "/web/contracts/openai-microsoft/statements/2026-03/events?rule=nope", httpapi.Auditor)
	if status != 404 || !strings.Contains(body, `statement openai-microsoft 2026-03 has no line for rule &#34;nope&#34;`) {
		t.Errorf("web unknown rule: %d %s", status, body)
	}
}

// lineStatements is a statement with lines whose event_ids exercise the
// order and the paging of the drill-down.
type lineStatements struct{ fakeStatements }

func (lineStatements) Statement(ctx context.Context, id string, p ledger.Period) (*reports.Statement, error) {
	st := &reports.Statement{Contract: id, Status: "draft", Currency: "USD", Period: reports.PeriodInfo{Label: p.Label()},
		Rules: []reports.RuleLine{
			{Rule: "ascending", EventIDs: []int64{1, 3, 4, 5, 6}},
			{Rule: "unordered", EventIDs: []int64{5, 2, 6, 1}},
			{Rule: "empty", EventIDs: []int64{}},
			{Rule: "ghost", EventIDs: []int64{2, 99}},
		}}
	return st, nil
}

func TestStatementLineEventsPaging(t *testing.T) {
	e := newEnv(t)
	importCRM(t, e)
	var logs strings.Builder
	cfg := httpapi.NewTestConfig(e.ro)
	cfg.Read.Statements, cfg.Logger = lineStatements{}, slog.New(slog.NewTextHandler(&logs, nil))
	srv := httpapi.New(cfg)
	get := func(path string) (int, string) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[httpapi.Auditor])
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	// all pages the rule's events in pages of limit, and the total.
	all := func(rule string, limit int) (string, []int) {
		var ids []int64
		var sizes []int
		for _, page := range walkPages[struct{ ID int64 }](t, get, "/api/v1/contracts/c/statements/2026-03/events?rule="+rule+"&limit="+strconvI(limit), 10) {
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			sizes = append(sizes, len(page.Items))
		}
		return fmtIDs(ids), sizes
	}
	for _, tc := range []struct {
		rule  string
		limit int
		ids   string
		sizes string
	}{
		{"ascending", 2, "1 3 4 5 6", "[2 2 1]"},
		{"ascending", 5, "1 3 4 5 6", "[5]"},
		{"ascending", 1000, "1 3 4 5 6", "[5]"},
		{"unordered", 3, "5 2 6 1", "[3 1]"},
		{"unordered", 1, "5 2 6 1", "[1 1 1 1]"},
		{"empty", 10, "", "[0]"},
	} {
		ids, sizes := all(tc.rule, tc.limit)
		if ids != tc.ids || fmtInts(sizes) != tc.sizes {
			t.Errorf("%s by %d: ids %q pages %s, want %q %s", tc.rule, tc.limit, ids, fmtInts(sizes), tc.ids, tc.sizes)
		}
	}
	// An empty line is an empty list, not null.
	if status, body := get("/api/v1/contracts/c/statements/2026-03/events?rule=empty"); status != 200 || !strings.Contains(body, `"items": []`) {
		t.Errorf("empty line: %d %s", status, body)
	}
	// A statement naming an event the store lacks is the server's fault.
	status, body := get("/api/v1/contracts/c/statements/2026-03/events?rule=ghost")
	if status != 500 || strings.TrimSpace(body) != `{"error":{"code":"internal","message":"internal error"}}` {
		t.Errorf("ghost: %d %s", status, body)
	}
	if !strings.Contains(logs.String(), "statement c 2026-03 rule ghost: event 99 not found") {
		t.Errorf("the internal error was not logged: %s", logs.String())
	}
	// The first page of ghost's events is fine: only the page with 99 fails.
	if status, body := get("/api/v1/contracts/c/statements/2026-03/events?rule=ghost&limit=1"); status != 200 {
		t.Errorf("ghost page 1: %d %s", status, body)
	}
	// An unordered line's cursor must be one of its events.
	status, body = get("/api/v1/contracts/c/statements/2026-03/events?rule=unordered&cursor=" + cursorOf(3))
	if status != 400 || strings.TrimSpace(body) != `{"error":{"code":"invalid","message":"invalid cursor: pass the next_cursor of a previous page"}}` {
		t.Errorf("unordered, foreign cursor: %d %s", status, body)
	}
}

func strconvI(n int) string { return fmt.Sprint(n) }

func fmtInts(v []int) string { return fmt.Sprint(v) }

// TestStatementPageLinksLineEvents: the statement's web page links each
// line to the page of all its events.
func TestStatementPageLinksLineEvents(t *testing.T) {
	e := newEnv(t)
	status, _, body := e.get(t, "/web/contracts/openai-microsoft/statements/2026-03", httpapi.Auditor)
	link := `· Events: <a href="/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft">2 events</a>`
	if status != 200 || !strings.Contains(body, link) {
		t.Errorf("statement page: %d, want a link %s in\n%s", status, link, body)
	}
}

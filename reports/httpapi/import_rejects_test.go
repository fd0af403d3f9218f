package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports/httpapi"
)

// partialCSV has one good row and three bad ones (lines 3 to 5; line 5 has
// two errors, which the reader reports currency first).
const partialCSV = "event_id,occurred_at,seller,channel,amount,currency\n" +
	"p1,2026-03-10,openai,direct,5.00,USD\n" +
	"p2,2026-02-30,openai,direct,1.00,USD\n" +
	"p3,2026-03-11,openai,direct,2.00,USD,extra\n" +
	"p4,2026-03-12,openai,direct,1e2,XXX\n"

// importPartial imports data with --allow-partial through the read-write
// connection, as the CLI would.
func importPartial(t *testing.T, e *env, name, data string) ledger.ImportResult {
	t.Helper()
	sum := sha256.Sum256([]byte(data))
	res, err := e.rw.ImportUsage(context.Background(), strings.NewReader(data), usage.ImportOptions{Source: "crm", FileName: name,
		AllowPartial: true, ChunkRows: 2, SHA256: hex.EncodeToString(sum[:])})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// compactJSON removes the whitespace of a JSON body, keeping its order and escapes.
func compactJSON(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}

func cursorOf(line int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("v1:%d", line)))
}

func TestImportRejectsOverHTTP(t *testing.T) {
	e := newEnv(t)
	if res := importPartial(t, e, "p.csv", partialCSV); res.BatchID != 2 || res.Rejected != 3 {
		t.Fatalf("import: %+v", res)
	}
	sum := sha256.Sum256([]byte(partialCSV))
	rejects := `[{"line":3,"errors":[{"column":"occurred_at","value":"2026-02-30","reason":"no such date"}],"record":["p2","2026-02-30","openai","direct","1.00","USD"]},` +
		`{"line":4,"errors":[{"column":"","value":"","reason":"wrong number of fields: want 6 as in the header"}],"record":["p3","2026-03-11","openai","direct","2.00","USD","extra"]},` +
		`{"line":5,"errors":[{"column":"currency","value":"XXX","reason":"unknown ISO 4217 currency"},{"column":"amount","value":"1e2","reason":"not a decimal number (exponents are not allowed)"}],"record":["p4","2026-03-12","openai","direct","1e2","XXX"]}]`
	columns := `["event_id","occurred_at","seller","channel","amount","currency"]`
	for _, tc := range []struct {
		path, status, body string
	}{
		{"/api/v1/imports/2", "200", `{"id":2,"kind":"usage","source":"crm","file":"p.csv","sha256":"` + hex.EncodeToString(sum[:]) + `","mode":"partial","status":"complete",` +
			`"rows":4,"posted":1,"duplicates":0,"rejected":3,"late":0,"entries":1,"started_at":"2026-04-02T10:00:00Z","finished_at":"2026-04-02T10:00:00Z",` +
			`"reject_columns":` + columns + `,"rejects":` + rejects + `}`},
		// A default-mode import stores no rejects.
		{"/api/v1/imports/1", "200", `{"id":1,"kind":"usage","source":"default","file":"march.csv","sha256":"b08afa7a0586220ab07c0073cbe840cc5205bf653e7a57df8c9d72b27edd3586","mode":"all","status":"complete",` +
			`"rows":3,"posted":3,"duplicates":0,"rejected":0,"late":0,"entries":2,"started_at":"2026-04-02T10:00:00Z","finished_at":"2026-04-02T10:00:00Z",` +
			`"reject_columns":[],"rejects":[]}`},
		{"/api/v1/imports/2/rejects", "200", `{"columns":` + columns + `,"items":` + rejects + `,"next_cursor":""}`},
		{"/api/v1/imports/1/rejects", "200", `{"columns":[],"items":[],"next_cursor":""}`},
		{"/api/v1/imports/9", "404", `{"error":{"code":"not_found","message":"import 9 not found"}}`},
		{"/api/v1/imports/9/rejects", "404", `{"error":{"code":"not_found","message":"import 9 not found"}}`},
		{"/api/v1/imports/2/rejects?cursor=abc", "400", `{"error":{"code":"invalid","message":"invalid cursor \"abc\": pass the next_cursor of a previous page"}}`},
		{"/api/v1/imports/2/rejects?limit=1001", "400", `{"error":{"code":"invalid","message":"limit 1001 is above the maximum page size of 1000"}}`},
		{"/api/v1/imports/2/rejects?format=xml", "400", `{"error":{"code":"invalid","message":"unknown format \"xml\" (want one of json, csv)"}}`},
	} {
		status, _, body := e.get(t, tc.path, httpapi.Auditor)
		if fmt.Sprint(status) != tc.status || compactJSON(body) != tc.body {
			t.Errorf("GET %s: %d\n got %s\nwant %s", tc.path, status, compactJSON(body), tc.body)
		}
	}

	// One reject a page, through the cursors.
	var lines []int
	path := "/api/v1/imports/2/rejects?limit=1"
	for _, page := range walkPages[struct{ Line int }](t, e.getAs(t, httpapi.Auditor), path, 5) {
		if len(page.Items) != 1 {
			t.Fatalf("%s: a page of %d rejects, want 1", path, len(page.Items))
		}
		lines = append(lines, page.Items[0].Line)
		if want := cursorOf(page.Items[0].Line); page.NextCursor != "" && page.NextCursor != want {
			t.Errorf("%s: next_cursor %q, want %q", path, page.NextCursor, want)
		}
	}
	if fmt.Sprint(lines) != "[3 4 5]" {
		t.Errorf("paged lines %v, want [3 4 5]", lines)
	}

	// CSV: the file's columns, then rejected_line and rejected_reason, as the
	// CLI writes them (an import skips those two columns: the file fixed
	// imports as the original would).
	status, h, body := e.get(t, "/api/v1/imports/2/rejects?format=csv", httpapi.Auditor)
	want := "event_id,occurred_at,seller,channel,amount,currency,rejected_line,rejected_reason\n" +
		"p2,2026-02-30,openai,direct,1.00,USD,3,\"column occurred_at: value \"\"2026-02-30\"\": no such date\"\n" +
		"p3,2026-03-11,openai,direct,2.00,USD,4,wrong number of fields: want 6 as in the header\n" +
		"p4,2026-03-12,openai,direct,1e2,XXX,5,\"column currency: value \"\"XXX\"\": unknown ISO 4217 currency; column amount: value \"\"1e2\"\": not a decimal number (exponents are not allowed)\"\n"
	if status != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || h.Get("X-Next-Cursor") != "" || body != want {
		t.Errorf("csv: %d %q\n got %s\nwant %s", status, h.Get("Content-Type"), body, want)
	}
	status, h, body = e.get(t, "/api/v1/imports/2/rejects?format=csv&limit=2", httpapi.Auditor)
	if status != 200 || h.Get("X-Next-Cursor") != cursorOf(4) || strings.Count(body, "\n") != 3 {
		t.Errorf("csv page: %d next=%q %s", status, h.Get("X-Next-Cursor"), body)
	}
	status, _, body = e.get(t, "/api/v1/imports/1/rejects?format=csv", httpapi.Auditor)
	if status != 200 || body != "rejected_line,rejected_reason\n" {
		t.Errorf("csv of an import without rejects: %d %q", status, body)
	}

	// The web view's import page shows the rejects under the file's columns.
	status, _, body = e.get(t, "/web/imports/2", httpapi.Auditor)
	row := `<tr><td class="num">4</td><td>wrong number of fields: want 6 as in the header</td><td>p3</td><td>2026-03-11</td><td>openai</td><td>direct</td><td>2.00</td><td>USD</td><td>extra</td></tr>`
	head := `<thead><tr><th>line</th><th>reason</th><th>event_id</th><th>occurred_at</th><th>seller</th><th>channel</th><th>amount</th><th>currency</th><th></th></tr></thead>`
	if status != 200 || !strings.Contains(body, head) || !strings.Contains(body, row) || strings.Contains(body, "More rejected rows") {
		t.Errorf("web import 2: %d %s", status, body)
	}
	status, _, body = e.get(t, "/web/imports/1", httpapi.Auditor)
	if status != 200 || !strings.Contains(body, "<p>No rejected rows.</p>") {
		t.Errorf("web import 1: %d %s", status, body)
	}
}

// TestImportRejectsNext: an import shows its first 100 rejects and the
// cursor of the rest.
func TestImportRejectsNext(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	for i := range 102 {
		fmt.Fprintf(&b, "b%d,2026-03-10,openai,direct,x%d,USD\n", i, i)
	}
	if res := importPartial(t, e, "b.csv", b.String()); res.BatchID != 2 || res.Rejected != 102 {
		t.Fatalf("import: %+v", res)
	}
	status, _, body := e.get(t, "/api/v1/imports/2", httpapi.Auditor)
	var d struct {
		Rejects     []struct{ Line int }
		RejectsNext string `json:"rejects_next"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil || status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if len(d.Rejects) != 100 || d.Rejects[0].Line != 2 || d.Rejects[99].Line != 101 || d.RejectsNext != cursorOf(101) {
		t.Fatalf("%d rejects, next %q", len(d.Rejects), d.RejectsNext)
	}
	status, _, body = e.get(t, "/api/v1/imports/2/rejects?cursor="+d.RejectsNext, httpapi.Auditor)
	want := `{"columns":["event_id","occurred_at","seller","channel","amount","currency"],"items":[` +
		`{"line":102,"errors":[{"column":"amount","value":"x100","reason":"not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)"}],"record":["b100","2026-03-10","openai","direct","x100","USD"]},` +
		`{"line":103,"errors":[{"column":"amount","value":"x101","reason":"not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)"}],"record":["b101","2026-03-10","openai","direct","x101","USD"]}],"next_cursor":""}`
	if status != 200 || compactJSON(body) != want {
		t.Errorf("the rest: %d\n got %s\nwant %s", status, compactJSON(body), want)
	}
	// The web view pages its rejects with the same cursor.
	status, _, body = e.get(t, "/web/imports/2", httpapi.Auditor)
	if link := `<a href="/web/imports/2?cursor=` + cursorOf(101) + `">More rejected rows</a>`; status != 200 || !strings.Contains(body, link) {
		t.Errorf("web page 1: %d %s", status, body)
	}
	status, _, body = e.get(t, "/web/imports/2?cursor="+cursorOf(101), httpapi.Auditor)
	if status != 200 || strings.Count(body, `<tr><td class="num">`) != 2 || !strings.Contains(body, `<tr><td class="num">102</td>`) || !strings.Contains(body, `<tr><td class="num">103</td>`) {
		t.Errorf("web page 2: %d %s", status, body)
	}
	status, _, body = e.get(t, "/web/imports/2?cursor="+cursorOf(103), httpapi.Auditor)
	if status != 200 || !strings.Contains(body, "<p>No more rejected rows.</p>") {
		t.Errorf("web page 3: %d %s", status, body)
	}
}

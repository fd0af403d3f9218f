package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestServeDealEndToEnd: the REST API serves the statement of a deal with
// splits, a shared cap and an advance exactly as the CLI prints it, the web
// view shows the parts, the shared cap and the advance, and the caps report
// lists the shared cap once: 30.00 + 20.00 in January and 20.00 in
// February consumed, projected to bind in March at 20.00 + 20.00 a month.
func TestServeDealEndToEnd(t *testing.T) { onBothBackends(t, testServeDealEndToEnd) }

func testServeDealEndToEnd(t *testing.T, newDB newDB) {
	dir := filepath.Join("..", "..", "testdata", "deals", "late")
	db := newDB(t)
	addFixture(t, db, dir)
	cli(t, db, "run", "--through", "2026-02")
	aud := strings.TrimSpace(cli(t, db, "token", "create", "--role", "auditor"))
	want := cli(t, db, "statement", "late-deal", "2026-02", "--format", "json")
	base, stop := startServe(t, db)
	defer stop()

	status, api := call(t, "GET", base+"/api/v1/contracts/late-deal/statements/2026-02", aud, "")
	if status != 200 || api != want {
		t.Errorf("statement over HTTP (%d) differs from the CLI's:\nHTTP %s\nCLI  %s", status, api, want)
	}
	for _, s := range []string{`"splits": [`, `"shared": "label-total"`, `"recouped": "10.00"`, `"advances": [`, `"unrecouped_after": "15.00"`} {
		if !strings.Contains(api, s) {
			t.Errorf("statement JSON lacks %s:\n%s", s, api)
		}
	}
	status, page := call(t, "GET", base+"/web/contracts/late-deal/statements/2026-02", aud, "")
	if status != 200 {
		t.Fatalf("web statement: %d %s", status, page)
	}
	for _, s := range []string{"record (label → artist, producer)", "· split to producer (share 0.5)", "cap shared label-total total",
		"<h2>Advances</h2>", "<th>recouped</th>"} {
		if !strings.Contains(page, s) {
			t.Errorf("web statement lacks %q", s)
		}
	}
	status, page = call(t, "GET", base+"/web/contracts/late-deal", aud, "")
	for _, s := range []string{"label → artist (0.5), producer (0.5)", "<h2>Shared caps</h2>", "label-total over record, sync: total 100.00",
		"adv: label → artist 60.00 on 2026-01-10, recouped from record, sync"} {
		if status != 200 || !strings.Contains(page, s) {
			t.Errorf("web contract page (%d) lacks %q", status, s)
		}
	}
	status, doc := call(t, "GET", base+"/api/v1/contracts/late-deal", aud, "")
	for _, s := range []string{`"payees": [`, `"shared_caps": [`, `"recoup_from": [`} {
		if status != 200 || !strings.Contains(doc, s) {
			t.Errorf("GET /contracts/late-deal (%d) lacks %s:\n%s", status, s, doc)
		}
	}
	status, caps := call(t, "GET", base+"/api/v1/contracts/late-deal/caps?as_of=2026-02-28", aud, "")
	if status != 200 || strings.Count(caps, `"shared": "label-total"`) != 1 || !strings.Contains(caps, `"consumed": "70.00"`) || !strings.Contains(caps, `"projected_binding": "2026-03"`) {
		t.Errorf("caps: %d %s", status, caps)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeReadOnly: `serve --read-only` (an auditor's copy) serves every
// read, the web view included, and answers every write 403 with the reason,
// whatever the role, leaving the book unchanged; the book is only opened
// read-only, so a file (and folder) without write permission serves, and a
// missing book is refused rather than created.
func TestServeReadOnly(t *testing.T) { onBothBackends(t, testServeReadOnly) }

func testServeReadOnly(t *testing.T, newDB newDB) {
	path := newDB(t)
	addRunsFixture(t, path)
	admin := createToken(t, path, "admin")
	auditor := createToken(t, path, "auditor")
	cli(t, path, "run", "--through", "2026-02")
	if !onServer(path) {
		// Without write permission (root writes anyway: then this only
		// shows that nothing needs it).
		dir := filepath.Dir(path)
		os.Chmod(path, 0o444)
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755); os.Chmod(path, 0o644) })
	}
	before := dumpDB(t, path)
	base, stop := startServe(t, path, "--read-only")
	api := base + "/api/v1"
	if status, body := call(t, "GET", api+"/trial-balance?format=csv", auditor, ""); status != 200 || !strings.Contains(body, "total,,USD,") {
		t.Errorf("trial balance: %d %s", status, body)
	}
	if status, body := call(t, "GET", api+"/tokens", admin, ""); status != 200 || !strings.Contains(body, `"role": "auditor"`) {
		t.Errorf("tokens: %d %s", status, body)
	}
	contract, err := os.ReadFile("../../testdata/runs/contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/runs", `{"through":"2026-02"}`},
		{"POST", "/periods/2026-01/close", ""},
		{"POST", "/payments", `{"contract":"small","payer":"openai","payee":"microsoft","amount":"1.00","date":"2026-02-10","reference":"W1"}`},
		{"POST", "/contracts", string(contract)},
		{"POST", "/imports/usage?file=u.csv", "event_id,occurred_at,seller,channel,amount,currency\nx1,2026-02-02,openai,direct,1.00,USD\n"},
		{"POST", "/tokens", `{"name":"x","role":"auditor"}`},
		{"DELETE", "/tokens/1", ""},
	} {
		status, body := call(t, w.method, api+w.path, admin, w.body)
		p, _, _ := strings.Cut(w.path, "?")
		want := `{"error":{"code":"forbidden","message":"this server is read-only (revshare serve --read-only): ` + w.method + ` /api/v1` + p + ` would change the book; nothing was changed"}}`
		if status != 403 || compactJSON(body) != want {
			t.Errorf("%s %s: %d %s\nwant 403 %s", w.method, w.path, status, compactJSON(body), want)
		}
	}
	// The web view, with its cookie.
	req, _ := http.NewRequest("GET", base+"/web/contracts/small/statements/2026-02", nil)
	req.AddCookie(&http.Cookie{Name: "revshare_token", Value: auditor})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("web statement: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
	if after := dumpDB(t, path); after != before {
		t.Fatal("the read-only server changed the book")
	}
	if !onServer(path) {
		missing := filepath.Join(t.TempDir(), "nope.db")
		_, stderr, err := runCLI(t, "--db", missing, "serve", "--read-only", "--addr", "127.0.0.1:0")
		if err == nil || !strings.HasPrefix(stderr, "revshare: no database at "+missing) {
			t.Errorf("missing book: %v %q", err, stderr)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("serve --read-only created %s", missing)
		}
	}
}

// compactJSON is s without the white space between JSON tokens.
func compactJSON(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}

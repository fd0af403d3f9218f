package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/reports/httpapi"
)

// who may call what, written independently of the permission table.
type who int

const (
	anyone   who = iota // public
	readers             // every role
	modelers            // analyst, admin
	writers             // finance, admin
	admins              // admin
)

func (w who) allows(r httpapi.Role) bool {
	switch w {
	case anyone, readers:
		return true
	case modelers:
		return r == httpapi.Analyst || r == httpapi.Admin
	case writers:
		return r == httpapi.Finance || r == httpapi.Admin
	case admins:
		return r == httpapi.Admin
	}
	return false
}

// call is one method on one route: who may, the request to send, and the
// status when allowed.
type call struct {
	who  who
	path string // a concrete path for the route
	body string
	ok   int
}

// matrix is the expected behaviour of every route. A route the router has
// that is not here fails the test.
var matrix = map[string]map[string]call{
	"api_index":       {"GET": {anyone, "/api/v1", "", 200}},
	"healthz":         {"GET": {anyone, "/api/v1/healthz", "", 200}},
	"root_healthz":    {"GET": {anyone, "/healthz", "", 200}},
	"root_metrics":    {"GET": {anyone, "/metrics", "", 200}},
	"openapi":         {"GET": {anyone, "/api/v1/openapi.json", "", 200}},
	"metrics":         {"GET": {anyone, "/api/v1/metrics", "", 200}},
	"accounts":        {"GET": {readers, "/api/v1/accounts", "", 200}},
	"account_balance": {"GET": {readers, "/api/v1/accounts/assets:receivable/balance", "", 200}},
	"trial_balance":   {"GET": {readers, "/api/v1/trial-balance", "", 200}},
	"entries":         {"GET": {readers, "/api/v1/entries", "", 200}},
	"entry":           {"GET": {readers, "/api/v1/entries/1", "", 200}},
	"events":          {"GET": {readers, "/api/v1/events", "", 200}},
	"event":           {"GET": {readers, "/api/v1/events/1", "", 200}},
	"imports":         {"GET": {readers, "/api/v1/imports", "", 200}},
	"import":          {"GET": {readers, "/api/v1/imports/1", "", 200}},
	"import_rejects":  {"GET": {readers, "/api/v1/imports/1/rejects", "", 200}},
	"import_usage":    {"POST": {writers, "/api/v1/imports/usage?source=crm", "event_id,occurred_at,seller,channel,amount,currency\nev-9,2026-04-01,openai,aws,10.00,USD\n", 200}},
	"contracts": {"GET": {readers, "/api/v1/contracts", "", 200},
		"POST": {writers, "/api/v1/contracts", demoContract, 201}},
	"contract":         {"GET": {readers, "/api/v1/contracts/openai-microsoft", "", 200}},
	"statements":       {"GET": {readers, "/api/v1/contracts/openai-microsoft/statements", "", 200}},
	"statement":        {"GET": {readers, "/api/v1/contracts/openai-microsoft/statements/2026-03", "", 200}},
	"statement_events": {"GET": {readers, "/api/v1/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft", "", 200}},
	"caps":             {"GET": {readers, "/api/v1/contracts/openai-microsoft/caps", "", 200}},
	"verify":           {"GET": {readers, "/api/v1/verify", "", 200}},
	"runs":             {"POST": {writers, "/api/v1/runs", `{"through":"2026-03"}`, 200}},
	"period_close":     {"POST": {writers, "/api/v1/periods/2026-03/close", "", 200}},
	"payments":         {"POST": {writers, "/api/v1/payments", `{"contract":"openai-microsoft","payer":"openai","payee":"microsoft","amount":"200.10","date":"2026-04-15"}`, 201}},
	"scenarios":        {"POST": {modelers, "/api/v1/scenarios", "contract: openai-microsoft\nhorizon: 2030-12\n", 200}},
	"tokens": {"GET": {admins, "/api/v1/tokens", "", 200},
		"POST": {admins, "/api/v1/tokens", `{"name":"new","role":"auditor"}`, 201}},
	"token": {"DELETE": {admins, "/api/v1/tokens/{fresh}", "", 200}},

	"web_root":             {"GET": {readers, "/", "", 200}},
	"web_login":            {"GET": {anyone, "/web/login", "", 200}, "POST": {anyone, "/web/login", "token={token}", 303}},
	"web_logout":           {"POST": {anyone, "/web/logout", "", 303}},
	"web_style":            {"GET": {anyone, "/web/style.css", "", 200}},
	"web_trial_balance":    {"GET": {readers, "/web/trial-balance?as_of=2026-03-31", "", 200}},
	"web_entries":          {"GET": {readers, "/web/entries?account=assets:receivable", "", 200}},
	"web_entry":            {"GET": {readers, "/web/entries/1", "", 200}},
	"web_events":           {"GET": {readers, "/web/events", "", 200}},
	"web_event":            {"GET": {readers, "/web/events/2", "", 200}},
	"web_imports":          {"GET": {readers, "/web/imports", "", 200}},
	"web_import":           {"GET": {readers, "/web/imports/1", "", 200}},
	"web_contracts":        {"GET": {readers, "/web/contracts", "", 200}},
	"web_contract":         {"GET": {readers, "/web/contracts/openai-microsoft", "", 200}},
	"web_statement":        {"GET": {readers, "/web/contracts/openai-microsoft/statements/2026-03", "", 200}},
	"web_statement_events": {"GET": {readers, "/web/contracts/openai-microsoft/statements/2026-03/events?rule=openai-share-to-microsoft", "", 200}},
}

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// expect is the status for a role ("" = no token) calling method on route.
func expect(route, method string, role httpapi.Role) int {
	c, ok := matrix[route][method]
	switch {
	case !ok:
		return http.StatusMethodNotAllowed
	case c.who == anyone:
		if route == "web_login" && method == "POST" && role == "" {
			return http.StatusUnauthorized // the form comes back: no token
		}
		return c.ok
	case role == "":
		if strings.HasPrefix(route, "web_") && method == "GET" {
			return http.StatusSeeOther // to the login form
		}
		return http.StatusUnauthorized
	case !c.who.allows(role):
		return http.StatusForbidden
	}
	return c.ok
}

func routeNames(t *testing.T, r *mux.Router) []string {
	t.Helper()
	var names []string
	err := r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		names = append(names, rt.GetName())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	names := routeNames(t, e.srv.Router())
	for _, n := range names {
		if _, ok := matrix[n]; !ok {
			t.Errorf("route %q is not in the authorization matrix", n)
		}
	}
	for n := range matrix {
		if sort.SearchStrings(names, n) == len(names) || names[sort.SearchStrings(names, n)] != n {
			t.Errorf("matrix names route %q, which the router does not have", n)
		}
	}
	roles := append([]httpapi.Role{""}, httpapi.Roles...)
	for _, route := range names {
		for _, method := range methods {
			for _, role := range roles {
				c := matrix[route][method]
				if c.path == "" { // a method the route does not have: use any of its paths
					for _, other := range matrix[route] {
						c.path = other.path
					}
				}
				got, body := e.do(t, method, c.path, c.body, role)
				want := expect(route, method, role)
				if got != want {
					t.Errorf("%s %s (%s) as %q: status %d, want %d; body %.200s", method, c.path, route, role, got, want, body)
				}
				if got >= 400 && strings.HasPrefix(c.path, "/api/") && !strings.HasPrefix(body, `{`) {
					t.Errorf("%s %s as %q: error body is not JSON: %.200s", method, c.path, role, body)
				}
			}
		}
	}
}

// do sends one request as role; {token} in the body and {fresh} in the path
// are replaced by the role's token and by a fresh token's id.
func (e *env) do(t *testing.T, method, path, body string, role httpapi.Role) (int, string) {
	t.Helper()
	if strings.Contains(path, "{fresh}") {
		_, _, err := e.rw.CreateToken(context.Background(), "to-revoke", "auditor")
		if err != nil {
			t.Fatal(err)
		}
		ts, _ := e.rw.Tokens(context.Background())
		path = strings.Replace(path, "{fresh}", strconv.FormatInt(ts[len(ts)-1].ID, 10), 1)
	}
	body = strings.Replace(body, "{token}", url.QueryEscape(e.tokens[role]), 1)
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if strings.HasPrefix(body, "token=") {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if role != "" && !strings.HasPrefix(path, "/web/login") {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") == "" {
		t.Errorf("%s %s: 405 without an Allow header", method, path)
	}
	return rec.Code, rec.Body.String()
}

// TestAuditorWritesChangeNothing sends every method of every route as an
// auditor and checks that the database file is byte-identical afterwards.
func TestAuditorWritesChangeNothing(t *testing.T) {
	e := newEnv(t)
	before := fileBytes(t, e.path)
	for route, ms := range matrix {
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			c, ok := ms[method]
			if !ok {
				for _, other := range ms {
					c = other
				}
			}
			if strings.Contains(c.path, "{fresh}") {
				c.path = "/api/v1/tokens/1"
			}
			got, _ := e.do(t, method, c.path, c.body, httpapi.Auditor)
			if got < 300 && route != "web_login" && route != "web_logout" {
				t.Errorf("auditor %s %s: status %d, want a refusal", method, c.path, got)
			}
		}
	}
	if after := fileBytes(t, e.path); after != before {
		t.Fatalf("the database changed after an auditor's writes (%d bytes before, %d after)", len(before), len(after))
	}
}

// TestUnknownTokenAndBadHeaders: every way of not presenting a valid token
// is a 401 with the same JSON error shape.
func TestUnknownTokenAndBadHeaders(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, header string
		status       int
		body         string
	}{
		{"no token", "", 401, `{"error":{"code":"unauthorized","message":"no token given: send Authorization: Bearer <token>"}}`},
		{"unknown token", "Bearer rs_unknown", 401, `{"error":{"code":"unauthorized","message":"invalid or revoked token"}}`},
		{"basic auth", "Basic dXNlcjpwYXNz", 401, `{"error":{"code":"unauthorized","message":"no token given: send Authorization: Bearer <token>"}}`},
	} {
		req := httptest.NewRequest("GET", "/api/v1/trial-balance", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != tc.status || strings.TrimSpace(rec.Body.String()) != tc.body {
			t.Errorf("%s: %d %s, want %d %s", tc.name, rec.Code, rec.Body.String(), tc.status, tc.body)
		}
	}
}

// TestPaymentAmountGrammar: POST /payments reads amounts by the one decimal
// grammar (ledger.ParseDecimal) that usage files use.
func TestPaymentAmountGrammar(t *testing.T) {
	e := newEnv(t)
	for amount, want := range map[string]string{
		"1e3": `{"error":{"code":"invalid","message":"invalid amount \"1e3\": not a decimal number (exponents are not allowed)"}}`,
		"+5":  `{"error":{"code":"invalid","message":"invalid amount \"+5\": not a decimal number (a leading '+' is not allowed: write 5)"}}`,
		".5":  `{"error":{"code":"invalid","message":"invalid amount \".5\": not a decimal number (want digits before the decimal point, as in 0.50)"}}`,
	} {
		body := `{"contract":"openai-microsoft","payer":"openai","payee":"microsoft","amount":"` + amount + `","date":"2026-04-15"}`
		code, got := e.do(t, "POST", "/api/v1/payments", body, httpapi.Finance)
		if code != 400 || strings.TrimSpace(got) != want {
			t.Errorf("amount %s: %d %s, want 400 %s", amount, code, got, want)
		}
	}
}

// TestTokenStateMatrix extends the matrix with the token's state: for every
// route and method, an unknown token, a revoked token of each role, a
// wrong scheme, an empty bearer and a token in the web cookie instead of
// the header (for the API) must each be answered as if there were no token
// at all (401, or the login form for web pages), never with data.
func TestTokenStateMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	type state struct{ name, header, cookie string }
	states := []state{
		{"unknown", "Bearer rs_unknown", ""},
		{"wrong scheme", "Token " + e.tokens[httpapi.Admin], ""},
		{"empty bearer", "Bearer ", ""},
		{"bearer only", "Bearer", ""},
	}
	for _, r := range httpapi.Roles {
		tok, secret, err := e.rw.CreateToken(ctx, "revoked-"+string(r), string(r))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.rw.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		states = append(states, state{"revoked " + string(r), "Bearer " + secret, ""}, state{"revoked " + string(r) + " cookie", "", secret})
	}
	n := 0
	for _, route := range routeNames(t, e.srv.Router()) {
		for _, method := range methods {
			c := matrix[route][method]
			if c.path == "" {
				for _, other := range matrix[route] {
					c.path = other.path
				}
			}
			for _, st := range states {
				if strings.Contains(c.path, "{fresh}") {
					c.path = strings.Replace(c.path, "{fresh}", "1", 1)
				}
				body := strings.Replace(c.body, "{token}", url.QueryEscape(strings.TrimPrefix(st.header+st.cookie, "Bearer ")), 1)
				req := httptest.NewRequest(method, c.path, strings.NewReader(body))
				if strings.HasPrefix(body, "token=") {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if st.header != "" {
					req.Header.Set("Authorization", st.header)
				}
				if st.cookie != "" {
					req.AddCookie(&http.Cookie{Name: "revshare_token", Value: st.cookie})
				}
				rec := httptest.NewRecorder()
				e.srv.ServeHTTP(rec, req)
				n++
				if want := expect(route, method, ""); rec.Code != want {
					t.Errorf("%s %s (%s) with %s token: status %d, want %d; body %.200s", method, c.path, route, st.name, rec.Code, want, rec.Body.String())
				}
			}
		}
	}
	t.Logf("%d requests: %d routes × %d methods × %d token states", n, len(routeNames(t, e.srv.Router())), len(methods), len(states))
}

// TestReadOnlyServerRefusesWrites: a server with Config.ReadOnly (revshare
// serve --read-only) answers every call that would write 403 with the
// reason, even to an admin, and the database file stays byte-identical;
// reads, scenarios and the web view's login are not writes.
func TestReadOnlyServerRefusesWrites(t *testing.T) {
	e := newEnv(t)
	ver, err := sqlite.NewDataVersion(context.Background(), e.ro)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ver.Close() })
	e.srv = httpapi.New(httpapi.Config{Read: httpapi.NewTestServices(e.ro), ReadOnly: true, Version: ver,
		Clock: storetest.NewClock(t0), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	before := fileBytes(t, e.path)
	writes := 0
	for route, ms := range matrix {
		for method, c := range ms {
			if method == "GET" || route == "scenarios" || route == "web_login" || route == "web_logout" {
				continue
			}
			writes++
			path := strings.Replace(c.path, "{fresh}", "1", 1)
			status, body := e.do(t, method, path, c.body, httpapi.Admin)
			p, _, _ := strings.Cut(path, "?")
			want := `{"error":{"code":"forbidden","message":"this server is read-only (revshare serve --read-only): ` + method + " " + p + ` would change the book; nothing was changed"}}`
			if status != 403 || compact(body) != want {
				t.Errorf("admin %s %s: %d %s\nwant 403 %s", method, path, status, compact(body), want)
			}
		}
	}
	if writes != 7 {
		t.Errorf("%d writes in the matrix, want 7 (imports, contracts, runs, close, payments, token create and revoke)", writes)
	}
	for _, path := range []string{"/api/v1/trial-balance", "/api/v1/tokens", "/api/v1/imports"} {
		if status, body := e.do(t, "GET", path, "", httpapi.Admin); status != 200 {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
	if status, _ := e.do(t, "POST", "/web/login", "token={token}", httpapi.Auditor); status != 303 {
		t.Errorf("web login: %d, want 303", status)
	}
	if after := fileBytes(t, e.path); after != before {
		t.Fatal("the read-only server changed the database")
	}
}

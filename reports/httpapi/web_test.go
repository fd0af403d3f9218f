package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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
		{"no next", e.tokens[httpapi.Analyst], "", 303, "/web/trial-balance", "revshare_token="},
		{"offsite next", e.tokens[httpapi.Auditor], "//evil.example/x", 303, "/web/trial-balance", "revshare_token="},
		{"absolute next", e.tokens[httpapi.Auditor], "https://evil.example/x", 303, "/web/trial-balance", "revshare_token="},
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

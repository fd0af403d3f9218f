package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite/tempdb"
)

// TestDenyByDefault removes a route from the permission table: even an
// admin is then refused, although the router still has the route.
func TestDenyByDefault(t *testing.T) {
	saved := permissions["healthz"]
	delete(permissions, "healthz")
	defer func() { permissions["healthz"] = saved }()
	cfg := NewTestConfig(tempdb.Open(t, nil))
	cfg.Read.Tokens = TokensAs{Role: Admin}
	s := New(cfg)
	for _, auth := range []string{"", "Bearer rs_x"} {
		req := httptest.NewRequest("GET", "/api/v1/healthz", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		want := http.StatusForbidden
		if auth == "" {
			want = http.StatusUnauthorized
		}
		if rec.Code != want {
			t.Errorf("auth %q: status %d, want %d (%s)", auth, rec.Code, want, rec.Body.String())
		}
	}
}

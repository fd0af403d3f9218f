package httpapi

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
)

// slowVerifier verifies until its context ends.
type slowVerifier struct{}

func (slowVerifier) Verify(ctx context.Context, _ ...ledger.Anchor) (ledger.VerifyResult, error) {
	<-ctx.Done()
	return ledger.VerifyResult{}, ctx.Err()
}

// TestDashboardVerifyBounded: a verification that takes too long leaves the
// dashboard up, saying so, instead of holding it.
func TestDashboardVerifyBounded(t *testing.T) {
	saved := dashboardVerifyTimeout
	dashboardVerifyTimeout = 50 * time.Millisecond
	defer func() { dashboardVerifyTimeout = saved }()
	cfg := NewTestConfig(tempdb.Open(t, nil))
	cfg.Read.Verifier, cfg.Read.Tokens = slowVerifier{}, TokensAs{Role: Auditor}
	s := New(cfg)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	start := time.Now()
	s.ServeHTTP(rec, req)
	if took := time.Since(start); rec.Code != 200 || took > 5*time.Second {
		t.Fatalf("dashboard: %d after %s", rec.Code, took)
	}
	want := `<p class="error">verification did not finish in 50ms: run revshare verify (or GET /api/v1/verify)</p>`
	if !strings.Contains(rec.Body.String(), want) {
		t.Errorf("dashboard lacks %s:\n%s", want, rec.Body.String())
	}
}

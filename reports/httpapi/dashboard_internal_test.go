package httpapi

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
)

// heldVerifier verifies when the test sends it a verdict, or until its
// context ends; it counts its calls.
type heldVerifier struct {
	calls    atomic.Int64
	verdicts chan ledger.VerifyResult
}

func (v *heldVerifier) Verify(ctx context.Context, _ ...ledger.Anchor) (ledger.VerifyResult, error) {
	v.calls.Add(1)
	select {
	case res := <-v.verdicts:
		return res, nil
	case <-ctx.Done():
		return ledger.VerifyResult{}, ctx.Err()
	}
}

// settableVersion is a data version the test changes.
type settableVersion struct{ n atomic.Int64 }

func (v *settableVersion) DataVersion(context.Context) (int64, error) { return v.n.Load(), nil }

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// TestDashboardVerifyInBackground: a long verification runs beside the
// dashboard, once however many views come, and its verdict is kept until
// the book changes; then the old verdict is shown as such while the next
// check runs.
func TestDashboardVerifyInBackground(t *testing.T) {
	saved := dashboardVerifyWait
	defer func() { dashboardVerifyWait = saved }()
	verifier := &heldVerifier{verdicts: make(chan ledger.VerifyResult)}
	version := new(settableVersion)
	version.n.Store(1)
	cfg := NewTestConfig(tempdb.Open(t, nil))
	cfg.Read.Verifier, cfg.Read.Tokens, cfg.Version = verifier, TokensAs{Role: Auditor}, version
	cfg.Clock = fixedClock(time.Date(2026, 12, 6, 19, 30, 5, 0, time.UTC))
	s := New(cfg)
	defer s.Close()
	view := func() string {
		t.Helper()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer x")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("dashboard: %d\n%s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	contains := func(body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("dashboard lacks %q:\n%s", w, body)
			}
		}
	}
	lacks := func(body string, unwanted ...string) {
		t.Helper()
		for _, u := range unwanted {
			if strings.Contains(body, u) {
				t.Errorf("dashboard has %q:\n%s", u, body)
			}
		}
	}
	running := `<p>A verification is running (started 2026-12-06 19:30:05 UTC): reload this page for its verdict, or run <code>revshare verify</code>.</p>`
	verdict := `<p class="ok">✓ every invariant holds</p>`

	dashboardVerifyWait = 20 * time.Millisecond
	for range 3 {
		body := view()
		contains(body, running)
		lacks(body, verdict, "Checked at")
	}
	if n := verifier.calls.Load(); n != 1 {
		t.Fatalf("three views while it ran started %d verifications, want 1", n)
	}

	verifier.verdicts <- ledger.VerifyResult{OK: true, Entries: 7, HeadHash: "c0ffee", FactLinks: 3, FactHead: "fac7"}
	dashboardVerifyWait = time.Minute // the check ends as soon as it has its verdict
	body := view()
	contains(body, verdict, "<p>7 entries · chain head <code>c0ffee</code></p>\n<p>fact chain head <code>facts:3:fac7</code> (runs, closes, contract versions, final statements, imports)</p>")
	lacks(body, "A verification is running", "Checked at")
	view()
	if n := verifier.calls.Load(); n != 1 {
		t.Fatalf("views of an unchanged book verified %d times, want once", n)
	}

	version.n.Store(2) // a commit
	dashboardVerifyWait = 20 * time.Millisecond
	body = view()
	contains(body, verdict, `<p>Checked at 2026-12-06 19:30:05 UTC: the book has changed since.</p>`, running)
	if n := verifier.calls.Load(); n != 2 {
		t.Fatalf("the changed book was verified %d times in all, want 2", n)
	}

	s.Close() // stops the running check; its cancellation is not a verdict
	body = view()
	contains(body, verdict, `<p>Checked at 2026-12-06 19:30:05 UTC: the book has changed since. Reload this page to check it again.</p>`)
	lacks(body, "A verification is running")
	if n := verifier.calls.Load(); n != 2 {
		t.Fatalf("a closed server started a verification (%d in all, want 2)", n)
	}
}

// failingVerifier cannot verify.
type failingVerifier struct{}

func (failingVerifier) Verify(context.Context, ...ledger.Anchor) (ledger.VerifyResult, error) {
	return ledger.VerifyResult{}, ledger.Errorf(ledger.EINTERNAL, "disk I/O error reading entries")
}

// TestDashboardVerifyError: a check that cannot run says why, in place of
// a verdict.
func TestDashboardVerifyError(t *testing.T) {
	cfg := NewTestConfig(tempdb.Open(t, nil))
	cfg.Read.Verifier, cfg.Read.Tokens = failingVerifier{}, TokensAs{Role: Auditor}
	s := New(cfg)
	defer s.Close()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	want := `<p class="error">disk I/O error reading entries</p>`
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("dashboard: %d, want 200 with %s:\n%s", rec.Code, want, rec.Body)
	}
}

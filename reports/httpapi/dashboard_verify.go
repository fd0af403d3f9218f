package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/revshare/revshare/ledger"
)

// The dashboard's verification runs in the background, one at a time, and
// its verdict is kept with the data version it checked. At a million
// entries verify takes tens of seconds of both cores: a page view that
// waited for it (and dropped it at a timeout) held every visitor for that
// long and verified again on the next visit; now a view waits briefly,
// then shows the verdict it has and that a check is running.

// dashboardVerifyWait bounds how long a dashboard view waits for the
// verification in progress; a small book's finishes well within it.
var dashboardVerifyWait = 2 * time.Second

// dashboardVerify is what the dashboard says of verification.
type dashboardVerify struct {
	Result       *ledger.VerifyResult // the latest verdict; nil before the first
	CheckedAt    string               // when Result's check started
	Stale        bool                 // the book has changed since that check began
	RunningSince string               // a check is running since then; "" when none
	Error        string               // the latest check could not run (not a violation)
}

// verifyMemo holds the server's dashboard verifications: the latest that
// finished and the one running, if any.
type verifyMemo struct {
	mu      sync.Mutex
	last    *verifyRun
	running *verifyRun
	wg      sync.WaitGroup // the running check's goroutine
}

// verifyRun is one verification of the book at a data version.
type verifyRun struct {
	version   int64
	versioned bool          // false without the cache: never reused
	started   time.Time     // by the server's clock, shown
	begun     time.Time     // by the machine's, for the wait
	done      chan struct{} // closed when res and err are set
	res       ledger.VerifyResult
	err       error
}

// checked says whether run's verdict is of the book at version.
func (run *verifyRun) checked(version int64, versioned bool) bool {
	return versioned && run.versioned && run.version == version
}

// dashboardVerification returns the verdict to show: the kept one when the
// book has not changed since it was checked; otherwise it starts a check
// (unless one is running) and waits for it until it is dashboardVerifyWait
// old.
func (s *Server) dashboardVerification(r *http.Request) dashboardVerify {
	version, versioned := int64(0), false
	if !s.cfg.NoCache {
		v, err := s.cfg.Version.DataVersion(r.Context())
		if err != nil {
			return dashboardVerify{Error: ledger.ErrorMessage(err)}
		}
		version, versioned = v, true
	}
	// Wait until the check is dashboardVerifyWait old: the view that starts
	// it waits that long, the views after it no longer.
	if run := s.verifyInBackground(version, versioned); run != nil {
		if left := dashboardVerifyWait - time.Since(run.begun); left > 0 {
			wait := time.NewTimer(left)
			defer wait.Stop()
			select {
			case <-run.done:
			case <-wait.C:
			case <-r.Context().Done():
			}
		}
	}
	return s.verified.report(version, versioned)
}

// verifyInBackground returns the check to wait for: nil when the kept
// verdict is of this version, the running check whatever version it began
// at, or a new one.
func (s *Server) verifyInBackground(version int64, versioned bool) *verifyRun {
	m := &s.verified
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last != nil && m.last.checked(version, versioned) {
		return nil
	}
	if m.running != nil {
		return m.running
	}
	if s.background.Err() != nil { // the server is closing
		return nil
	}
	run := &verifyRun{version: version, versioned: versioned, started: s.clock.Now(), begun: time.Now(), done: make(chan struct{})}
	m.running = run
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		res, err := s.read.Verifier.Verify(s.background)
		m.mu.Lock()
		run.res, run.err = res, err
		m.running = nil
		if !errors.Is(err, context.Canceled) {
			m.last = run
		}
		m.mu.Unlock()
		close(run.done)
	}()
	return run
}

// report is the dashboard's view of the checks for the book at version.
func (m *verifyMemo) report(version int64, versioned bool) dashboardVerify {
	m.mu.Lock()
	defer m.mu.Unlock()
	var d dashboardVerify
	if m.running != nil {
		d.RunningSince = clockText(m.running.started)
	}
	switch last := m.last; {
	case last == nil && d.RunningSince == "":
		d.Error = "the server is stopping: no verification is running"
	case last == nil:
	case last.err != nil:
		d.Error = ledger.ErrorMessage(last.err)
	default:
		d.Result, d.CheckedAt = &last.res, clockText(last.started)
		d.Stale = versioned && !last.checked(version, versioned)
	}
	return d
}

// clockText is a time as the web view shows it.
func clockText(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// Close stops the dashboard's verification if one is running and waits
// for it, so that the databases can be closed after it.
func (s *Server) Close() {
	s.stopBackground()
	s.verified.wg.Wait()
}

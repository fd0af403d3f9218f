// Package storetest is the backend-agnostic test suite of the storage
// services (ledger.Journal, ledger's services.go, contracts.ContractStore),
// one function per service. A backend that implements them all runs them
// all with RunAll (ledger/sqlite and ledger/postgres do); one that
// implements a few runs those from its own tests:
//
//	func TestJournal(t *testing.T) {
//		storetest.RunJournal(t, func(t *testing.T, clock ledger.Clock) ledger.Journal {
//			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), clock)
//			...
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// open must return an empty journal whose "now" comes from clock.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// Opener returns a new, empty journal that reads time from clock.
type Opener func(t *testing.T, clock ledger.Clock) ledger.Journal

// Clock is a settable fake clock.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	tick time.Duration
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// NewTickingClock returns a clock at t that moves forward by tick at every
// call of Now, before it reads (the first call returns t+tick): entries
// posted in separate calls get distinct recorded-at times.
func NewTickingClock(t time.Time, tick time.Duration) *Clock {
	return &Clock{t: t.UTC(), tick: tick}
}

// Now returns the clock's current time, after moving it by its tick.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.tick)
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.UTC()
}

// T0 is the instant the suite's clocks start at.
var T0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// RunJournal runs the suite of ledger.Journal against the backend open
// returns. The suites of the other services are in services.go.
func RunJournal(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"PostAndRead", testPostAndRead},
		{"HashChain", testHashChain},
		{"Idempotency", testIdempotency},
		{"Conflict", testConflict},
		{"InvalidEntries", testInvalidEntries},
		{"BatchAtomic", testBatchAtomic},
		{"ClosePeriods", testClosePeriods},
		{"TrialBalance", testTrialBalance},
		{"LargeAmounts", testLargeAmounts},
		{"Bitemporal", testBitemporal},
		{"AsOfKnownAt", testAsOfKnownAt},
		{"EachEntryFilters", testEachEntryFilters},
		{"EachEntryPagination", testEachEntryPagination},
		{"NotFound", testNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// D parses a date or panics (for tables).
func D(s string) ledger.Date {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Dec parses a decimal or panics (for tables).
func Dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// P is a posting built from strings.
func P(account, amount, currency string) ledger.Posting {
	return ledger.Posting{Account: account, Amount: Dec(amount), Currency: currency}
}

// Sale is a two-posting entry: amount of currency from income:revenue:s:c
// to assets:receivable:s:c.
func Sale(id, date, amount, currency string) ledger.Entry {
	neg := Dec(amount).Neg()
	return ledger.Entry{
		Key:         ledger.Key{Source: "test", ExternalID: id},
		Date:        D(date),
		Description: "sale " + id,
		Postings: []ledger.Posting{
			{Account: "assets:receivable:s:c", Amount: Dec(amount), Currency: currency},
			{Account: "income:revenue:s:c", Amount: neg, Currency: currency},
		},
	}
}

func post(t *testing.T, j ledger.Journal, es ...ledger.Entry) []ledger.PostResult {
	t.Helper()
	res, err := j.Post(context.Background(), es)
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	return res
}

func entries(t *testing.T, j ledger.Journal, f ledger.EntryFilter) []ledger.Entry {
	t.Helper()
	var out []ledger.Entry
	if err := j.EachEntry(context.Background(), f, func(e *ledger.Entry) error {
		out = append(out, *e)
		return nil
	}); err != nil {
		t.Fatalf("EachEntry: %v", err)
	}
	return out
}

func ids(es []ledger.Entry) []int64 {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// WantError fails the test unless err is a *ledger.Error (ledger.ErrorCode,
// ledger.ErrorMessage) of code with exactly the message msg.
func WantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s %q", code, msg)
	}
	if got := ledger.ErrorCode(err); got != code {
		t.Errorf("error code %q, want %q (error: %v)", got, code, err)
	}
	if got := ledger.ErrorMessage(err); got != msg {
		t.Errorf("error message:\n got %q\nwant %q", got, msg)
	}
}

package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
)

// testAsOfKnownAt checks trial balances both as of a date and known at an
// instant on a journal with the shapes that make them hard: two entries in
// one transaction, two transactions at one instant, an entry recorded late
// on a date the account had no posting on (between two it had), and a last
// transaction that does not post to the account.
func testAsOfKnownAt(t *testing.T, open Opener) {
	clock := NewClock(T0)
	j := open(t, clock)
	post(t, j, Sale("1", "2026-03-01", "10", "USD"), Sale("2", "2026-03-03", "20", "USD")) // T0
	clock.Advance(time.Hour)
	post(t, j, Sale("3", "2026-03-05", "5", "USD")) // T0+1h
	post(t, j, Sale("4", "2026-03-04", "7", "USD")) // T0+1h too: the clock did not move
	clock.Advance(time.Hour)
	post(t, j, Sale("5", "2026-03-02", "1", "USD")) // T0+2h, late
	clock.Advance(time.Hour)
	post(t, j, ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "6"}, Date: D("2026-03-06"),
		Postings: []ledger.Posting{P("assets:bank", "2", "USD"), P("income:x", "-2", "USD")}}) // T0+3h
	for _, tc := range []struct {
		known time.Duration
		asOf  string
		want  string // receivable balance, "" when the account has no posting in the view
	}{
		{-time.Nanosecond, "2026-03-31", ""},
		{0, "2026-02-28", ""},
		{0, "2026-03-01", "10"},
		{0, "2026-03-02", "10"},
		{0, "2026-03-03", "30"},
		{0, "2026-03-31", "30"},
		{time.Hour - time.Nanosecond, "2026-03-04", "30"},
		{time.Hour, "2026-03-02", "10"},
		{time.Hour, "2026-03-03", "30"},
		{time.Hour, "2026-03-04", "37"},
		{time.Hour, "2026-03-05", "42"},
		{90 * time.Minute, "2026-03-04", "37"},
		{2 * time.Hour, "2026-02-28", ""},
		{2 * time.Hour, "2026-03-01", "10"},
		{2 * time.Hour, "2026-03-02", "11"},
		{2 * time.Hour, "2026-03-03", "31"},
		{2 * time.Hour, "2026-03-04", "38"},
		{2 * time.Hour, "2026-03-05", "43"},
		{2 * time.Hour, "2026-03-06", "43"},
		{3 * time.Hour, "2026-03-04", "38"},
	} {
		q := ledger.BalanceQuery{KnownAt: T0.Add(tc.known), AsOf: D(tc.asOf)}
		got := ""
		bank := false
		for _, line := range balances(t, j, q) {
			if rest, ok := strings.CutPrefix(line, "assets:receivable:s:c asset "); ok {
				got = strings.TrimSuffix(rest, " USD")
			}
			bank = bank || strings.HasPrefix(line, "assets:bank ")
		}
		if got != tc.want {
			t.Errorf("known at T0%+v, as of %s: receivable %q, want %q", tc.known, tc.asOf, got, tc.want)
		}
		if want := tc.known >= 3*time.Hour && tc.asOf >= "2026-03-06"; bank != want {
			t.Errorf("known at T0%+v, as of %s: bank in the view %v, want %v", tc.known, tc.asOf, bank, want)
		}
	}
}

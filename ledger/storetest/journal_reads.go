package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
)

// balances renders a trial balance as "account type amount currency" lines.
func balances(t *testing.T, j ledger.Journal, q ledger.BalanceQuery) []string {
	t.Helper()
	bs, err := j.TrialBalance(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	sums := map[string]string{}
	for _, b := range bs {
		out = append(out, fmt.Sprintf("%s %s %s %s", b.Account, b.Type, b.Amount.String(), b.Currency))
		sums[b.Currency] = Dec(orZero(sums[b.Currency])).Add(b.Amount).String()
	}
	for c, s := range sums {
		if s != "0" {
			t.Errorf("trial balance total %s %s, want 0", s, c)
		}
	}
	return out
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func testTrialBalance(t *testing.T, open Opener) {
	j := open(t, NewClock(T0))
	if got := balances(t, j, ledger.BalanceQuery{}); len(got) != 0 {
		t.Errorf("empty journal balance %v", got)
	}
	post(t, j,
		Sale("1", "2026-03-01", "10.10", "USD"),
		Sale("2", "2026-03-02", "0.000000000000000001", "USD"),
		Sale("3", "2026-03-03", "1050", "JPY"),
		ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "4"}, Date: D("2026-03-04"), Postings: []ledger.Posting{
			P("expenses:revshare:a:b:c", "2.02", "USD"),
			P("liabilities:revshare:a:b:c", "-2.02", "USD"),
			P("liabilities:revshare:a:b:c", "-99999999999999.999999999999999999", "EUR"),
			P("equity:opening", "99999999999999.999999999999999999", "EUR"),
		}},
	)
	want := []string{
		"assets:receivable:s:c asset 1050 JPY",
		"assets:receivable:s:c asset 10.100000000000000001 USD",
		"equity:opening equity 99999999999999.999999999999999999 EUR",
		"expenses:revshare:a:b:c expense 2.02 USD",
		"income:revenue:s:c income -1050 JPY",
		"income:revenue:s:c income -10.100000000000000001 USD",
		"liabilities:revshare:a:b:c liability -99999999999999.999999999999999999 EUR",
		"liabilities:revshare:a:b:c liability -2.02 USD",
	}
	if got := balances(t, j, ledger.BalanceQuery{}); !reflect.DeepEqual(got, want) {
		t.Errorf("trial balance:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	want = []string{
		"assets:receivable:s:c asset 10.100000000000000001 USD",
		"income:revenue:s:c income -10.100000000000000001 USD",
	}
	if got := balances(t, j, ledger.BalanceQuery{AsOf: D("2026-03-02")}); !reflect.DeepEqual(got, want) {
		t.Errorf("as of 2026-03-02:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// testLargeAmounts: amounts of 18 integer and 18 fractional digits (the
// input limit) and sums of them up to 54 integer digits post, and every
// trial-balance view sums them exactly, past 10^18 and past 10^54 for an
// account's balance (docs/ledger.md).
func testLargeAmounts(t *testing.T, open Opener) {
	clock := NewClock(T0)
	j := open(t, clock)
	const in18 = "999999999999999999.999999999999999999"
	const max54 = "999999999999999999999999999999999999999999999999999999.999999999999999999"
	post(t, j, Sale("1", "2026-03-01", in18, "IDR"), Sale("2", "2026-03-01", in18, "IDR"))
	clock.Advance(time.Hour)
	post(t, j, Sale("3", "2026-03-02", max54, "VND"), Sale("4", "2026-03-03", max54, "VND"),
		Sale("5", "2026-03-03", "-0.000000000000000001", "VND"))
	all := []string{
		"assets:receivable:s:c asset 1999999999999999999.999999999999999998 IDR",
		"assets:receivable:s:c asset 1999999999999999999999999999999999999999999999999999999.999999999999999997 VND",
		"income:revenue:s:c income -1999999999999999999.999999999999999998 IDR",
		"income:revenue:s:c income -1999999999999999999999999999999999999999999999999999999.999999999999999997 VND",
	}
	for _, tc := range []struct {
		name string
		q    ledger.BalanceQuery
		want []string
	}{
		{"all", ledger.BalanceQuery{}, all},
		{"as of", ledger.BalanceQuery{AsOf: D("2026-03-02")}, []string{
			"assets:receivable:s:c asset 1999999999999999999.999999999999999998 IDR",
			"assets:receivable:s:c asset " + max54 + " VND",
			"income:revenue:s:c income -1999999999999999999.999999999999999998 IDR",
			"income:revenue:s:c income -" + max54 + " VND",
		}},
		{"known at", ledger.BalanceQuery{KnownAt: T0}, []string{
			"assets:receivable:s:c asset 1999999999999999999.999999999999999998 IDR",
			"income:revenue:s:c income -1999999999999999999.999999999999999998 IDR",
		}},
		{"known at and as of", ledger.BalanceQuery{KnownAt: T0.Add(time.Hour), AsOf: D("2026-03-31")}, all},
	} {
		if got := balances(t, j, tc.q); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
		}
	}
	es := entries(t, j, ledger.EntryFilter{})
	if got := es[2].Postings[0].Amount.String(); got != max54 {
		t.Errorf("entry 3 reads back %s, want %s", got, max54)
	}
}

func testBitemporal(t *testing.T, open Opener) {
	clock := NewClock(T0)
	j := open(t, clock)
	post(t, j, Sale("jan", "2026-01-15", "100", "USD")) // recorded T0
	clock.Advance(time.Hour)
	post(t, j, Sale("feb", "2026-02-15", "20", "USD")) // recorded T0+1h
	clock.Advance(time.Hour)
	// Recorded later, but effective in January: a back-dated entry.
	post(t, j, Sale("jan-late", "2026-01-20", "3", "USD")) // recorded T0+2h

	tests := []struct {
		name string
		q    ledger.BalanceQuery
		want string // receivable balance, "" when the account has no posting in the view
	}{
		{"everything", ledger.BalanceQuery{}, "123"},
		{"known before anything", ledger.BalanceQuery{KnownAt: T0.Add(-time.Nanosecond)}, ""},
		{"known at first", ledger.BalanceQuery{KnownAt: T0}, "100"},
		{"known just before second", ledger.BalanceQuery{KnownAt: T0.Add(time.Hour - time.Nanosecond)}, "100"},
		{"known at second", ledger.BalanceQuery{KnownAt: T0.Add(time.Hour)}, "120"},
		{"as of january", ledger.BalanceQuery{AsOf: D("2026-01-31")}, "103"},
		{"as of january, known before the late entry", ledger.BalanceQuery{AsOf: D("2026-01-31"), KnownAt: T0.Add(90 * time.Minute)}, "100"},
		{"as of before anything", ledger.BalanceQuery{AsOf: D("2025-12-31")}, ""},
		{"known-at in another zone", ledger.BalanceQuery{KnownAt: T0.Add(time.Hour).In(time.FixedZone("X", 5*3600))}, "120"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			for _, line := range balances(t, j, tc.q) {
				if rest, ok := strings.CutPrefix(line, "assets:receivable:s:c asset "); ok {
					got = strings.TrimSuffix(rest, " USD")
				}
			}
			if got != tc.want {
				t.Errorf("receivable %q, want %q", got, tc.want)
			}
		})
	}
	got := ids(entries(t, j, ledger.EntryFilter{KnownAt: T0.Add(time.Hour)}))
	if !reflect.DeepEqual(got, []int64{1, 2}) {
		t.Errorf("entries known at T0+1h %v, want [1 2]", got)
	}
}

func testEachEntryFilters(t *testing.T, open Opener) {
	clock := NewClock(T0)
	j := open(t, clock)
	e3 := ledger.Entry{Key: ledger.Key{Source: "run", ExternalID: "c1/2026-03"}, Date: D("2026-03-31"),
		Meta: map[string]string{"contract": "c1", "period": "2026-03"},
		Postings: []ledger.Posting{
			P("expenses:revshare:a:b:c1", "5", "USD"),
			P("liabilities:revshare:a:b:c1", "-5", "USD"),
		}}
	post(t, j, Sale("1", "2026-03-01", "1", "USD"), Sale("2", "2026-03-10", "1", "USD"))
	clock.Advance(time.Minute)
	post(t, j, e3, Sale("4", "2026-04-01", "1", "USD"))
	tests := []struct {
		name string
		f    ledger.EntryFilter
		want []int64
	}{
		{"all", ledger.EntryFilter{}, []int64{1, 2, 3, 4}},
		{"from", ledger.EntryFilter{From: D("2026-03-10")}, []int64{2, 3, 4}},
		{"to", ledger.EntryFilter{To: D("2026-03-10")}, []int64{1, 2}},
		{"from-to", ledger.EntryFilter{From: D("2026-03-02"), To: D("2026-03-31")}, []int64{2, 3}},
		{"known at", ledger.EntryFilter{KnownAt: T0}, []int64{1, 2}},
		{"account exact", ledger.EntryFilter{Account: "expenses:revshare:a:b:c1"}, []int64{3}},
		{"account subtree", ledger.EntryFilter{Account: "liabilities:revshare"}, []int64{3}},
		{"account subtree of all", ledger.EntryFilter{Account: "income:revenue"}, []int64{1, 2, 4}},
		{"account prefix is not a parent", ledger.EntryFilter{Account: "income:rev"}, []int64{}},
		{"meta", ledger.EntryFilter{Meta: map[string]string{"contract": "c1"}}, []int64{3}},
		{"meta two keys", ledger.EntryFilter{Meta: map[string]string{"contract": "c1", "period": "2026-04"}}, []int64{}},
		{"after id", ledger.EntryFilter{AfterID: 2}, []int64{3, 4}},
		{"limit", ledger.EntryFilter{Limit: 3}, []int64{1, 2, 3}},
		{"after and limit", ledger.EntryFilter{AfterID: 1, Limit: 2}, []int64{2, 3}},
		{"combined", ledger.EntryFilter{Account: "income:revenue:s", From: D("2026-03-05"), Limit: 1}, []int64{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(entries(t, j, tc.f)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
	es := entries(t, j, ledger.EntryFilter{Meta: map[string]string{"contract": "c1"}})
	if len(es) != 1 || es[0].Content() != e3.Content() {
		t.Errorf("entry 3 read back differs: %+v", es)
	}
}

func testEachEntryPagination(t *testing.T, open Opener) {
	ctx := context.Background()
	j := open(t, NewClock(T0))
	var batch []ledger.Entry
	for i := 1; i <= 2500; i++ {
		e := Sale(fmt.Sprint(i), "2026-03-01", "1", "USD")
		if i%100 == 0 {
			e.Meta = map[string]string{"every": "100"}
		}
		batch = append(batch, e)
	}
	post(t, j, batch...)
	// A sparse filter: each entry still comes with its own postings.
	sparse := entries(t, j, ledger.EntryFilter{Meta: map[string]string{"every": "100"}})
	if len(sparse) != 25 || sparse[0].ID != 100 || sparse[24].ID != 2500 {
		t.Fatalf("sparse filter: %d entries, first %d", len(sparse), sparse[0].ID)
	}
	for _, e := range sparse {
		if len(e.Postings) != 2 || e.Key.ExternalID != fmt.Sprint(e.ID) {
			t.Fatalf("entry %d: key %s, %d postings", e.ID, e.Key, len(e.Postings))
		}
	}
	// Walk with a cursor, 700 at a time, as the REST API does.
	var seen int64
	for after := int64(0); ; {
		page := entries(t, j, ledger.EntryFilter{AfterID: after, Limit: 700})
		for _, e := range page {
			seen++
			if e.ID != seen || len(e.Postings) != 2 {
				t.Fatalf("entry %d at position %d with %d postings", e.ID, seen, len(e.Postings))
			}
		}
		if len(page) < 700 {
			break
		}
		after = page[len(page)-1].ID
	}
	if seen != 2500 {
		t.Errorf("saw %d entries, want 2500", seen)
	}
	// An error from the callback stops the walk and comes back.
	stop := fmt.Errorf("stop")
	n := 0
	err := j.EachEntry(ctx, ledger.EntryFilter{}, func(*ledger.Entry) error {
		n++
		if n == 1500 {
			return stop
		}
		return nil
	})
	if err != stop || n != 1500 {
		t.Errorf("EachEntry stopped after %d with %v, want 1500 and stop", n, err)
	}
}

func testNotFound(t *testing.T, open Opener) {
	j := open(t, NewClock(T0))
	_, err := j.Entry(context.Background(), 1)
	WantError(t, err, ledger.ENOTFOUND, "entry 1 not found")
}

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

func testPostAndRead(t *testing.T, open Opener) {
	ctx := context.Background()
	clock := NewClock(T0)
	j := open(t, clock)
	e := ledger.Entry{
		Key:         ledger.Key{Source: "import", ExternalID: "batch-1"},
		Date:        D("2026-03-15"),
		Description: "March usage, direct",
		Meta:        map[string]string{"batch": "1", "channel": "direct"},
		Postings: []ledger.Posting{
			P("assets:receivable:openai:direct", "1234.50", "USD"),
			P("income:revenue:openai:direct", "-1234.5", "USD"),
			P("assets:receivable:openai:direct", "0.000000000000000001", "EUR"),
			P("income:revenue:openai:direct", "-0.000000000000000001", "EUR"),
		},
	}
	res := post(t, j, e)
	if want := []ledger.PostResult{{ID: 1}}; !reflect.DeepEqual(res, want) {
		t.Fatalf("results %+v, want %+v", res, want)
	}
	got, err := j.Entry(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 1 || got.Key != e.Key || got.Date != e.Date || got.Description != e.Description || got.Reverses != 0 {
		t.Errorf("entry header %+v", got)
	}
	if !reflect.DeepEqual(got.Meta, e.Meta) {
		t.Errorf("meta %v, want %v", got.Meta, e.Meta)
	}
	if !got.RecordedAt.Equal(T0) {
		t.Errorf("recorded at %s, want %s", got.RecordedAt, T0)
	}
	var amounts []string
	for _, p := range got.Postings {
		amounts = append(amounts, p.Account+" "+ledger.FormatAmount(p.Amount)+" "+p.Currency)
	}
	want := []string{
		"assets:receivable:openai:direct 1234.50 USD",
		"income:revenue:openai:direct -1234.5 USD",
		"assets:receivable:openai:direct 0.000000000000000001 EUR",
		"income:revenue:openai:direct -0.000000000000000001 EUR",
	}
	if !reflect.DeepEqual(amounts, want) {
		t.Errorf("postings:\n got %q\nwant %q", amounts, want)
	}
	if got.PrevHash != "" || got.Hash != ledger.ChainHash("", &got) {
		t.Errorf("hash %q prev %q, want %q and empty", got.Hash, got.PrevHash, ledger.ChainHash("", &got))
	}
	if got.Content() != e.Content() {
		t.Errorf("content differs:\n%s\n%s", got.Content(), e.Content())
	}
}

func testHashChain(t *testing.T, open Opener) {
	clock := NewClock(T0)
	j := open(t, clock)
	for i := 1; i <= 5; i++ {
		clock.Advance(time.Second)
		post(t, j, Sale(fmt.Sprint(i), "2026-03-01", "1", "USD"))
	}
	es := entries(t, j, ledger.EntryFilter{})
	prev := ""
	for i, e := range es {
		if e.ID != int64(i+1) {
			t.Fatalf("entry %d has ID %d", i+1, e.ID)
		}
		if e.PrevHash != prev {
			t.Errorf("entry %d prev hash %q, want %q", e.ID, e.PrevHash, prev)
		}
		if h := ledger.ChainHash(prev, &e); e.Hash != h {
			t.Errorf("entry %d hash %q, want %q", e.ID, e.Hash, h)
		}
		if want := T0.Add(time.Duration(i+1) * time.Second); !e.RecordedAt.Equal(want) {
			t.Errorf("entry %d recorded at %s, want %s", e.ID, e.RecordedAt, want)
		}
		prev = e.Hash
	}
}

func testIdempotency(t *testing.T, open Opener) {
	j := open(t, NewClock(T0))
	a := Sale("a", "2026-03-01", "10.50", "USD")
	b := Sale("b", "2026-03-02", "2", "USD")
	if res := post(t, j, a, b, a); !reflect.DeepEqual(res, []ledger.PostResult{{ID: 1}, {ID: 2}, {ID: 1, Duplicate: true}}) {
		t.Errorf("first post: %+v", res)
	}
	// The same amount written with another scale is the same entry.
	a2 := Sale("a", "2026-03-01", "10.5", "USD")
	c := Sale("c", "2026-03-03", "3", "USD")
	if res := post(t, j, c, a2, b); !reflect.DeepEqual(res, []ledger.PostResult{{ID: 3}, {ID: 1, Duplicate: true}, {ID: 2, Duplicate: true}}) {
		t.Errorf("retry: %+v", res)
	}
	if got := ids(entries(t, j, ledger.EntryFilter{})); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
		t.Errorf("entries %v, want [1 2 3]", got)
	}
}

func testConflict(t *testing.T, open Opener) {
	ctx := context.Background()
	j := open(t, NewClock(T0))
	post(t, j, Sale("a", "2026-03-01", "10.50", "USD"))
	tests := []struct {
		name   string
		change func(e *ledger.Entry)
		msg    string
	}{
		{"amount", func(e *ledger.Entry) { e.Postings[0].Amount = Dec("10.51"); e.Postings[1].Amount = Dec("-10.51") },
			`entry "test/a" conflicts with entry 1 posted earlier under the same key: posted "posting=assets:receivable:s:c 10.5 USD", now "posting=assets:receivable:s:c 10.51 USD"`},
		{"date", func(e *ledger.Entry) { e.Date = D("2026-03-02") },
			`entry "test/a" conflicts with entry 1 posted earlier under the same key: posted "date=2026-03-01", now "date=2026-03-02"`},
		{"description", func(e *ledger.Entry) { e.Description = "other" },
			`entry "test/a" conflicts with entry 1 posted earlier under the same key: posted "desc=sale a", now "desc=other"`},
		{"meta", func(e *ledger.Entry) { e.Meta = map[string]string{"k": "v"} },
			`entry "test/a" conflicts with entry 1 posted earlier under the same key: posted "posting=assets:receivable:s:c 10.5 USD", now "meta=k v"`},
		{"extra posting", func(e *ledger.Entry) {
			e.Postings = append(e.Postings, P("assets:cash:x", "1", "EUR"), P("equity:x", "-1", "EUR"))
		}, `entry "test/a" conflicts with entry 1 posted earlier under the same key: posted (nothing), now "posting=assets:cash:x 1 EUR"`},
	}
	t.Run("within one batch", func(t *testing.T) {
		b := Sale("b", "2026-03-01", "1", "USD")
		b2 := Sale("b", "2026-03-01", "2", "USD")
		_, err := j.Post(ctx, []ledger.Entry{b, b2})
		wantError(t, err, ledger.ECONFLICT, `entry "test/b" appears twice in one batch with different content: first "posting=assets:receivable:s:c 1 USD", then "posting=assets:receivable:s:c 2 USD"`)
		if got := ids(entries(t, j, ledger.EntryFilter{})); !reflect.DeepEqual(got, []int64{1}) {
			t.Errorf("entries after conflict %v, want [1]", got)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Sale("a", "2026-03-01", "10.50", "USD")
			tc.change(&e)
			_, err := j.Post(ctx, []ledger.Entry{Sale("new", "2026-03-01", "1", "USD"), e})
			wantError(t, err, ledger.ECONFLICT, tc.msg)
			if got := ids(entries(t, j, ledger.EntryFilter{})); !reflect.DeepEqual(got, []int64{1}) {
				t.Errorf("entries after conflict %v, want [1]", got)
			}
		})
	}
}

// badEntries are entries every backend refuses, with the exact message.
var badEntries = []struct {
	name  string
	entry ledger.Entry
	msg   string
}{
	{"unbalanced", func() ledger.Entry {
		e := Sale("u", "2026-03-01", "10", "USD")
		e.Postings[1].Amount = Dec("-9.99")
		return e
	}(), `entry "test/u" does not balance: postings sum to 0.01 USD`},
	{"unbalanced per currency", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "m"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", "10", "USD"), P("income:x:y", "-10", "EUR")}},
		`entry "test/m" does not balance: postings sum to -10 EUR, 10 USD`},
	{"one posting", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "one"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", "0", "USD")}},
		`entry "test/one": has 1 posting(s), needs at least 2`},
	{"no key", ledger.Entry{Key: ledger.Key{Source: "test"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", "1", "USD"), P("income:x:y", "-1", "USD")}},
		`entry "test/": idempotency key needs a source and an external id`},
	{"no date", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "nd"},
		Postings: []ledger.Posting{P("assets:cash:a", "1", "USD"), P("income:x:y", "-1", "USD")}},
		`entry "test/nd": no effective date`},
	{"bad account", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "ba"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", "1", "USD"), P("revenue:x", "-1", "USD")}},
		`entry "test/ba" posting 2: invalid account "revenue:x": root must be assets, liabilities, equity, income or expenses`},
	{"bad currency", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "bc"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", "1", "usd"), P("income:x:y", "-1", "usd")}},
		`entry "test/bc" posting 1: unknown ISO 4217 currency "usd"`},
	{"19 fractional digits", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "f"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", "0.0000000000000000001", "USD"), P("income:x:y", "-0.0000000000000000001", "USD")}},
		`entry "test/f" posting 1: amount 0.0000000000000000001 has more than 18 fractional digits`},
	{"too large", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "big"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", big54, "USD"), P("income:x:y", "-"+big54, "USD")}},
		`entry "test/big" posting 1: amount ` + big54 + ` is too large (at most 54 integer digits)`},
	{"reverses missing entry", ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "rv"}, Date: D("2026-03-01"), Reverses: 99,
		Postings: []ledger.Posting{P("assets:cash:a", "1", "USD"), P("income:x:y", "-1", "USD")}},
		`entry "test/rv": reverses entry 99, which does not exist`},
}

// big54 is 10^54, the first amount a posting cannot hold.
const big54 = "1000000000000000000000000000000000000000000000000000000"

func testInvalidEntries(t *testing.T, open Opener) {
	ctx := context.Background()
	j := open(t, NewClock(T0))
	post(t, j, Sale("ok", "2026-03-01", "1", "USD"))
	for _, tc := range badEntries {
		t.Run(tc.name, func(t *testing.T) {
			_, err := j.Post(ctx, []ledger.Entry{tc.entry})
			wantError(t, err, ledger.EINVALID, tc.msg)
		})
	}
	if got := ids(entries(t, j, ledger.EntryFilter{})); !reflect.DeepEqual(got, []int64{1}) {
		t.Errorf("entries %v, want [1]", got)
	}
	// Trailing zeros beyond 18 digits are not digits that matter.
	e := ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: "z"}, Date: D("2026-03-01"),
		Postings: []ledger.Posting{P("assets:cash:a", "0.10000000000000000000", "USD"), P("income:x:y", "-0.1", "USD")}}
	post(t, j, e)
}

func testBatchAtomic(t *testing.T, open Opener) {
	ctx := context.Background()
	j := open(t, NewClock(T0))
	bad := Sale("bad", "2026-03-01", "1", "USD")
	bad.Postings[0].Account = "assets"
	_, err := j.Post(ctx, []ledger.Entry{Sale("a", "2026-03-01", "1", "USD"), bad})
	wantError(t, err, ledger.EINVALID, `entry "test/bad" posting 1: invalid account "assets": want root:segment[:segment...]`)
	if got := ids(entries(t, j, ledger.EntryFilter{})); len(got) != 0 {
		t.Errorf("entries %v after a failed batch, want none", got)
	}
	// The chain continues as if the failed batch never happened.
	if res := post(t, j, Sale("a", "2026-03-01", "1", "USD")); res[0].ID != 1 {
		t.Errorf("next ID %d, want 1", res[0].ID)
	}
	// Large batches fail whole too, reporting the first bad entry in order.
	big := func() []ledger.Entry {
		var es []ledger.Entry
		for i := 0; i < 1200; i++ {
			es = append(es, Sale(fmt.Sprintf("big-%d", i), "2026-03-01", "1", "USD"))
		}
		return es
	}
	es := big()
	es[1100].Postings[1].Amount = Dec("-2")
	_, err = j.Post(ctx, es)
	wantError(t, err, ledger.EINVALID, `entry "test/big-1100" does not balance: postings sum to -1 USD`)
	es = big()
	es[300] = Sale("a", "2026-03-01", "2", "USD") // conflicts with entry 1
	es[1100].Postings[1].Amount = Dec("-2")
	_, err = j.Post(ctx, es)
	wantError(t, err, ledger.ECONFLICT, `entry "test/a" conflicts with entry 1 posted earlier under the same key: posted "posting=assets:receivable:s:c 1 USD", now "posting=assets:receivable:s:c 2 USD"`)
	if got := ids(entries(t, j, ledger.EntryFilter{})); !reflect.DeepEqual(got, []int64{1}) {
		t.Errorf("entries %v after failed large batches, want [1]", got)
	}
	res := post(t, j, big()...)
	if len(res) != 1200 || res[0].ID != 2 || res[1199].ID != 1201 {
		t.Errorf("large batch results: %d, first %+v, last %+v", len(res), res[0], res[len(res)-1])
	}
}

func testClosePeriods(t *testing.T, open Opener) {
	ctx := context.Background()
	j := open(t, NewClock(T0))
	if d, err := j.ClosedThrough(ctx); err != nil || !d.IsZero() {
		t.Fatalf("ClosedThrough = %v, %v; want zero", d, err)
	}
	post(t, j, Sale("feb", "2026-02-28", "1", "USD"))
	if err := j.ClosePeriods(ctx, D("2026-02-28")); err != nil {
		t.Fatal(err)
	}
	if err := j.ClosePeriods(ctx, D("2026-02-28")); err != nil {
		t.Errorf("re-closing the same date: %v, want no-op", err)
	}
	err := j.ClosePeriods(ctx, D("2026-01-31"))
	wantError(t, err, ledger.EINVALID, "cannot close through 2026-01-31: the ledger is already closed through 2026-02-28 (closing never moves backwards)")
	if d, _ := j.ClosedThrough(ctx); d != D("2026-02-28") {
		t.Errorf("ClosedThrough = %s, want 2026-02-28", d)
	}
	_, err = j.Post(ctx, []ledger.Entry{Sale("late", "2026-02-28", "1", "USD")})
	wantError(t, err, ledger.EINVALID, `entry "test/late": effective date 2026-02-28 is in a closed period (closed through 2026-02-28)`)
	_, err = j.Post(ctx, []ledger.Entry{Sale("older", "2025-12-31", "1", "USD")})
	wantError(t, err, ledger.EINVALID, `entry "test/older": effective date 2025-12-31 is in a closed period (closed through 2026-02-28)`)
	// A retry of an entry posted before the close is still a duplicate.
	if res := post(t, j, Sale("feb", "2026-02-28", "1", "USD")); !res[0].Duplicate {
		t.Errorf("retry after close: %+v, want duplicate", res)
	}
	post(t, j, Sale("mar", "2026-03-01", "1", "USD"))
	if err := j.ClosePeriods(ctx, D("2026-03-31")); err != nil {
		t.Fatal(err)
	}
	if d, _ := j.ClosedThrough(ctx); d != D("2026-03-31") {
		t.Errorf("ClosedThrough = %s, want 2026-03-31", d)
	}
}

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
	wantError(t, err, ledger.ENOTFOUND, "entry 1 not found")
}

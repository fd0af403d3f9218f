package storetest

import (
	"context"
	"fmt"
	"reflect"
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
		WantError(t, err, ledger.ECONFLICT, `entry "test/b" appears twice in one batch with different content: first "posting=assets:receivable:s:c 1 USD", then "posting=assets:receivable:s:c 2 USD"`)
		if got := ids(entries(t, j, ledger.EntryFilter{})); !reflect.DeepEqual(got, []int64{1}) {
			t.Errorf("entries after conflict %v, want [1]", got)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Sale("a", "2026-03-01", "10.50", "USD")
			tc.change(&e)
			_, err := j.Post(ctx, []ledger.Entry{Sale("new", "2026-03-01", "1", "USD"), e})
			WantError(t, err, ledger.ECONFLICT, tc.msg)
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
			WantError(t, err, ledger.EINVALID, tc.msg)
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
	WantError(t, err, ledger.EINVALID, `entry "test/bad" posting 1: invalid account "assets": want root:segment[:segment...]`)
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
	WantError(t, err, ledger.EINVALID, `entry "test/big-1100" does not balance: postings sum to -1 USD`)
	es = big()
	es[300] = Sale("a", "2026-03-01", "2", "USD") // conflicts with entry 1
	es[1100].Postings[1].Amount = Dec("-2")
	_, err = j.Post(ctx, es)
	WantError(t, err, ledger.ECONFLICT, `entry "test/a" conflicts with entry 1 posted earlier under the same key: posted "posting=assets:receivable:s:c 1 USD", now "posting=assets:receivable:s:c 2 USD"`)
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
	WantError(t, err, ledger.EINVALID, "cannot close through 2026-01-31: the ledger is already closed through 2026-02-28 (closing never moves backwards)")
	if d, _ := j.ClosedThrough(ctx); d != D("2026-02-28") {
		t.Errorf("ClosedThrough = %s, want 2026-02-28", d)
	}
	_, err = j.Post(ctx, []ledger.Entry{Sale("late", "2026-02-28", "1", "USD")})
	WantError(t, err, ledger.EINVALID, `entry "test/late": effective date 2026-02-28 is in a closed period (closed through 2026-02-28)`)
	_, err = j.Post(ctx, []ledger.Entry{Sale("older", "2025-12-31", "1", "USD")})
	WantError(t, err, ledger.EINVALID, `entry "test/older": effective date 2025-12-31 is in a closed period (closed through 2026-02-28)`)
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

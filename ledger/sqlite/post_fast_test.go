package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

func TestChainHasherMatchesLedger(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.FixedZone("X", 3600)),
	} {
		h := newChainHasher(now)
		for _, c := range []struct {
			prev    string
			id      int64
			content string
		}{
			{"", 1, "key=a\x1fb\n"},
			{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 123456789, "x"},
			{"ab", 2, ""},
		} {
			if got, want := h.hash(c.prev, c.id, c.content), ledger.ChainHashOf(c.prev, c.id, now, c.content); got != want {
				t.Errorf("hash(%q, %d, %q) at %v = %s, want %s", c.prev, c.id, c.content, now, got, want)
			}
		}
	}
}

func TestEncodeMetaMatchesJSON(t *testing.T) {
	for _, m := range []map[string]string{
		{"batch": "1", "channel": "azure"},
		{"b": "", "a": "x y", "c": "~!@#$%^*()_+=-[]{}|;:',./?`"},
		{"k": `say "hi"`},
		{"k": `back\slash`},
		{"k": "<script>&"},
		{"k": "tab\there"},
		{"k": "é"},
		{"k": "\u2028"},
		{"k": "bad \xff utf-8"},
		{"é": "v"},
	} {
		got, err := encodeMeta(m)
		want, _ := json.Marshal(m)
		if err != nil || got != string(want) {
			t.Errorf("encodeMeta(%q) = %s, %v, want %s", m, got, err, want)
		}
	}
	if got, _ := encodeMeta(nil); got != "{}" {
		t.Errorf("encodeMeta(nil) = %s", got)
	}
}

// decodeMeta reads what json.Unmarshal reads, its own plain encoding by hand.
func TestDecodeMetaMatchesJSON(t *testing.T) {
	for _, s := range []string{
		`{"a":"1"}`, `{"a":"1","b":""}`, `{"b":"2","a":"1"}`, `{"a":"1","a":"2"}`, `{"":""}`,
		`{"a":"x<y>&z"}`, `{ "a":"1"}`, `{"a" :"1"}`, `{"a":"1",}`, `{"a":"\u00e9"}`, `{"a":"\""}`,
		`{"a":1}`, `{"a":"1"`, `{"a"}`, `{"a":"é"}`, `{"a":"1"}x`, `{,}`, `{"a":"1",,"b":"2"}`, `[]`, `{"a":null}`,
	} {
		got, gotErr := decodeMeta(s)
		var want map[string]string
		wantErr := json.Unmarshal([]byte(s), &want)
		if (gotErr != nil) != (wantErr != nil) || gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("decodeMeta(%s) = %v, %v; json.Unmarshal: %v, %v", s, got, gotErr, want, wantErr)
		}
	}
}

// TestFastAndSlowPostAgree posts the same calls to three journals, one
// through PostEntries' fast path (falling back when it must), one through
// PostEntriesFunc (an import's way) and one through the lookup path only:
// results, errors and chain must agree.
func TestFastAndSlowPostAgree(t *testing.T) {
	ctx := context.Background()
	clock := fixedClock{time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	open := func(slow bool) *DB {
		db, err := Open(ctx, filepath.Join(t.TempDir(), "j.db"), clock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.slowPostOnly = slow
		return db
	}
	fast, built, slow := open(false), open(false), open(true)
	// postBuilt posts entries through PostEntriesFunc and returns how
	// many times each was built.
	postBuilt := func(entries []ledger.Entry) ([]ledger.PostResult, []int, error) {
		var res []ledger.PostResult
		builds := make([]int, len(entries))
		err := built.WithTx(ctx, func(tx *Tx) error {
			var err error
			res, err = tx.PostEntriesFunc(len(entries), func(i int) ledger.Entry {
				builds[i]++
				return entries[i]
			})
			return err
		})
		if err != nil {
			return nil, builds, err
		}
		return res, builds, nil
	}
	// Calls of more than 300 postings flush the stage on the way.
	defer func(n int) { maxStagedPostings = n }(maxStagedPostings)
	maxStagedPostings = 300
	entry := func(n int, amount string) ledger.Entry {
		ch := []string{"direct", "azure", "aws"}[n%3]
		amt := decimal.RequireFromString(amount)
		return ledger.Entry{
			Key:         ledger.Key{Source: "test", ExternalID: fmt.Sprintf("e-%d", n)},
			Date:        date("2026-02-01").AddDays(n % 20),
			Description: "entry " + ch,
			Meta:        map[string]string{"n": fmt.Sprint(n)},
			Postings: []ledger.Posting{
				{Account: "assets:cash:" + ch, Amount: amt, Currency: "USD"},
				{Account: "income:sales:" + ch, Amount: amt.Neg(), Currency: "USD"},
			},
		}
	}
	span := func(from, to int) []ledger.Entry {
		var es []ledger.Entry
		for n := from; n < to; n++ {
			es = append(es, entry(n, fmt.Sprintf("%d.%02d", n, n%100)))
		}
		return es
	}
	calls := []struct {
		name    string
		entries []ledger.Entry
		err     string
	}{
		{"new", span(0, 700), ""},
		{"retry in the last chunk", append(span(700, 1000), entry(650, "650.50")), ""},
		{"retry first", append(span(100, 101), span(1000, 1020)...), ""},
		{"in-call retry across chunks", append(append(span(1020, 1100), entry(1021, "1021.21")), span(1100, 1400)...), ""},
		{"new account in a later chunk", append(span(1400, 1500), ledger.Entry{
			Key: ledger.Key{Source: "test", ExternalID: "new-account"}, Date: date("2026-02-10"),
			Postings: []ledger.Posting{
				{Account: "assets:cash:new", Amount: decimal.NewFromInt(5), Currency: "EUR"},
				{Account: "income:sales:new", Amount: decimal.NewFromInt(-5), Currency: "EUR"},
			}}), ""},
		{"stored key, other content", append(span(1500, 1600), entry(5, "9")), `conflict: entry "test/e-5" conflicts with entry 6 posted earlier under the same key: posted "posting=assets:cash:aws 5.05 USD", now "posting=assets:cash:aws 9 USD"`},
		{"in-call key, other content", append(span(1600, 1700), entry(1650, "1")), `conflict: entry "test/e-1650" appears twice in one batch with different content: first "posting=assets:cash:direct 1650.5 USD", then "posting=assets:cash:direct 1 USD"`},
		{"invalid in a later chunk", append(span(1700, 1800), entry(1800, "1.0000000000000000001")), `invalid: entry "test/e-1800" posting 1: amount 1.0000000000000000001 has more than 18 fractional digits`},
		{"stored key after the stage was flushed", append(span(1900, 2300), entry(7, "9")), `conflict: entry "test/e-7" conflicts with entry 8 posted earlier under the same key: posted "posting=assets:cash:azure 7.07 USD", now "posting=assets:cash:azure 9 USD"`},
		{"invalid after the stage was flushed", append(span(1900, 2300), entry(2300, "1.0000000000000000001")), `invalid: entry "test/e-2300" posting 1: amount 1.0000000000000000001 has more than 18 fractional digits`},
		{"after the errors", span(1700, 1900), ""},
	}
	for _, c := range calls {
		rf, errF := fast.Post(ctx, c.entries)
		rs, errS := slow.Post(ctx, c.entries)
		rb, builds, errB := postBuilt(c.entries)
		if fmt.Sprint(errF) != fmt.Sprint(errS) || !reflect.DeepEqual(rf, rs) {
			t.Fatalf("%s: fast = %v, %v; slow = %v, %v", c.name, len(rf), errF, len(rs), errS)
		}
		if fmt.Sprint(errB) != fmt.Sprint(errS) || !reflect.DeepEqual(rb, rs) {
			t.Fatalf("%s: built = %v, %v; slow = %v, %v", c.name, len(rb), errB, len(rs), errS)
		}
		// The fast path builds each entry once, and once more the first
		// of a key met twice; a fallback builds them all again.
		if c.name == "new" {
			for i, n := range builds {
				if n != 1 {
					t.Errorf("%s: entry %d built %d times, want once", c.name, i, n)
				}
			}
		}
		if got := ""; errF != nil {
			got = ledger.ErrorCode(errF) + ": " + ledger.ErrorMessage(errF)
			if got != c.err {
				t.Errorf("%s: error %q, want %q", c.name, got, c.err)
			}
		} else if c.err != "" {
			t.Errorf("%s: no error, want %q", c.name, c.err)
		}
		var staged int
		if err := fast.w.QueryRowContext(ctx, `SELECT count(*) FROM temp.postings_stage`).Scan(&staged); err != nil || staged != 0 {
			t.Errorf("%s: %d postings left staged, %v", c.name, staged, err)
		}
	}
	vf, err := fast.VerifyReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := slow.VerifyReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := built.VerifyReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if vf != vs || vb != vs || vf.Entries != 1701 {
		t.Errorf("fast journal %+v, built %+v, slow journal %+v, want 1701 entries each", vf, vb, vs)
	}
	bf, _ := fast.TrialBalance(ctx, ledger.BalanceQuery{})
	bs, _ := slow.TrialBalance(ctx, ledger.BalanceQuery{})
	bb, _ := built.TrialBalance(ctx, ledger.BalanceQuery{})
	if !reflect.DeepEqual(bf, bs) || !reflect.DeepEqual(bb, bs) {
		t.Errorf("trial balances differ:\n%v\n%v\n%v", bf, bb, bs)
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var date = ledger.MustParseDate

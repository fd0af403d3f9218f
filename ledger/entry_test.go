package ledger

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func okEntry() Entry {
	return Entry{
		Key:  Key{Source: "import", ExternalID: "b1"},
		Date: Date{2026, time.March, 15},
		Postings: []Posting{
			{Account: "assets:receivable:openai:azure", Amount: dec("100.50"), Currency: "USD"},
			{Account: "income:revenue:openai:azure", Amount: dec("-100.5"), Currency: "USD"},
		},
	}
}

func TestEntryValidate(t *testing.T) {
	good := []struct {
		name   string
		change func(e *Entry)
	}{
		{"two postings", func(e *Entry) {}},
		{"zero amounts", func(e *Entry) { e.Postings[0].Amount, e.Postings[1].Amount = dec("0"), dec("0.00") }},
		{"two currencies each balanced", func(e *Entry) {
			e.Postings = append(e.Postings, Posting{"assets:cash:x", dec("7"), "JPY"}, Posting{"equity:x", dec("-7"), "JPY"})
		}},
		{"three postings one side", func(e *Entry) {
			e.Postings = []Posting{{"assets:a", dec("0.1"), "EUR"}, {"assets:b", dec("0.2"), "EUR"}, {"income:c", dec("-0.3"), "EUR"}}
		}},
		{"18 fractional digits", func(e *Entry) {
			e.Postings[0].Amount, e.Postings[1].Amount = dec("0.000000000000000001"), dec("-0.000000000000000001")
		}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			e := okEntry()
			tc.change(&e)
			if err := e.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestEntryValidateBad(t *testing.T) {
	bad := []struct {
		name   string
		change func(e *Entry)
		want   string
	}{
		{"no source", func(e *Entry) { e.Key.Source = "" }, `entry "/b1": idempotency key needs a source and an external id`},
		{"no external id", func(e *Entry) { e.Key.ExternalID = "" }, `entry "import/": idempotency key needs a source and an external id`},
		{"no date", func(e *Entry) { e.Date = Date{} }, `entry "import/b1": no effective date`},
		{"no postings", func(e *Entry) { e.Postings = nil }, `entry "import/b1": has 0 posting(s), needs at least 2`},
		{"one posting", func(e *Entry) { e.Postings = e.Postings[:1] }, `entry "import/b1": has 1 posting(s), needs at least 2`},
		{"too many postings", func(e *Entry) {
			e.Postings = make([]Posting, MaxPostings+1)
		}, `entry "import/b1": has 10001 postings, at most 10000 allowed`},
		{"unbalanced", func(e *Entry) { e.Postings[1].Amount = dec("-100.49") }, `entry "import/b1" does not balance: postings sum to 0.01 USD`},
		{"unbalanced tiny", func(e *Entry) { e.Postings[1].Amount = dec("-100.499999999999999999") },
			`entry "import/b1" does not balance: postings sum to 0.000000000000000001 USD`},
		{"balanced across currencies only", func(e *Entry) { e.Postings[1].Currency = "EUR" },
			`entry "import/b1" does not balance: postings sum to -100.5 EUR, 100.5 USD`},
		{"account without segment", func(e *Entry) { e.Postings[0].Account = "assets" },
			`entry "import/b1" posting 1: invalid account "assets": want root:segment[:segment...]`},
		{"account unknown root", func(e *Entry) { e.Postings[1].Account = "revenue:x" },
			`entry "import/b1" posting 2: invalid account "revenue:x": root must be assets, liabilities, equity, income or expenses`},
		{"account empty segment", func(e *Entry) { e.Postings[0].Account = "assets::x" },
			`entry "import/b1" posting 1: invalid account "assets::x": empty segment`},
		{"account upper case", func(e *Entry) { e.Postings[0].Account = "assets:Cash" },
			`entry "import/b1" posting 1: invalid account "assets:Cash": character 'C' not allowed (use a-z 0-9 - _ .)`},
		{"account space", func(e *Entry) { e.Postings[0].Account = "assets:petty cash" },
			`entry "import/b1" posting 1: invalid account "assets:petty cash": character ' ' not allowed (use a-z 0-9 - _ .)`},
		{"currency lower case", func(e *Entry) { e.Postings[0].Currency = "usd" },
			`entry "import/b1" posting 1: unknown ISO 4217 currency "usd"`},
		{"currency unknown", func(e *Entry) { e.Postings[1].Currency = "XXX" },
			`entry "import/b1" posting 2: unknown ISO 4217 currency "XXX"`},
		{"currency empty", func(e *Entry) { e.Postings[1].Currency = "" },
			`entry "import/b1" posting 2: unknown ISO 4217 currency ""`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e := okEntry()
			tc.change(&e)
			err := e.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			if ErrorCode(err) != EINVALID {
				t.Errorf("code %q, want %q", ErrorCode(err), EINVALID)
			}
			if err.Error() != tc.want {
				t.Errorf("Validate():\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

// The canonical content and chain hash are a stored format: a change to
// them breaks every existing journal's verification. These golden values
// pin them.
func TestContentAndChainHashGolden(t *testing.T) {
	e := okEntry()
	e.Description = "March, azure"
	e.Meta = map[string]string{"z": "last", "batch": "7"}
	e.Reverses = 3
	e.ID = 42
	e.RecordedAt = time.Date(2026, 4, 1, 9, 30, 0, 123456789, time.FixedZone("X", 3600))
	wantContent := "key=import\x1fb1\ndate=2026-03-15\ndesc=March, azure\nreverses=3\n" +
		"meta=batch\x1f7\nmeta=z\x1flast\n" +
		"posting=assets:receivable:openai:azure\x1f100.5\x1fUSD\nposting=income:revenue:openai:azure\x1f-100.5\x1fUSD\n"
	if got := e.Content(); got != wantContent {
		t.Errorf("Content:\n got %q\nwant %q", got, wantContent)
	}
	const wantHash = "d79f99cee7d2bae5ce1bc8b40224cb6455f97b7a1910e5c50832f8efaf404e0f"
	if got := ChainHash("abc", &e); got != wantHash {
		t.Errorf("ChainHash = %s, want %s", got, wantHash)
	}
	// Scale does not matter: 100.50 and 100.5 are the same content.
	f := e
	f.Postings = []Posting{e.Postings[0], {Account: e.Postings[1].Account, Amount: dec("-100.50"), Currency: "USD"}}
	if f.Content() != e.Content() {
		t.Error("content depends on the scale of an amount")
	}
	// Everything else does.
	for name, change := range map[string]func(x *Entry){
		"prev":     func(x *Entry) {},
		"id":       func(x *Entry) { x.ID++ },
		"recorded": func(x *Entry) { x.RecordedAt = x.RecordedAt.Add(time.Nanosecond) },
		"date":     func(x *Entry) { x.Date = Date{2026, time.March, 16} },
		"desc":     func(x *Entry) { x.Description += "." },
		"meta":     func(x *Entry) { x.Meta = map[string]string{"batch": "8", "z": "last"} },
		"reverses": func(x *Entry) { x.Reverses = 0 },
		"account":  func(x *Entry) { x.Postings = []Posting{{"assets:x", dec("100.5"), "USD"}, e.Postings[1]} },
		"key":      func(x *Entry) { x.Key.ExternalID = "b2" },
	} {
		x := e
		change(&x)
		prev := "abc"
		if name == "prev" {
			prev = "abd"
		}
		if ChainHash(prev, &x) == wantHash {
			t.Errorf("changing %s leaves the hash unchanged", name)
		}
	}
}

func TestSortedKeys(t *testing.T) {
	debits := map[string]int{"USD": 1, "EUR": 2}
	credits := map[string]int{"JPY": 3, "USD": 4}
	for _, tc := range []struct {
		maps []map[string]int
		want string
	}{
		{[]map[string]int{debits}, "[EUR USD]"},
		{[]map[string]int{debits, credits}, "[EUR JPY USD]"},
		{[]map[string]int{{}, nil}, "[]"},
	} {
		got := SortedKeys(tc.maps...)
		if fmt.Sprint(got) != tc.want || got == nil {
			t.Errorf("SortedKeys(%v) = %#v, want %s (never nil)", tc.maps, got, tc.want)
		}
	}
}

// Content sorts the meta keys on the stack up to eight and in a grown
// slice beyond; both give the keys in increasing order.
func TestContentMetaKeysSorted(t *testing.T) {
	for _, n := range []int{0, 1, 8, 9, 12} {
		e := okEntry()
		e.Meta = map[string]string{}
		want := ""
		for i := range n {
			e.Meta[fmt.Sprintf("k%02d", n-1-i)] = fmt.Sprint(i)
		}
		for i := range n {
			want += fmt.Sprintf("meta=k%02d\x1f%d\n", i, n-1-i)
		}
		want = "key=import\x1fb1\ndate=2026-03-15\ndesc=\nreverses=0\n" + want +
			"posting=assets:receivable:openai:azure\x1f100.5\x1fUSD\nposting=income:revenue:openai:azure\x1f-100.5\x1fUSD\n"
		if got := e.Content(); got != want {
			t.Errorf("%d keys: Content:\n got %q\nwant %q", n, got, want)
		}
	}
}

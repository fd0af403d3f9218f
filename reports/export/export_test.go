package export

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// awkwardOptions exports from 2026-01-16 (so an opening transaction carries
// entry 1) with a checkpoint at the end of January.
func awkwardOptions(es []ledger.Entry) Options {
	return Options{
		From:        d("2026-01-16"),
		Opening:     trialBalance(es, d("2026-01-15")),
		Checkpoints: []Checkpoint{{Date: d("2026-01-31"), Balances: trialBalance(es, d("2026-01-31"))}},
		Header:      []string{"from 2026-01-16"},
	}
}

// TestWriteGolden pins the exact text of each format; the same files are
// read by the real tools in tools_test.go.
func TestWriteGolden(t *testing.T) {
	es := awkwardEntries()
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, sliceSource(es), awkwardOptions(es)); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "awkward", "journal."+string(f))
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("output differs from %s (run go test -update to accept):\n%s", golden, got)
			}
		})
	}
}

func TestWriteWholeLedgerWithoutOptions(t *testing.T) {
	es := awkwardEntries()[:1]
	// hledger and ledger read the same journal text; only hledger's header
	// declares the decimal mark.
	const journal = `2026-01-15 * Usage: openai on azure, January
    ; entry_id: 1
    ; key_source: import
    ; key_external_id: ev-1
    ; recorded_at: 2026-03-01T09:30:00.123456789Z
    ; hash: aa01
    ; batch: 1
    ; contract: openai-microsoft
    assets:receivable:openai:azure  1234567.123456789012345678 USD
    income:revenue:openai:azure  -1234567.123456789012345678 USD

; accounts and commodities used above
account assets:receivable:openai:azure
account income:revenue:openai:azure
commodity USD
`
	want := map[Format]string{
		Hledger: "; revshare ledger export, hledger format\n\ndecimal-mark .\n\n" + journal,
		Ledger:  "; revshare ledger export, ledger format\n\n" + journal,
		Beancount: `; revshare ledger export, beancount format

option "title" "revshare ledger"

2026-01-15 * "Usage: openai on azure, January"
  entry_id: "1"
  key_source: "import"
  key_external_id: "ev-1"
  recorded_at: "2026-03-01T09:30:00.123456789Z"
  hash: "aa01"
  batch: "1"
  contract: "openai-microsoft"
  Assets:Receivable:Openai:Azure  1234567.123456789012345678 USD
  Income:Revenue:Openai:Azure  -1234567.123456789012345678 USD

; accounts and commodities used above
2026-01-15 open Assets:Receivable:Openai:Azure
2026-01-15 open Income:Revenue:Openai:Azure
2026-01-15 commodity USD
`,
	}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, sliceSource(es), Options{}); err != nil {
			t.Fatal(err)
		}
		if buf.String() != want[f] {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", f, buf.String(), want[f])
		}
	}
}

func TestWriteSegmentsByCheckpoint(t *testing.T) {
	// Entries are read once per interval between checkpoints, so that an
	// assertion follows exactly the entries dated up to it (ledger checks
	// assertions in file order).
	es := awkwardEntries()
	var calls []string
	src := func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		calls = append(calls, fmt.Sprintf("[%s,%s]", from, to))
		return sliceSource(es)(from, to, fn)
	}
	opts := Options{To: d("2026-02-28"), Checkpoints: []Checkpoint{
		{Date: d("2026-01-15"), Balances: trialBalance(es, d("2026-01-15"))},
		{Date: d("2026-01-31"), Balances: trialBalance(es, d("2026-01-31"))},
	}}
	if err := Write(io.Discard, Ledger, src, opts); err != nil {
		t.Fatal(err)
	}
	want := "[0000-00-00,2026-01-15] [2026-01-16,2026-01-31] [2026-02-01,2026-02-28]"
	if got := strings.Join(calls, " "); got != want {
		t.Errorf("source calls = %s, want %s", got, want)
	}
	calls = nil
	opts.Checkpoints = append(opts.Checkpoints, Checkpoint{Date: d("2026-02-28")})
	if err := Write(io.Discard, Ledger, src, opts); err != nil {
		t.Fatal(err)
	}
	want = "[0000-00-00,2026-01-15] [2026-01-16,2026-01-31] [2026-02-01,2026-02-28]"
	if got := strings.Join(calls, " "); got != want {
		t.Errorf("with a checkpoint on To: source calls = %s, want %s", got, want)
	}
}

func TestWriteErrors(t *testing.T) {
	es := awkwardEntries()
	badAccount := []ledger.Entry{{ID: 7, Date: d("2026-01-01"), Postings: []ledger.Posting{post("Assets:X", "1", "USD"), post("income:x", "-1", "USD")}}}
	badCurrency := []ledger.Entry{{ID: 8, Date: d("2026-01-01"), Postings: []ledger.Posting{post("assets:x", "1", "XYZ"), post("income:x", "-1", "XYZ")}}}
	noPostings := []ledger.Entry{{ID: 9, Date: d("2026-01-01")}}
	lying := func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		return fn(&es[1]) // dated 2026-02-03 whatever was asked
	}
	tests := []struct {
		name   string
		format Format
		src    Source
		opts   Options
		want   string
	}{
		{"unknown format", "gnucash", sliceSource(es), Options{}, `unknown export format "gnucash" (want hledger, ledger or beancount)`},
		{"to before from", Hledger, sliceSource(es), Options{From: d("2026-02-01"), To: d("2026-01-31")}, "export: --to 2026-01-31 is before --from 2026-02-01"},
		{"opening without from", Hledger, sliceSource(es), Options{Opening: trialBalance(es, ledger.Date{})}, "export: opening balances need a start date"},
		{"unbalanced opening", Hledger, sliceSource(es), Options{From: d("2026-02-01"), Opening: trialBalance(es, ledger.Date{})[:1]}, "export: opening balances in USD sum to -100000.1, not zero"},
		{"checkpoint without date", Hledger, sliceSource(es), Options{Checkpoints: []Checkpoint{{}}}, "export: checkpoint 1 has no date"},
		{"checkpoints out of order", Hledger, sliceSource(es), Options{Checkpoints: []Checkpoint{{Date: d("2026-02-01")}, {Date: d("2026-02-01")}}}, "export: checkpoints must be in increasing date order (2026-02-01 after 2026-02-01)"},
		{"checkpoint after to", Hledger, sliceSource(es), Options{To: d("2026-01-31"), Checkpoints: []Checkpoint{{Date: d("2026-02-01")}}}, "export: checkpoint 2026-02-01 is outside the exported dates"},
		{"checkpoint before from", Beancount, sliceSource(es), Options{From: d("2026-01-31"), Checkpoints: []Checkpoint{{Date: d("2026-01-30")}}}, "export: checkpoint 2026-01-30 is outside the exported dates"},
		{"invalid account", Beancount, sliceSource(badAccount), Options{}, `export: entry 7: invalid account "Assets:X": character 'A' not allowed (use a-z 0-9 - _ .)`},
		{"invalid account hledger", Hledger, sliceSource(badAccount), Options{}, `export: entry 7: invalid account "Assets:X": character 'A' not allowed (use a-z 0-9 - _ .)`},
		{"invalid currency", Ledger, sliceSource(badCurrency), Options{}, `export: entry 8: unknown ISO 4217 currency "XYZ"`},
		{"no postings", Ledger, sliceSource(noPostings), Options{}, "export: entry 9 has no postings"},
		{"entry outside dates", Hledger, lying, Options{To: d("2026-01-31")}, "export: entry 2 dated 2026-02-03 is outside the requested dates [0000-00-00, 2026-01-31]"},
		{"checkpoint disagrees with the entries", Ledger, sliceSource(es), Options{Checkpoints: []Checkpoint{{Date: d("2026-01-31"), Balances: offBy(trialBalance(es, d("2026-01-31")), "assets:cash:_odd.party-x", "0.01")}}},
			"export: at the end of 2026-01-31, assets:cash:_odd.party-x USD: the exported entries sum to -100000.1, the trial balance says -100000.09"},
		{"checkpoint has a balance the entries lack", Ledger, sliceSource(es), Options{Checkpoints: []Checkpoint{{Date: d("2026-01-31"), Balances: append(trialBalance(es, d("2026-01-31")), ledger.Balance{Account: "equity:x", Currency: "EUR", Amount: amt("1")})}}},
			"export: at the end of 2026-01-31, equity:x EUR: the exported entries sum to 0, the trial balance says 1"},
		{"invalid account in checkpoint", Beancount, sliceSource(nil), Options{Checkpoints: []Checkpoint{{Date: d("2026-01-31"), Balances: []ledger.Balance{{Account: "nope", Currency: "USD"}}}}},
			`export: balances at 2026-01-31: invalid account "nope": want root:segment[:segment...]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(io.Discard, tt.format, tt.src, tt.opts)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
			// A trial balance that disagrees with the entries is the
			// store's inconsistency, not the caller's mistake.
			want := ledger.EINVALID
			if strings.Contains(tt.want, "trial balance says") {
				want = ledger.EINTERNAL
			}
			if ledger.ErrorCode(err) != want {
				t.Errorf("code = %q, want %q", ledger.ErrorCode(err), want)
			}
		})
	}
}

func offBy(bs []ledger.Balance, account, delta string) []ledger.Balance {
	for i := range bs {
		if bs[i].Account == account {
			bs[i].Amount = bs[i].Amount.Add(amt(delta))
		}
	}
	return bs
}

// TestWriteCheckpointWithoutBalances asserts the sums of what was written:
// the same text as with the trial balance given.
func TestWriteCheckpointWithoutBalances(t *testing.T) {
	es := awkwardEntries()
	for _, f := range Formats {
		var given, computed bytes.Buffer
		opts := awkwardOptions(es)
		if err := Write(&given, f, sliceSource(es), opts); err != nil {
			t.Fatal(err)
		}
		opts.Checkpoints[0].Balances = nil
		if err := Write(&computed, f, sliceSource(es), opts); err != nil {
			t.Fatal(err)
		}
		if given.String() != computed.String() {
			t.Errorf("%s: asserting the running sums gives\n%s\nwant\n%s", f, computed.String(), given.String())
		}
	}
}

func TestWritePassesSourceAndWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	src := func(from, to ledger.Date, fn func(*ledger.Entry) error) error { return boom }
	if err := Write(io.Discard, Hledger, src, Options{}); err != boom {
		t.Errorf("source error: got %v, want %v", err, boom)
	}
	if err := Write(failingWriter{boom}, Beancount, sliceSource(awkwardEntries()), Options{}); err != boom {
		t.Errorf("writer error: got %v, want %v", err, boom)
	}
	// A failed writer (a closed pipe) stops the stream once the buffer
	// fills, instead of reading the rest of the ledger.
	read := 0
	counting := func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		return generatedSource(1000000)(from, to, func(e *ledger.Entry) error {
			read++
			return fn(e)
		})
	}
	if err := Write(failingWriter{boom}, Ledger, counting, Options{}); err != boom {
		t.Errorf("writer error on a long stream: got %v, want %v", err, boom)
	}
	if read > 5000 {
		t.Errorf("%d entries read after the writer failed; want the stream stopped at the first full buffer", read)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestBeancountAccount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"assets:receivable:openai:azure", "Assets:Receivable:Openai:Azure"},
		{"liabilities:revshare:openai:microsoft:openai-microsoft", "Liabilities:Revshare:Openai:Microsoft:Openai-microsoft"},
		{"equity:opening", "Equity:Opening"},
		{"income:revenue:x:y", "Income:Revenue:X:Y"},
		{"expenses:a_b.c", "Expenses:AUbDc"},
		{"assets:cash:_", "Assets:Cash:XL"},
		{"assets:cash:_x", "Assets:Cash:XLx"},
		{"assets:cash:x_", "Assets:Cash:XU"},
		{"assets:cash:.x", "Assets:Cash:XPx"},
		{"assets:cash:-x", "Assets:Cash:XMx"},
		{"assets:cash:x-", "Assets:Cash:X-"},
		{"assets:cash:9lives", "Assets:Cash:9lives"},
		{"assets:cash:a--b__c..d", "Assets:Cash:A--bUUcDDd"},
	}
	for _, tt := range tests {
		got, err := BeancountAccount(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("BeancountAccount(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		back, err := AccountFromBeancount(got)
		if err != nil || back != tt.in {
			t.Errorf("AccountFromBeancount(%q) = %q, %v; want %q", got, back, err, tt.in)
		}
	}
}

func TestBeancountAccountBad(t *testing.T) {
	bad := []struct{ in, want string }{
		{"assets", `invalid account "assets": want root:segment[:segment...]`},
		{"cash:x", `invalid account "cash:x": root must be assets, liabilities, equity, income or expenses`},
		{"assets:X", `invalid account "assets:X": character 'X' not allowed (use a-z 0-9 - _ .)`},
	}
	for _, tt := range bad {
		_, err := BeancountAccount(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("BeancountAccount(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
	badBack := []struct{ in, want string }{
		{"Cash:X", `beancount account "Cash:X" is not an exported revshare account: unknown root`},
		{"Assets:x", `beancount account "Assets:x" is not an exported revshare account: component must start with a capital letter or a digit`},
		{"Assets:AB", `beancount account "Assets:AB" is not an exported revshare account: unexpected character 'B'`},
		{"Assets", `beancount account "Assets" is not an exported revshare account: invalid account "assets": want root:segment[:segment...]`},
	}
	for _, tt := range badBack {
		_, err := AccountFromBeancount(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("AccountFromBeancount(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// TestBeancountAccountInjective maps random segments over the whole
// alphabet and checks that distinct names give distinct beancount names and
// that every one maps back. A failure prints the seed.
func TestBeancountAccountInjective(t *testing.T) {
	const alphabet = "abcdxyzlmpud0129-_."
	seed := int64(20261127)
	rng := rand.New(rand.NewSource(seed))
	seen := map[string]string{}
	for i := 0; i < 50000; i++ {
		seg := make([]byte, 1+rng.Intn(5))
		for j := range seg {
			seg[j] = alphabet[rng.Intn(len(alphabet))]
		}
		name := "assets:" + string(seg)
		bc, err := BeancountAccount(name)
		if err != nil {
			t.Fatalf("seed %d: BeancountAccount(%q): %v", seed, name, err)
		}
		if other, ok := seen[bc]; ok && other != name {
			t.Fatalf("seed %d: %q and %q both map to %q", seed, name, other, bc)
		}
		seen[bc] = name
		back, err := AccountFromBeancount(bc)
		if err != nil || back != name {
			t.Fatalf("seed %d: AccountFromBeancount(%q) = %q, %v; want %q", seed, bc, back, err, name)
		}
	}
}

func TestMetaKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"contract", "contract"},
		{"late", "late"},
		{"prior_period", "prior_period"},
		{"entry_id", "meta-656e7472795f6964"},
		{"date", "meta-64617465"},
		{"Contract", "meta-436f6e7472616374"},
		{"a-b", "meta-612d62"},
		{"9x", "meta-3978"},
		{"", "meta-"},
	}
	for _, tt := range tests {
		if got := MetaKey(tt.in); got != tt.want {
			t.Errorf("MetaKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
		back, ok := MetaKeyFromExport(tt.want)
		if !ok || back != tt.in {
			t.Errorf("MetaKeyFromExport(%q) = %q, %v; want %q", tt.want, back, ok, tt.in)
		}
	}
	for _, name := range []string{"entry_id", "meta-6", "meta-zz", "meta-436F", "meta-636f6e7472616374", "Bad"} {
		if k, ok := MetaKeyFromExport(name); ok {
			t.Errorf("MetaKeyFromExport(%q) = %q, true; want not ok", name, k)
		}
	}
}

func TestJournalTextRoundTrip(t *testing.T) {
	tests := []struct {
		in         string
		desc, meta string
	}{
		{"Usage, March", "Usage, March", "Usage%2C March"},
		{"(refund); 100%", "%28refund)%3B 100%25", "(refund); 100%25"},
		{" padded ", "%20padded%20", "%20padded%20"},
		{"a\tb\nc\r\x7f", "a%09b%0Ac%0D%7F", "a%09b%0Ac%0D%7F"},
		{":typed [2026-01-01]", ":typed [2026-01-01]", "%3Atyped %5B2026-01-01%5D"},
		{"ünïcode €", "ünïcode €", "ünïcode €"},
		{"bad \xff utf8", "bad %FF utf8", "bad %FF utf8"},
		{"", "", ""},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			kind textKind
			want string
		}{{descText, tt.desc}, {valueText, tt.meta}} {
			got := string(appendJournalText(nil, tt.in, c.kind))
			if got != c.want {
				t.Errorf("encode(%q, %d) = %q, want %q", tt.in, c.kind, got, c.want)
			}
			back, err := DecodeText(got)
			if err != nil || back != tt.in {
				t.Errorf("DecodeText(%q) = %q, %v; want %q", got, back, err, tt.in)
			}
		}
	}
	for _, s := range []string{"%", "%4", "%zz", "a%g0"} {
		if _, err := DecodeText(s); err == nil || err.Error() != fmt.Sprintf("bad percent-encoding in %q", s) {
			t.Errorf("DecodeText(%q) error = %v", s, err)
		}
	}
}

func TestBeancountString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `"plain"`},
		{"q\"b\\n\nr\rt\t", `"q\"b\\n\nr\rt\t"`},
		{"bad \xff", "\"bad \uFFFD\""},
	}
	for _, tt := range tests {
		if got := string(appendBeancountString(nil, tt.in)); got != tt.want {
			t.Errorf("appendBeancountString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// generatedSource produces n entries on the fly, holding none of them, so a
// test can check that Write's memory does not grow with the entry count.
func generatedSource(n int) Source {
	return func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		e := ledger.Entry{Key: ledger.Key{Source: "gen"}, Meta: map[string]string{"contract": "c1"}}
		e.Postings = make([]ledger.Posting, 2)
		for i := 1; i <= n; i++ {
			e.ID = int64(i)
			e.Key.ExternalID = fmt.Sprint(i)
			e.Date = d("2026-01-01").AddDays(i % 365)
			e.Description = "generated"
			seller := fmt.Sprintf("s%d", i%50)
			a := amt(fmt.Sprintf("%d.%02d", i%100000, i%100))
			e.Postings[0] = ledger.Posting{Account: ledger.ReceivableAccount(seller, "direct"), Amount: a, Currency: "USD"}
			e.Postings[1] = ledger.Posting{Account: ledger.RevenueAccount(seller, "direct"), Amount: a.Neg(), Currency: "USD"}
			if err := fn(&e); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestWriteMemoryDoesNotGrowWithEntries(t *testing.T) {
	heapAfter := func(n int) uint64 {
		var ms runtime.MemStats
		var peak uint64
		counting := &countingWriter{every: 1 << 20, probe: func() {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak {
				peak = ms.HeapInuse
			}
		}}
		if err := Write(counting, Beancount, generatedSource(n), Options{}); err != nil {
			t.Fatal(err)
		}
		return peak
	}
	small := heapAfter(20000)
	large := heapAfter(200000)
	// Ten times the entries may not need ten times the memory: allow 8 MiB
	// of noise (GC timing) over the small run.
	if large > small+8<<20 {
		t.Errorf("peak heap in use: %d bytes for 20,000 entries, %d for 200,000", small, large)
	}
}

type countingWriter struct {
	n, every int
	probe    func()
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.n >= w.every {
		w.n = 0
		w.probe()
	}
	return len(p), nil
}

func BenchmarkWrite(b *testing.B) {
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, f, generatedSource(10000), Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package usage

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// FuzzReader: no input makes the reader panic or loop; every error names
// the file and a line; every row without errors is a valid event.
func FuzzReader(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "usage", dir, "*.csv"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(e *RowError) {
			if e.Line < 1 || !strings.HasPrefix(e.Error(), "f.csv:") || e.Reason == "" {
				t.Fatalf("bad error %#v", e)
			}
		}
		rd, err := NewReader(strings.NewReader(string(data)), "f.csv", nil)
		if err != nil {
			es := asRowErrors(t, "NewReader", err)
			if len(es) == 0 {
				t.Fatalf("NewReader: %v", err)
			}
			for _, e := range es {
				check(e)
			}
			return
		}
		var row Row
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatal("more rows than bytes")
			}
			err := rd.Next(&row)
			if err == io.EOF {
				return
			}
			if err != nil {
				for _, e := range asRowErrors(t, "Next", err) {
					check(e)
				}
				return
			}
			for _, e := range row.Errors {
				check(e)
			}
			if len(row.Errors) > 0 {
				continue
			}
			ev := &row.Event
			if ev.EventID == "" || ev.Seller == "" || ev.Channel == "" || !ledger.IsCurrency(ev.Currency) || ev.OccurredAt.IsZero() {
				t.Fatalf("invalid event accepted: %+v", ev)
			}
			if ev.Quantity != nil && ev.UnitPrice != nil && !ev.Quantity.Mul(*ev.UnitPrice).Equal(ev.Amount) {
				t.Fatalf("amount %s is not %s × %s", ev.Amount, ev.Quantity, ev.UnitPrice)
			}
			if d, reason := ParseDecimal(row.AmountText, DefaultNumber); reason != "" || !d.Equal(ev.Amount) || ledger.FormatAmount(d) != row.AmountText {
				t.Fatalf("amount text %q for %s (%s)", row.AmountText, ev.Amount, reason)
			}
		}
	})
}

// FuzzParseDecimal: whatever ParseDecimal accepts, shopspring/decimal reads
// as the same value, and its canonical text round-trips.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-12.340", "+7", "1,234.50", "0.000000000000000001", "123456789012345678901234567890.5", "-0.00", "007"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, reason := ParseDecimal(s, DefaultNumber)
		if reason != "" {
			return
		}
		want, err := decimal.NewFromString(strings.TrimSpace(s))
		if err != nil || !want.Equal(d) {
			t.Fatalf("ParseDecimal(%q) = %s, decimal says %s (%v)", s, d, want, err)
		}
		back, reason := ParseDecimal(ledger.FormatAmount(d), DefaultNumber)
		if reason != "" || !back.Equal(d) || !isCanonicalDecimal(ledger.FormatAmount(d)) && !d.IsZero() {
			t.Fatalf("round trip of %q: %s %q", s, back, reason)
		}
	})
}

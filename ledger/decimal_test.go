package ledger

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseDecimal(t *testing.T) {
	good := map[string]string{"0": "0", "-12.50": "-12.5", "1234.5": "1234.5", "0.000000000000000001": "0.000000000000000001",
		"999999999999999999.999999999999999999": "999999999999999999.999999999999999999"}
	for in, want := range good {
		d, err := ParseDecimal(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	bad := []struct{ in, want string }{
		{"", `"": empty number`},
		{"+5", `"+5": not a decimal number (a leading '+' is not allowed: write 5)`},
		{"1e3", `"1e3": not a decimal number (exponents are not allowed)`},
		{"-2E-4", `"-2E-4": not a decimal number (exponents are not allowed)`},
		{".5", `".5": not a decimal number (want digits before the decimal point, as in 0.50)`},
		{"5.", `"5.": not a decimal number (want digits after the decimal point)`},
		{"-", `"-": not a decimal number`},
		{" 5", `" 5": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"1,000", `"1,000": thousands separator "," not allowed (write 1234.50)`},
		{"1 234.50", `"1 234.50": thousands separator " " not allowed (write 1234.50)`},
		{"1,2", `"1,2": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"1.2.3", `"1.2.3": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"NaN", `"NaN": NaN and infinity are not amounts`},
		{"-Inf", `"-Inf": NaN and infinity are not amounts`},
		{"--5", `"--5": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`},
		{"1.0000000000000000001", `"1.0000000000000000001": more than 18 fractional digits`},
		{"1234567890123456789", `"1234567890123456789": more than 18 digits before the decimal point`},
	}
	for _, tt := range bad {
		_, err := ParseDecimal(tt.in)
		if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.want {
			t.Errorf("ParseDecimal(%q): %v, want %s", tt.in, err, tt.want)
		}
	}
}

// TestParseDecimalValue: the value and the scale are decimal.NewFromString's,
// on the int64 path (at most 18 digits) and beyond it.
func TestParseDecimalValue(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.00", "-0.50", "10.50", "007", "123456789012345678", "-999999999999999999",
		"12345678901234567.8", "0.000000000000000001", "1234567890.123456789", "999999999999999999.999999999999999999",
		"-123456789012345678.123456789012345678"} {
		d, err := ParseDecimal(s)
		want := decimal.RequireFromString(s)
		if err != nil || !d.Equal(want) || d.Exponent() != want.Exponent() {
			t.Errorf("ParseDecimal(%q) = %s (exponent %d), %v; want %s (exponent %d)", s, d, d.Exponent(), err, want, want.Exponent())
		}
	}
}

// TestParsePlainDecimal: stored values are read by the grammar's form
// without its digit limits (a stored sum passes 18 digits); anything else
// is refused.
func TestParsePlainDecimal(t *testing.T) {
	for _, s := range []string{"1234567890123456789012345678901234567890.5", "-0.0000000000000000000001", "10.50"} {
		d, ok := ParsePlainDecimal(s)
		if want := decimal.RequireFromString(s); !ok || !d.Equal(want) || d.Exponent() != want.Exponent() {
			t.Errorf("ParsePlainDecimal(%q) = %s, %v", s, d, ok)
		}
	}
	for _, s := range []string{"", "+1", "1e3", ".5", "5.", "1,000", "NaN", " 1", "--1"} {
		if d, ok := ParsePlainDecimal(s); ok {
			t.Errorf("ParsePlainDecimal(%q) = %s, accepted", s, d)
		}
	}
}

// PlainUnits reads what ParsePlainDecimal reads, where the text has at
// most 18 digits, and refuses every other text.
func TestPlainUnitsAsParsed(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.00", "1.5", "01.5", "-1.500", "10.50", "7.7500000000000000",
		"999999999999999999", "-999999999999999999", "99999999999999999.9", "9999999999999999999",
		"1234567890123456789", "0.0000000000000000001", "", "-", ".5", "1.", "1..5", "--1", "+1", "1,5",
		"1e2", "NaN", " 1", "1 "} {
		units, exp, ok := PlainUnits(s)
		d, parsed := ParsePlainDecimal(s)
		digits := len(strings.NewReplacer("-", "", ".", "").Replace(s))
		if wantOK := parsed && digits <= 18; ok != wantOK {
			t.Errorf("PlainUnits(%q) ok = %v, want %v", s, ok, wantOK)
			continue
		}
		if ok && !decimal.New(units, exp).Equal(d) {
			t.Errorf("PlainUnits(%q) = %d × 10^%d, ParsePlainDecimal = %s", s, units, exp, d)
		}
		if ok && (exp != d.Exponent() || d.Coefficient().Int64() != units) {
			t.Errorf("PlainUnits(%q) = %d × 10^%d, ParsePlainDecimal = %s × 10^%d", s, units, exp, d.Coefficient(), d.Exponent())
		}
	}
}

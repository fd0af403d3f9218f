package postgres

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// TestDaySumExact: a day's sum round-trips through its 16 bytes or its
// account's wide map (past an int64, more than 18 digits, an exponent past
// an int8) (ledger.TestSumExact checks the sums themselves).
func TestDaySumExact(t *testing.T) {
	tests := []struct {
		name    string
		amounts []string
		want    string
	}{
		{"inline", []string{"10.50", "0.25", "-3"}, "7.75"},
		{"wide: past int64", []string{"9223372036854775807", "1", "-2"}, "9223372036854775806"},
		{"wide: 36 digits", []string{"123456789012345678.123456789012345678"}, "123456789012345678.123456789012345678"},
		{"wide: exponent past int8", []string{"1e-200"}, "1e-200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := decimal.RequireFromString(tc.want)
			a := &accountReplay{days: []daySum{{date: 7}}}
			for _, x := range tc.amounts {
				a.setDay(0, a.day(0).Add(ledger.SumOf(decimal.RequireFromString(x))))
			}
			if !a.day(0).Decimal().Equal(want) {
				t.Errorf("day %s, want %s", a.day(0).Decimal(), want)
			}
			if !equalText(a.day(0), want.String()) || equalText(a.day(0), want.Add(decimal.New(1, -18)).String()) {
				t.Errorf("equalText of %s is wrong", want)
			}
		})
	}
}

// equalText gives what ledger.ParsePlainDecimal and Sum.Equal give, with
// or without its reading of short texts as units (ledger.PlainUnits).
func TestEqualTextAsParsed(t *testing.T) {
	sums := []string{"0", "1.5", "-1.5", "7.75", "-0.000000000000000001", "999999999999999999",
		"-999999999999999999", "9223372036854775806", "123456789012345678.123456789012345678", "1e-200", "100"}
	texts := []string{"0", "0.00", "1.5", "1.50", "01.5", "-1.5", "-1.500", "7.75", "7.7500000000000000",
		"7.75000000000000000", "-0.000000000000000001", "-0.0000000000000000010", "999999999999999999",
		"-999999999999999999", "9223372036854775806", "123456789012345678.123456789012345678", "100", "1E2",
		"", "-", ".5", "1.", "1..5", "1.5.", "--1", "+1", "1,5", "NaN", "Infinity", "-0", "1 ", " 1", "1e2"}
	for _, s := range sums {
		sum := ledger.SumOf(decimal.RequireFromString(s))
		var pieces []ledger.Sum // the same value as sums of units
		if units, exp, ok := sum.Units(); ok && units > -1e17 && units < 1e17 {
			pieces = append(pieces, ledger.UnitsSum(units, exp), ledger.UnitsSum(units*10, exp-1))
		}
		for _, x := range append(pieces, sum) {
			for _, text := range texts {
				v, ok := ledger.ParsePlainDecimal(text)
				want := ok && x.Equal(v)
				if got := equalText(x, text); got != want {
					t.Errorf("equalText(%s, %q) = %v, want %v", s, text, got, want)
				}
			}
		}
	}
}

package ledger

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

// TestSumExact: sums of amounts of up to 36 digits, of scales 0 to 18,
// near and past the int64's limits, equal their decimal.Decimal sums, with
// decimal.Decimal's exponent (zero of a finer scale included), and Equal
// tells a difference of 10^-18.
func TestSumExact(t *testing.T) {
	tests := []struct {
		name    string
		amounts []string
		want    string
	}{
		{"two decimals", []string{"10.50", "0.25", "-3"}, "7.75"},
		{"a zero of a finer scale", []string{"5", "0.00"}, "5.00"},
		{"past int64 by adding", []string{"999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999",
			"999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999"},
			"9999999999999999990"},
		{"past int64 by aligning", []string{"999999999999999999", "0.000000000000000001"}, "999999999999999999.000000000000000001"},
		{"36 digits", []string{"123456789012345678.123456789012345678", "0.000000000000000002"}, "123456789012345678.12345678901234568"},
		{"back under int64", []string{"999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999",
			"999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999",
			"-9999999999999999990", "0.01"}, "0.01"},
		{"min int64", []string{"-922337203685477580.8", "-0.1", "0.1"}, "-922337203685477580.8"},
		{"large exponent", []string{"1e30", "1"}, "1000000000000000000000000000001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Sum
			want := decimal.RequireFromString(tc.want)
			dec := decimal.Zero
			for _, x := range tc.amounts {
				d := decimal.RequireFromString(x)
				s = s.Add(SumOf(d))
				dec = dec.Add(d)
			}
			if !dec.Equal(want) {
				t.Fatalf("the test's want %s is not the decimal sum %s", tc.want, dec)
			}
			if got := s.Decimal(); !got.Equal(want) || got.Exponent() != dec.Exponent() {
				t.Errorf("sum %s (exponent %d), want %s (exponent %d)", got, got.Exponent(), dec, dec.Exponent())
			}
			if !s.Equal(want) || s.Equal(want.Add(decimal.New(1, -18))) {
				t.Errorf("Equal of %s is wrong", want)
			}
			if !s.Neg().Decimal().Equal(want.Neg()) || !s.Add(s.Neg()).Decimal().IsZero() {
				t.Errorf("Neg of %s: %s", want, s.Neg().Decimal())
			}
		})
	}
	if SumOf(decimal.New(math.MinInt64, 0)).Equal(decimal.New(math.MaxInt64, 0)) {
		t.Errorf("min int64 equals max int64")
	}
}

// addUnits refuses what does not fit an int64, and scaleUnits a scale
// past 10^18.
func TestAddUnits(t *testing.T) {
	tests := []struct {
		a     int64
		ae    int32
		b     int64
		be    int32
		units int64
		exp   int32
		ok    bool
	}{
		{1050, -2, 25, -2, 1075, -2, true},
		{1050, -2, 3, 0, 1350, -2, true},
		{3, 0, 1050, -2, 1350, -2, true},
		{5, 0, 0, -2, 500, -2, true}, // decimal.Decimal's exponent: the smaller
		{math.MaxInt64, 0, 1, 0, 0, 0, false},
		{math.MinInt64, 0, -1, 0, 0, 0, false},
		{math.MinInt64, 0, 1, 0, math.MinInt64 + 1, 0, true},
		{1, 0, 1, -18, 1e18 + 1, -18, true},
		{10, 0, 1, -18, 0, 0, false},
		{1, 0, 1, -19, 0, 0, false},
		{0, 0, 5, -30, 5, -30, true},
		{7, math.MaxInt32, 0, math.MinInt32, 0, 0, false},
	}
	for _, tc := range tests {
		u, e, ok := addUnits(tc.a, tc.ae, tc.b, tc.be)
		if ok != tc.ok || (ok && (u != tc.units || e != tc.exp)) {
			t.Errorf("addUnits(%d, %d, %d, %d) = %d, %d, %v; want %d, %d, %v", tc.a, tc.ae, tc.b, tc.be, u, e, ok, tc.units, tc.exp, tc.ok)
		}
	}
}

// TestSumRuns: every run of sums from each start of a list of mixed
// scales, past an int64 and of more than 18 digits, is exact at each step,
// with decimal.Decimal's exponent, and unequal to itself plus 10^-18.
func TestSumRuns(t *testing.T) {
	amounts := []string{"9", "0.5", "999999999999999999", "999999999999999999", "-0.000000000000000001",
		"999999999999999999.999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999",
		"999999999999999999", "999999999999999999", "999999999999999999", "999999999999999999", "1"}
	for start := range amounts {
		want := decimal.RequireFromString(amounts[start])
		s := SumOf(want)
		for _, a := range amounts[start+1:] {
			d := decimal.RequireFromString(a)
			s = s.Add(SumOf(d))
			want = want.Add(d)
			if got := s.Decimal(); !s.Equal(want) || got.String() != want.String() || got.Exponent() != want.Exponent() {
				t.Fatalf("from %d: sum %s, want %s", start, got, want)
			}
			if s.Equal(want.Add(decimal.New(1, -18))) {
				t.Fatalf("from %d: sum %s equals %s + 10^-18", start, s.Decimal(), want)
			}
		}
	}
}

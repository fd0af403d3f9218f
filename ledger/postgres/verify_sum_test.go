package postgres

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

// TestSumExact: sums of amounts of up to 36 digits, of scales 0 to 18,
// near and past the int64's limits, equal their decimal.Decimal sums, and
// a day's sum round-trips through its 16 bytes or its account's wide map.
func TestSumExact(t *testing.T) {
	tests := []struct {
		name    string
		amounts []string
		want    string
	}{
		{"two decimals", []string{"10.50", "0.25", "-3"}, "7.75"},
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
			var s sum
			want := decimal.RequireFromString(tc.want)
			var dec decimal.Decimal
			a := &accountReplay{days: []daySum{{date: 7}}}
			for _, x := range tc.amounts {
				d := decimal.RequireFromString(x)
				s = s.add(sumOf(d))
				dec = dec.Add(d)
				a.setDay(0, a.day(0).add(sumOf(d)))
			}
			if !dec.Equal(want) {
				t.Fatalf("the test's want %s is not the decimal sum %s", tc.want, dec)
			}
			if !s.value().Equal(want) || !a.day(0).value().Equal(want) {
				t.Errorf("sum %s, day %s, want %s", s.value(), a.day(0).value(), want)
			}
			if !s.equalText(want.String()) || s.equalText(want.Add(decimal.New(1, -18)).String()) {
				t.Errorf("equalText of %s is wrong", want)
			}
			if !s.neg().value().Equal(want.Neg()) || !s.add(s.neg()).value().IsZero() {
				t.Errorf("neg of %s: %s", want, s.neg().value())
			}
		})
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
		{math.MaxInt64, 0, 1, 0, 0, 0, false},
		{math.MinInt64, 0, -1, 0, 0, 0, false},
		{math.MinInt64, 0, 1, 0, math.MinInt64 + 1, 0, true},
		{1, 0, 1, -18, 1e18 + 1, -18, true},
		{10, 0, 1, -18, 0, 0, false},
		{1, 0, 1, -19, 0, 0, false},
		{0, 0, 5, -30, 5, -30, true},
		{7, math.MaxInt32, 0, math.MinInt32, 7, math.MaxInt32, true},
		{7, math.MaxInt32, 1, math.MinInt32, 0, 0, false},
	}
	for _, tc := range tests {
		u, e, ok := addUnits(tc.a, tc.ae, tc.b, tc.be)
		if ok != tc.ok || (ok && (u != tc.units || e != tc.exp)) {
			t.Errorf("addUnits(%d, %d, %d, %d) = %d, %d, %v; want %d, %d, %v", tc.a, tc.ae, tc.b, tc.be, u, e, ok, tc.units, tc.exp, tc.ok)
		}
	}
}

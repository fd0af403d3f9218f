package postgres

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// TestDaySumExact: a day's sum round-trips through its 16 bytes or its
// account's wide map, for sums of up to 36 digits, of scales 0 to 18, near
// and past the int64's limits (ledger.TestSumExact checks the sums).
func TestDaySumExact(t *testing.T) {
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
		{"exponent past int8", []string{"1e-200"}, "1e-200"},
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

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

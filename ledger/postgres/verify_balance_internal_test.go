package postgres

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// unbalanced names the same currencies and sums whether or not
// balancedInUnits answers first: one currency or two, amounts of any
// scale, sums past an int64's units.
func TestUnbalancedInUnits(t *testing.T) {
	tests := []struct{ postings, want string }{
		{"", ""},
		{"1.50 USD, -1.5 USD", ""},
		{"1.50 USD, -1.49 USD", "0.01 USD"},
		{"10 USD, -3 USD, -7 USD", ""},
		{"10 USD, -3 USD, -6 USD", "1 USD"},
		{"0 USD", ""},
		{"2 USD", "2 USD"},
		{"5 USD, -5 EUR", "-5 EUR, 5 USD"},
		{"5 USD, -5 USD, 1 EUR, -1 EUR", ""},
		{"5 USD, -5 USD, 1 EUR", "1 EUR"},
		{"999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, -9999999999999999990 USD", ""},
		{"999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, 999999999999999999 USD, -9999999999999999989 USD", "1 USD"},
		{"0.000000000000000001 USD, -123456789012345678.123456789012345678 USD, 123456789012345678.123456789012345677 USD", ""},
	}
	for _, tc := range tests {
		var ps []ledger.Posting
		for _, p := range strings.Split(tc.postings, ", ") {
			if amount, currency, ok := strings.Cut(p, " "); ok {
				ps = append(ps, ledger.Posting{Account: "a", Amount: decimal.RequireFromString(amount), Currency: currency})
			}
		}
		if got := unbalanced(ps); got != tc.want {
			t.Errorf("unbalanced(%s) = %q, want %q", tc.postings, got, tc.want)
		}
		if balancedInUnits(ps) && tc.want != "" {
			t.Errorf("balancedInUnits(%s) is true", tc.postings)
		}
	}
}

package ledger

import (
	"strings"

	"github.com/shopspring/decimal"
)

// FormatAmount renders d keeping its scale ("10.50" stays "10.50", "3" stays "3"),
// unlike decimal.String, which trims trailing zeros.
func FormatAmount(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}

// FormatExact renders d with every significant digit but at least the minor
// units of currency (USD "10.50", "10.5000" as "10.50", "0.125" as is): for
// sums that are not rounded, such as bases and balances.
func FormatExact(d decimal.Decimal, currency string) string {
	n, err := MinorUnits(currency)
	if err != nil {
		n = 0
	}
	s := d.String() // trailing zeros trimmed
	frac := int32(0)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac = int32(len(s) - i - 1)
	}
	if frac < n {
		return d.StringFixed(n)
	}
	return s
}

// FormatMoney renders d with exactly the minor units of currency
// (USD "10.50", JPY "1050"); for an unknown currency it keeps d's scale.
func FormatMoney(d decimal.Decimal, currency string) string {
	n, err := MinorUnits(currency)
	if err != nil {
		return FormatAmount(d)
	}
	return d.StringFixed(n)
}

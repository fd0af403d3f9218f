package ledger

import "github.com/shopspring/decimal"

// FormatAmount renders d keeping its scale ("10.50" stays "10.50", "3" stays "3"),
// unlike decimal.String, which trims trailing zeros.
func FormatAmount(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
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

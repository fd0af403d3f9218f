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

// FormatGrouped is FormatExact for people: the same digits, every one of
// them, with the integer part grouped in thousands by commas
// ("38000000000.00" as "38,000,000,000.00", "-1234.5" USD as "-1,234.50").
// Human formats (tables, Markdown, HTML) use it; JSON and CSV keep
// FormatExact, so what a program reads stays plain and exact.
func FormatGrouped(d decimal.Decimal, currency string) string {
	return GroupThousands(FormatExact(d, currency))
}

// FormatMoneyGrouped is FormatMoney with the integer part grouped in
// thousands ("1234567.8" USD as "1,234,567.80").
func FormatMoneyGrouped(d decimal.Decimal, currency string) string {
	return GroupThousands(FormatMoney(d, currency))
}

// GroupThousands inserts a comma between each group of three digits of the
// integer part of a plain decimal string ("-1234567.891" as "-1,234,567.891").
// A string that is not a plain decimal (empty, "never", "1e5") is returned
// unchanged, so callers may pass any cell of a table through it.
func GroupThousands(s string) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
		sign, rest = rest[:1], rest[1:]
	}
	intPart, frac := rest, ""
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		intPart, frac = rest[:i], rest[i:]
	}
	if intPart == "" || !allDigits(intPart) || (frac != "" && !allDigits(frac[1:])) {
		return s
	}
	if len(intPart) <= 3 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(intPart)/3)
	b.WriteString(sign)
	lead := len(intPart) % 3
	if lead > 0 {
		b.WriteString(intPart[:lead])
	}
	for i := lead; i < len(intPart); i += 3 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(intPart[i : i+3])
	}
	b.WriteString(frac)
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

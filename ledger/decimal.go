package ledger

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// The one decimal grammar of every amount, rate and limit revshare reads
// (usage files, exchange rates, contracts, payments, scenarios, REST
// bodies): an optional '-', 1 to 18 digits, and optionally '.' followed by
// 1 to 18 digits. No '+', exponent, spaces, grouping, or a '.' without
// digits on both sides. Spec section 1: every input amount fits 18 integer
// and 18 fractional digits.
const (
	MaxIntegerDigits  = 18
	MaxFractionDigits = 18
)

// DecimalProblem says why s is not a decimal of the grammar, or "".
func DecimalProblem(s string) string {
	if s == "" {
		return "empty number"
	}
	body := strings.TrimPrefix(s, "-")
	if strings.HasPrefix(s, "+") {
		return "not a decimal number (a leading '+' is not allowed: write " + strings.TrimPrefix(s, "+") + ")"
	}
	if strings.ContainsAny(body, "eE") && strings.Trim(body, "0123456789.eE+-") == "" {
		return "not a decimal number (exponents are not allowed)"
	}
	intPart, frac, hasDot := strings.Cut(body, ".")
	switch {
	case !allDigits(intPart) || !allDigits(frac):
		return "not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)"
	case intPart == "" && hasDot:
		return "not a decimal number (want digits before the decimal point, as in 0.50)"
	case intPart == "":
		return "not a decimal number"
	case hasDot && frac == "":
		return "not a decimal number (want digits after the decimal point)"
	case len(frac) > MaxFractionDigits:
		return fmt.Sprintf("more than %d fractional digits", MaxFractionDigits)
	case len(intPart) > MaxIntegerDigits:
		return fmt.Sprintf("more than %d digits before the decimal point", MaxIntegerDigits)
	}
	return ""
}

// ParseDecimal parses s by the one decimal grammar; anything else is an
// EINVALID error `"s": reason`.
func ParseDecimal(s string) (decimal.Decimal, error) {
	if p := DecimalProblem(s); p != "" {
		return decimal.Decimal{}, Errorf(EINVALID, "%q: %s", s, p)
	}
	d, err := decimal.NewFromString(s)
	if err != nil { // unreachable for the grammar
		return decimal.Decimal{}, Errorf(EINVALID, "%q: not a decimal number", s)
	}
	return d, nil
}

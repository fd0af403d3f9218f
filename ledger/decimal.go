package ledger

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// The one decimal grammar of every amount, rate and limit revshare reads
// (usage files, exchange rates, contracts, payments, scenarios, REST
// bodies): an optional '-', 1 to 18 digits, and optionally '.' followed by
// 1 to 18 digits. No '+', exponent, spaces, grouping, NaN or infinity, or
// a '.' without digits on both sides. Spec section 1: every input amount
// fits 18 integer and 18 fractional digits. (A usage file may write its
// numbers with a decimal comma or thousands separators, which its mapping
// declares: usage.ParseDecimal rewrites them to this grammar first.)
const (
	MaxIntegerDigits  = 18
	MaxFractionDigits = 18
)

// NotADecimal is the reason for text that is no decimal at all.
const NotADecimal = "not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)"

// DecimalProblem says why s is not a decimal of the grammar, or "".
func DecimalProblem(s string) string {
	if p := plainProblem(s); p != "" {
		return p
	}
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	switch {
	case len(frac) > MaxFractionDigits:
		return fmt.Sprintf("more than %d fractional digits", MaxFractionDigits)
	case len(intPart) > MaxIntegerDigits:
		return fmt.Sprintf("more than %d digits before the decimal point", MaxIntegerDigits)
	}
	return ""
}

// plainProblem is DecimalProblem without the digit limits.
func plainProblem(s string) string {
	if s == "" {
		return "empty number"
	}
	body := strings.TrimPrefix(s, "-")
	if isNaNOrInf(strings.TrimPrefix(body, "+")) {
		return "NaN and infinity are not amounts"
	}
	if strings.HasPrefix(s, "+") {
		return "not a decimal number (a leading '+' is not allowed: write " + strings.TrimPrefix(s, "+") + ")"
	}
	if strings.ContainsAny(body, "eE") && strings.Trim(body, "0123456789.eE+-") == "" {
		return "not a decimal number (exponents are not allowed)"
	}
	if c, ok := groupedBy(body, '.'); ok {
		return fmt.Sprintf("thousands separator %q not allowed (write 1234.50)", string(c))
	}
	intPart, frac, hasDot := strings.Cut(body, ".")
	switch {
	case !allDigits(intPart) || !allDigits(frac):
		return NotADecimal
	case intPart == "" && hasDot:
		return "not a decimal number (want digits before the decimal point, as in 0.50)"
	case intPart == "":
		return "not a decimal number"
	case hasDot && frac == "":
		return "not a decimal number (want digits after the decimal point)"
	}
	return ""
}

// groupedBy reports whether s (digits first) groups its integer part in
// thousands with one of , ' space or _ ("1,234.50", "1 000"): 1 to 3
// digits, then the separator and three digits, repeatedly, up to the
// decimal point dec or the end.
func groupedBy(s string, dec byte) (byte, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 3 || i == len(s) {
		return 0, false
	}
	c := s[i]
	if c != ',' && c != '\'' && c != ' ' && c != '_' {
		return 0, false
	}
	return c, LooksGrouped(s[i:], c, dec)
}

// LooksGrouped reports whether s (starting at a separator c) continues as
// thousands groups: c followed by exactly three digits, repeatedly, up to
// the decimal separator dec or the end.
func LooksGrouped(s string, c, dec byte) bool {
	for len(s) > 0 && s[0] == c {
		if len(s) < 4 || !isDigit(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
			return false
		}
		s = s[4:]
	}
	return len(s) == 0 || s[0] == dec
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNaNOrInf(s string) bool {
	switch strings.ToLower(s) {
	case "nan", "inf", "infinity", "∞":
		return true
	}
	return false
}

// ParseDecimal parses s by the one decimal grammar; anything else is an
// EINVALID error `"s": reason`.
func ParseDecimal(s string) (decimal.Decimal, error) {
	d, reason := ParseDecimalReason(s)
	if reason != "" {
		return decimal.Decimal{}, Errorf(EINVALID, "%q: %s", s, reason)
	}
	return d, nil
}

// ParseDecimalReason is ParseDecimal with the bare reason (for callers that
// name the value themselves, as a usage file's row errors do).
func ParseDecimalReason(s string) (decimal.Decimal, string) {
	if p := DecimalProblem(s); p != "" {
		return decimal.Decimal{}, p
	}
	return plainValue(s), ""
}

// ParsePlainDecimal reads a stored decimal: the grammar without its digit
// limits (a stored sum may pass the 18 digits of an input). ok is false for
// anything else.
func ParsePlainDecimal(s string) (d decimal.Decimal, ok bool) {
	if plainProblem(s) != "" {
		return decimal.Decimal{}, false
	}
	return plainValue(s), true
}

// plainValue is the value of s, a decimal of the grammar's form, with its
// scale ("10.50" has exponent -2): in an int64 when it has at most 18
// digits, the common case.
func plainValue(s string) decimal.Decimal {
	if units, exp, ok := PlainUnits(s); ok {
		return decimal.New(units, exp)
	}
	return decimal.RequireFromString(s) // more than 18 digits
}

// PlainUnits reads s of the form -?D+(.D+)? with at most 18 digits, as
// ParsePlainDecimal reads it, as units × 10^exp ("10.50": 1050, -2),
// without the big.Int of a decimal.Decimal; ok is false for any other
// text. PostgreSQL's verify compares millions of stored sums this way.
func PlainUnits(s string) (units int64, exp int32, ok bool) {
	body := strings.TrimPrefix(s, "-")
	digits, frac := 0, -1
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case isDigit(c):
			units = units*10 + int64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0 && i > 0 && i < len(body)-1:
			frac = 0
		default:
			return 0, 0, false
		}
	}
	if digits == 0 || digits > 18 {
		return 0, 0, false
	}
	if len(body) < len(s) {
		units = -units
	}
	return units, -int32(max(frac, 0)), true
}

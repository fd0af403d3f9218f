package usage

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Number is how amounts are written in a file: the decimal separator and an
// optional thousands separator (0 = none allowed).
type Number struct {
	Decimal   byte
	Thousands byte
}

// DefaultNumber is the canonical convention: "1234.50", no grouping.
var DefaultNumber = Number{Decimal: '.'}

// ParseDecimal parses an exact decimal such as "-1234.50" under the
// convention n. On failure it returns a reason meant for a RowError. It
// refuses exponents, NaN and infinities, more than MaxFractionDigits
// fractional digits and, unless n allows them, thousands separators.
func ParseDecimal(s string, n Number) (decimal.Decimal, string) {
	if n.Decimal == 0 {
		n.Decimal = '.'
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Decimal{}, "empty number"
	}
	if s[0] == '+' && !isNaNOrInf(s[1:]) {
		// The one decimal grammar (ledger.ParseDecimal) has no '+'.
		return decimal.Decimal{}, "not a decimal number (a leading '+' is not allowed: write " + s[1:] + ")"
	}
	i := 0
	neg := false
	if s[0] == '-' || s[0] == '+' { // '+' here only before NaN or Inf, refused below
		neg = s[0] == '-'
		i = 1
	}
	if isNaNOrInf(s[i:]) {
		return decimal.Decimal{}, "NaN and infinity are not amounts"
	}
	var (
		v         uint64 // value while it fits
		digits    int    // significant digits seen so far (for the fast path)
		intDigits int
		frac      = -1 // fractional digits seen; -1 before the separator
		groupRun  = -1 // digits since the last thousands separator; -1 if none seen
		sawGroup  bool
	)
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if frac >= 0 {
				frac++
			} else {
				intDigits++
				if groupRun >= 0 {
					groupRun++
				}
			}
			if digits > 0 || c != '0' {
				digits++
			}
			if digits <= 18 {
				v = v*10 + uint64(c-'0')
			}
		case c == n.Decimal && frac < 0:
			if intDigits == 0 {
				return decimal.Decimal{}, "not a decimal number (want digits before the decimal point, as in 0.50)"
			}
			if sawGroup && groupRun != 3 {
				return decimal.Decimal{}, "misplaced thousands separator"
			}
			frac = 0
		case n.Thousands != 0 && c == n.Thousands && frac < 0:
			if intDigits == 0 || (groupRun >= 0 && groupRun != 3) || (groupRun < 0 && intDigits > 3) {
				return decimal.Decimal{}, "misplaced thousands separator"
			}
			sawGroup = true
			groupRun = 0
		case n.Thousands == 0 && (c == ',' || c == '\'' || c == ' ' || c == '_') && frac < 0 && intDigits > 0 && intDigits <= 3 && looksGrouped(s[i:], c, n.Decimal):
			return decimal.Decimal{}, "thousands separator " + quoteValue(string(c)) + " not allowed (write 1234.50)"
		case c == 'e' || c == 'E':
			return decimal.Decimal{}, "not a decimal number (exponents are not allowed)"
		default:
			return decimal.Decimal{}, "not a decimal number"
		}
	}
	switch {
	case intDigits == 0:
		return decimal.Decimal{}, "not a decimal number"
	case frac == 0:
		return decimal.Decimal{}, "not a decimal number (want digits after the decimal point)"
	case sawGroup && frac < 0 && groupRun != 3:
		return decimal.Decimal{}, "misplaced thousands separator"
	case frac > MaxFractionDigits:
		return decimal.Decimal{}, "more than 18 fractional digits"
	case intDigits > MaxIntegerDigits:
		return decimal.Decimal{}, "more than 18 digits before the decimal point"
	}
	if frac < 0 {
		frac = 0
	}
	if digits <= 18 {
		x := int64(v)
		if neg {
			x = -x
		}
		return decimal.New(x, int32(-frac)), ""
	}
	// Slow path for long numbers: rebuild a canonical string.
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for j := 0; j < len(s); j++ {
		c := s[j]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == n.Decimal:
			b.WriteByte('.')
		}
	}
	d, err := decimal.NewFromString(b.String())
	if err != nil {
		return decimal.Decimal{}, "not a decimal number"
	}
	return d, ""
}

// looksGrouped reports whether s (starting at a separator c) continues as
// thousands groups: c followed by exactly three digits, repeatedly, up to
// the decimal separator or the end.
func looksGrouped(s string, c, dec byte) bool {
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

package usage

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// Number is how amounts are written in a file: the decimal separator and an
// optional thousands separator (0 = none allowed).
type Number struct {
	Decimal   byte
	Thousands byte
}

// DefaultNumber is the canonical convention: "1234.50", no grouping.
var DefaultNumber = Number{Decimal: '.'}

// ParseDecimal parses an exact decimal such as "-1234.50" written under
// the convention n (spaces around it are the cell's, not the number's). On
// failure it returns a reason meant for a RowError. The number itself is
// read by the one decimal grammar of every input (ledger.ParseDecimal:
// at most 18 integer and 18 fractional digits, no exponent, NaN or '+');
// another convention is first rewritten to it.
func ParseDecimal(s string, n Number) (decimal.Decimal, string) {
	if n.Decimal == 0 {
		n.Decimal = '.'
	}
	s = strings.TrimSpace(s)
	if n != DefaultNumber {
		c, reason := canonical(s, n)
		if reason != "" {
			return decimal.Decimal{}, reason
		}
		s = c
	}
	return ledger.ParseDecimalReason(s)
}

// canonical rewrites s, written under n, in the grammar's form: n's decimal
// separator as '.', thousands separators (where n has one and they group
// by three) dropped. Other characters are left for the grammar to judge.
func canonical(s string, n Number) (string, string) {
	var b strings.Builder
	b.Grow(len(s))
	var (
		intDigits int
		groupRun  = -1 // digits since the last thousands separator; -1 if none seen
		inFrac    bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if !inFrac {
				intDigits++
				if groupRun >= 0 {
					groupRun++
				}
			}
		case c == n.Decimal && !inFrac:
			if groupRun >= 0 && groupRun != 3 {
				return "", "misplaced thousands separator"
			}
			inFrac, c = true, '.'
		case n.Thousands != 0 && c == n.Thousands && !inFrac:
			if intDigits == 0 || (groupRun >= 0 && groupRun != 3) || (groupRun < 0 && intDigits > 3) {
				return "", "misplaced thousands separator"
			}
			groupRun = 0
			continue
		case c == '.' || c == ',' || c == '\'' || c == ' ' || c == '_':
			// A separator that is not n's.
			if n.Thousands == 0 && !inFrac && intDigits > 0 && intDigits <= 3 && ledger.LooksGrouped(s[i:], c, n.Decimal) {
				return "", fmt.Sprintf("thousands separator %s not allowed (write 1234.50)", quoteValue(string(c)))
			}
			return "", ledger.NotADecimal
		}
		b.WriteByte(c)
	}
	if !inFrac && groupRun >= 0 && groupRun != 3 {
		return "", "misplaced thousands separator"
	}
	return b.String(), ""
}

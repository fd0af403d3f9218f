package sqlite

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// Amounts are stored twice: exactly as TEXT (scale kept) and as three
// integers whose sums SQL computes exactly:
//
//	amount = units + hi/1e9 + lo/1e18,  units = floor(amount), 0 <= hi, lo < 1e9
const (
	maxFracDigits = 18
	fracHalf      = 1_000_000_000 // 1e9: the base of hi and lo
)

// maxAmount bounds |amount| of one posting (10^14) so that the sum of an
// entry's postings (at most ledger.MaxPostings) cannot overflow int64.
var maxAmount = decimal.New(1, 14)

type splitAmount struct {
	text   string
	units  int64
	hi, lo int64
}

// splitPosting checks a posting's amount against the storage limits and
// splits it into its stored parts.
func splitPosting(e *ledger.Entry, i int, d decimal.Decimal) (splitAmount, error) {
	if d.Exponent() < -maxFracDigits {
		t := d.Truncate(maxFracDigits)
		if !t.Equal(d) {
			return splitAmount{}, ledger.Errorf(ledger.EINVALID, "entry %q posting %d: amount %s has more than %d fractional digits",
				e.Key.String(), i+1, d.String(), maxFracDigits)
		}
		d = t // only trailing zeros were dropped
	}
	if d.Abs().Cmp(maxAmount) >= 0 {
		return splitAmount{}, ledger.Errorf(ledger.EINVALID, "entry %q posting %d: amount %s is too large (at most 14 integer digits)",
			e.Key.String(), i+1, d.String())
	}
	return split(d), nil
}

// split decomposes d (at most 18 fractional digits, |d| < 10^14).
func split(d decimal.Decimal) splitAmount {
	text := ledger.FormatAmount(d)
	units, hi, lo, ok := splitText(text)
	if !ok { // unreachable for amounts splitPosting accepted; exact fallback
		u := d.Floor()
		frac := d.Sub(u).Shift(maxFracDigits).IntPart()
		units, hi, lo = u.IntPart(), frac/fracHalf, frac%fracHalf
	}
	return splitAmount{text: text, units: units, hi: hi, lo: lo}
}

// splitText decomposes a stored amount text ("-12.5", "3", "0.000000000000000001")
// with integer arithmetic: ok is false unless s is an optional '-', 1 to 18
// digits, and optionally '.' and 1 to 18 digits.
func splitText(s string) (units, hi, lo int64, ok bool) {
	neg := strings.HasPrefix(s, "-")
	intPart, fracPart, hasDot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(intPart) == 0 || len(intPart) > 18 || (hasDot && (len(fracPart) == 0 || len(fracPart) > maxFracDigits)) ||
		!allDigits(intPart) || !allDigits(fracPart) {
		return 0, 0, 0, false
	}
	var n, f int64
	for i := 0; i < len(intPart); i++ {
		n = n*10 + int64(intPart[i]-'0')
	}
	for i := 0; i < maxFracDigits; i++ {
		f *= 10
		if i < len(fracPart) {
			f += int64(fracPart[i] - '0')
		}
	}
	if neg {
		n = -n
		if f != 0 {
			n--
			f = fracHalf*fracHalf - f
		}
	}
	return n, f / fracHalf, f % fracHalf, true
}

// joinAmount rebuilds an exact decimal from summed integer parts (the sums
// may exceed 1e9 in hi and lo: carries are applied here).
func joinAmount(units, hi, lo int64) decimal.Decimal {
	return decimal.NewFromInt(units).
		Add(decimal.New(hi, -9)).
		Add(decimal.New(lo, -18))
}

// parseAmountText parses a stored TEXT amount strictly: an optional '-',
// digits, and an optional '.' with digits.
func parseAmountText(s string) (decimal.Decimal, error) {
	body := strings.TrimPrefix(s, "-")
	intPart, fracPart, hasDot := strings.Cut(body, ".")
	if intPart == "" || (hasDot && fracPart == "") || !allDigits(intPart) || !allDigits(fracPart) {
		return decimal.Decimal{}, fmt.Errorf("malformed amount %q", s)
	}
	return decimal.NewFromString(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// trimAmount renders d with at least minDigits fractional digits and no
// more than it needs beyond that (exact: no digit is dropped).
func trimAmount(d decimal.Decimal, minDigits int32) string {
	s := d.String() // trailing zeros trimmed
	frac := int32(0)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac = int32(len(s) - i - 1)
	}
	if frac < minDigits {
		return d.StringFixed(minDigits)
	}
	return s
}

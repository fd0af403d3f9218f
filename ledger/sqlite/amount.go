package sqlite

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// Amounts are stored twice (migration 0050): exactly as TEXT (scale kept)
// and as eight signed integer limbs of nine digits whose sums SQL computes
// exactly:
//
//	amount = Σ l[k]·10^(9k−18),  every l[k] with amount's sign, |l[k]| < 10^9
//
// so |amount| < 10^54 with at most 18 fractional digits. An input amount
// has at most 18 integer digits (ledger.MaxIntegerDigits); 54 leaves room
// for everything derived from input: a sum of fewer than 10^18 terms, each
// at most an input amount times an input exchange rate (< 10^36).
const (
	limbCount     = 8
	limbBase      = 1_000_000_000 // 10^9
	maxFracDigits = 18
	maxIntDigits  = 54
)

// limbs are an amount's (or a plain sum of amounts') integer parts.
type limbs [limbCount]int64

// maxAmount bounds |amount| of one posting: 10^54.
var maxAmount = decimal.New(1, maxIntDigits)

type splitAmount struct {
	text string
	l    limbs
}

// splitPosting checks a posting's amount against the storage limits and
// splits it into its stored parts.
func splitPosting(e *ledger.Entry, i int, d decimal.Decimal) (splitAmount, error) {
	if a, ok := splitSmall(d); ok {
		return a, nil
	}
	if d.Exponent() < -maxFracDigits {
		t := d.Truncate(maxFracDigits)
		if !t.Equal(d) {
			return splitAmount{}, ledger.Errorf(ledger.EINVALID, "entry %q posting %d: amount %s has more than %d fractional digits",
				e.Key.String(), i+1, d.String(), maxFracDigits)
		}
		d = t // only trailing zeros were dropped
	}
	if d.Abs().Cmp(maxAmount) >= 0 {
		return splitAmount{}, ledger.Errorf(ledger.EINVALID, "entry %q posting %d: amount %s is too large (at most %d integer digits)",
			e.Key.String(), i+1, d.String(), maxIntDigits)
	}
	text := ledger.FormatAmount(d)
	l, ok := splitText(text)
	if !ok { // unreachable for the amounts checked above
		return splitAmount{}, fmt.Errorf("entry %q posting %d: amount %s cannot be split", e.Key.String(), i+1, text)
	}
	return splitAmount{text: text, l: l}, nil
}

// pow10 are the powers of ten up to 10^18.
var pow10 = func() (p [19]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = 10 * p[i-1]
	}
	return p
}()

// splitSmall is splitPosting for the common amount: at most 18
// significant digits and 0 to 18 fractional ones. It gives
// ledger.FormatAmount's text and splitText's limbs of it without big-number
// arithmetic (a posting's check, format and split took 30% of the fast
// path's producer; docs/design/speed.md, section 2); ok is false for any
// other amount, which the general path takes.
func splitSmall(d decimal.Decimal) (a splitAmount, ok bool) {
	exp := d.Exponent()
	if exp > 0 || exp < -maxFracDigits || d.NumDigits() > 18 {
		return a, false
	}
	c := d.CoefficientInt64() // |c| < 10^18
	u := uint64(c)
	if c < 0 {
		u = uint64(-c)
	}
	frac := int(-exp)
	whole, part := u/pow10[frac], u%pow10[frac]
	// The text: as FormatAmount, exactly frac fractional digits.
	var buf [48]byte
	b := buf[:0]
	if c < 0 {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, whole, 10)
	if frac > 0 {
		b = append(b, '.')
		n := len(b)
		b = strconv.AppendUint(b, part, 10)
		if pad := frac - (len(b) - n); pad > 0 { // leading zeros of the fraction
			b = append(b, make([]byte, pad)...)
			copy(b[n+pad:], b[n:len(b)-pad])
			for i := n; i < n+pad; i++ {
				b[i] = '0'
			}
		}
	}
	a.text = string(b)
	// The limbs: the fraction padded to 18 digits, then nine to a limb.
	f18 := part * pow10[maxFracDigits-frac]
	a.l[0], a.l[1] = int64(f18%limbBase), int64(f18/limbBase)
	a.l[2], a.l[3] = int64(whole%limbBase), int64(whole/limbBase)
	if c < 0 {
		for k := range a.l {
			a.l[k] = -a.l[k]
		}
	}
	return a, true
}

// splitText decomposes a stored amount text ("-12.5", "3",
// "0.000000000000000001") into limbs as SQLite generates them: ok is false
// unless s is an optional '-', 1 to 54 digits, and optionally '.' and 1 to
// 18 digits.
func splitText(s string) (l limbs, ok bool) {
	neg := strings.HasPrefix(s, "-")
	intPart, fracPart, hasDot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(intPart) == 0 || len(intPart) > maxIntDigits || (hasDot && (len(fracPart) == 0 || len(fracPart) > maxFracDigits)) ||
		!allDigits(intPart) || !allDigits(fracPart) {
		return l, false
	}
	// Integer digits from the right, nine to a limb, from l[2] up.
	for k, end := 2, len(intPart); end > 0; k, end = k+1, end-9 {
		var v int64
		for i := max(0, end-9); i < end; i++ {
			v = v*10 + int64(intPart[i]-'0')
		}
		l[k] = v
	}
	// Fractional digits, padded to 18: l[1] the first nine, l[0] the next.
	for i := 0; i < maxFracDigits; i++ {
		var dig int64
		if i < len(fracPart) {
			dig = int64(fracPart[i] - '0')
		}
		if i < 9 {
			l[1] = l[1]*10 + dig
		} else {
			l[0] = l[0]*10 + dig
		}
	}
	if neg {
		for k := range l {
			l[k] = -l[k]
		}
	}
	return l, true
}

// add adds o part by part, as SQL's sum() does (no carrying).
func (l *limbs) add(o limbs) {
	for k := range l {
		l[k] += o[k]
	}
}

// sub subtracts o part by part.
func (l *limbs) sub(o limbs) {
	for k := range l {
		l[k] -= o[k]
	}
}

// carry moves each part's whole multiples of 10^9 into the next one, so
// that a running sum never overflows (only the top part grows).
func (l *limbs) carry() {
	for k := 0; k < limbCount-1; k++ {
		c := l[k] / limbBase
		l[k] -= c * limbBase
		l[k+1] += c
	}
}

func (l *limbs) isZero() bool { return *l == limbs{} }

// value rebuilds the exact decimal from summed limbs (which may exceed
// 10^9 in any part and mix signs: each is added at its weight).
func (l *limbs) value() decimal.Decimal {
	v := decimal.Zero
	for k := limbCount - 1; k >= 0; k-- {
		if l[k] != 0 {
			v = v.Add(decimal.New(l[k], int32(9*k-18)))
		}
	}
	return v
}

// args appends the limbs as SQL arguments.
func (l *limbs) args(a []any) []any {
	for _, v := range l {
		a = append(a, v)
	}
	return a
}

// ptrs returns scan destinations for the limbs.
func (l *limbs) ptrs() []any {
	p := make([]any, limbCount)
	for k := range l {
		p[k] = &l[k]
	}
	return p
}

// limbCols lists the limb columns prefixed ("p.l0, p.l1, ..."), or summed
// with sum(prefix lk) when sum is set.
func limbCols(prefix string, sum bool) string {
	var b strings.Builder
	for k := 0; k < limbCount; k++ {
		if k > 0 {
			b.WriteString(", ")
		}
		if sum {
			fmt.Fprintf(&b, "sum(%sl%d)", prefix, k)
		} else {
			fmt.Fprintf(&b, "%sl%d", prefix, k)
		}
	}
	return b.String()
}

// parseAmountText parses a stored TEXT amount strictly: the input
// grammar's form (an optional '-', digits, and an optional '.' with
// digits), any number of digits.
func parseAmountText(s string) (decimal.Decimal, error) {
	d, ok := ledger.ParsePlainDecimal(s)
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("malformed amount %q", s)
	}
	return d, nil
}

// storedNumber reads a decimal revshare stored (an event's amount,
// quantity or unit price, an exchange rate): the grammar's form without
// its digit limits, so that values stored under other limits still read.
// The reason says what is wrong, as the grammar words it.
func storedNumber(s string) (decimal.Decimal, string) {
	if d, ok := ledger.ParsePlainDecimal(s); ok {
		return d, ""
	}
	_, reason := ledger.ParseDecimalReason(s)
	return decimal.Decimal{}, reason
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// addLimbs is an upsert's SET list adding excluded's limbs to the row's.
var addLimbs = func() string {
	var parts []string
	for k := 0; k < limbCount; k++ {
		parts = append(parts, fmt.Sprintf("l%d = l%d + excluded.l%d", k, k, k))
	}
	return strings.Join(parts, ", ")
}()

// sumLimbsAs sums each limb column under its own name ("sum(p.l0) AS l0, ...").
func sumLimbsAs(prefix string) string {
	var parts []string
	for k := 0; k < limbCount; k++ {
		parts = append(parts, fmt.Sprintf("sum(%sl%d) AS l%d", prefix, k, k))
	}
	return strings.Join(parts, ", ")
}

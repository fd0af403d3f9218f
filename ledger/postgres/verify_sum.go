package postgres

import (
	"math"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// sum is an exact decimal that verify's replay adds postings into: units ×
// 10^exp while the units fit in an int64 (every amount of up to 18
// digits, and sums of them short of 9.2 × 10^18 units), else dec. Adding
// two that fit allocates nothing, where a decimal.Decimal allocates a
// big.Int a sum; a value that does not fit falls back to a
// decimal.Decimal, so every sum stays exact.
type sum struct {
	units int64
	exp   int32
	dec   *decimal.Decimal // the value when not nil (units and exp unused)
}

// sumOf is d as a sum.
func sumOf(d decimal.Decimal) sum {
	// NumDigits is cheap for a coefficient in an int64 and allocates
	// nothing; 18 digits always fit.
	if d.NumDigits() <= 18 {
		return sum{units: d.CoefficientInt64(), exp: d.Exponent()}
	}
	return sum{dec: &d}
}

// value is s as a decimal.Decimal.
func (s sum) value() decimal.Decimal {
	if s.dec != nil {
		return *s.dec
	}
	return decimal.New(s.units, s.exp)
}

// add returns s + o.
func (s sum) add(o sum) sum {
	if s.dec == nil && o.dec == nil {
		if u, e, ok := addUnits(s.units, s.exp, o.units, o.exp); ok {
			return sum{units: u, exp: e}
		}
	}
	v := s.value().Add(o.value())
	return sum{dec: &v}
}

// neg returns -s.
func (s sum) neg() sum {
	if s.dec == nil && s.units != math.MinInt64 {
		return sum{units: -s.units, exp: s.exp}
	}
	v := s.value().Neg()
	return sum{dec: &v}
}

// equalText says whether a numeric's text holds the value s (numeric's
// equality: 1.50 equals 1.5).
func (s sum) equalText(text string) bool {
	v, ok := ledger.ParsePlainDecimal(text)
	if !ok {
		return false
	}
	if t := sumOf(v); s.dec == nil && t.dec == nil {
		if d, _, ok := addUnits(s.units, s.exp, -t.units, t.exp); ok {
			return d == 0
		}
	}
	return v.Equal(s.value())
}

// addUnits returns a × 10^ae + b × 10^be as units × 10^exp, exp the
// smaller, and false when that does not fit in an int64.
func addUnits(a int64, ae int32, b int64, be int32) (int64, int32, bool) {
	switch {
	case b == 0:
		return a, ae, true
	case a == 0:
		return b, be, true
	case ae > be:
		a, ae, b, be = b, be, a, ae
	}
	b, ok := scaleUnits(b, int64(be)-int64(ae))
	if !ok {
		return 0, 0, false
	}
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, 0, false
	}
	return s, ae, true
}

// scaleUnits returns v × 10^n (n >= 0), and false when it does not fit.
func scaleUnits(v int64, n int64) (int64, bool) {
	switch {
	case v == 0 || n == 0:
		return v, true
	case n >= int64(len(pow10)):
		return 0, false
	}
	p := pow10[n]
	if v > math.MaxInt64/p || v < math.MinInt64/p {
		return 0, false
	}
	return v * p, true
}

var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// daySum is an account's postings on one date summed. The replay holds one
// per account and date with postings (2,000,000 on the 1M per-event
// book), so it is 16 bytes, the sum inline as units × 10^exp (a sum
// without dec, exp within an int8), or, when it does not fit, in its
// account's wide map. A decimal.Decimal there took 24 bytes and a big.Int
// of 40 more.
type daySum struct {
	units int64
	date  int32
	exp   int8
	wide  bool // the sum is in accountReplay.wide[date]
	seen  bool // a daily_totals row holds it (totals)
}

// day is the sum of a.days[i].
func (a *accountReplay) day(i int) sum {
	d := &a.days[i]
	if d.wide {
		v := a.wide[d.date]
		return sum{dec: &v}
	}
	return sum{units: d.units, exp: int32(d.exp)}
}

// setDay makes s the sum of a.days[i].
func (a *accountReplay) setDay(i int, s sum) {
	d := &a.days[i]
	if s.dec == nil && s.exp >= math.MinInt8 && s.exp <= math.MaxInt8 {
		if d.wide {
			delete(a.wide, d.date)
		}
		d.units, d.exp, d.wide = s.units, int8(s.exp), false
		return
	}
	if a.wide == nil {
		a.wide = map[int32]decimal.Decimal{}
	}
	d.units, d.exp, d.wide = 0, 0, true
	a.wide[d.date] = s.value()
}

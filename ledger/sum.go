package ledger

import (
	"math"

	"github.com/shopspring/decimal"
)

// Sum is an exact decimal sum for verify's scans, which hold millions of
// them: units × 10^exp while the units fit in an int64 (every amount of up
// to 18 digits, and sums of them short of 9.2 × 10^18 units), else a
// decimal.Decimal. Adding two that fit allocates nothing, where a
// decimal.Decimal allocates a big.Int a sum; a value that does not fit
// falls back to a decimal.Decimal, so every sum stays exact. Its exponent
// is decimal.Decimal's: the smaller of the two added.
type Sum struct {
	units int64
	dec   *decimal.Decimal // the value when not nil (units and exp unused)
	exp   int32
}

// SumOf is d as a Sum.
func SumOf(d decimal.Decimal) Sum {
	// NumDigits is cheap for a coefficient in an int64 and allocates
	// nothing; 18 digits always fit.
	if d.NumDigits() <= 18 {
		return Sum{units: d.CoefficientInt64(), exp: d.Exponent()}
	}
	return Sum{dec: &d}
}

// UnitsSum is units × 10^exp as a Sum.
func UnitsSum(units int64, exp int32) Sum { return Sum{units: units, exp: exp} }

// Units returns s as units × 10^exp, and false when s does not fit them.
func (s Sum) Units() (units int64, exp int32, ok bool) {
	return s.units, s.exp, s.dec == nil
}

// Decimal is s as a decimal.Decimal.
func (s Sum) Decimal() decimal.Decimal {
	if s.dec != nil {
		return *s.dec
	}
	return decimal.New(s.units, s.exp)
}

// Add returns s + o.
func (s Sum) Add(o Sum) Sum {
	if s.dec == nil && o.dec == nil {
		if u, e, ok := addUnits(s.units, s.exp, o.units, o.exp); ok {
			return Sum{units: u, exp: e}
		}
	}
	v := s.Decimal().Add(o.Decimal())
	return Sum{dec: &v}
}

// Neg returns -s.
func (s Sum) Neg() Sum {
	if s.dec == nil && s.units != math.MinInt64 {
		return Sum{units: -s.units, exp: s.exp}
	}
	v := s.Decimal().Neg()
	return Sum{dec: &v}
}

// Equal says whether s is d (decimal.Decimal.Equal: 1.50 equals 1.5).
func (s Sum) Equal(d decimal.Decimal) bool {
	if t := SumOf(d); s.dec == nil && t.dec == nil && t.units != math.MinInt64 {
		if diff, _, ok := addUnits(s.units, s.exp, -t.units, t.exp); ok {
			return diff == 0
		}
	}
	return d.Equal(s.Decimal())
}

// addUnits returns a × 10^ae + b × 10^be as units × 10^exp, exp the
// smaller, and false when that does not fit in an int64.
func addUnits(a int64, ae int32, b int64, be int32) (int64, int32, bool) {
	if ae > be {
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

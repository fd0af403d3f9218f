package contracts

import (
	"github.com/shopspring/decimal"
)

// Sum adds decimals exactly, fast: amounts whose coefficient fits comfortably
// in an int64 accumulate in an int64 at the finest exponent seen so far;
// anything else (or an overflow) goes to an exact decimal. The value is
// always exactly the sum of what was added. The zero Sum is empty.
type Sum struct {
	c   int64
	exp int32
	set bool // c and exp hold a partial sum
	big decimal.Decimal
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

const maxInt64 = int64(^uint64(0) >> 1)

// scale returns v × 10^k, or false if it does not fit in an int64.
func scale(v int64, k int32) (int64, bool) {
	if k < 0 || k >= int32(len(pow10)) {
		return 0, false
	}
	p := pow10[k]
	if v > maxInt64/p || v < -maxInt64/p {
		return 0, false
	}
	return v * p, true
}

// Add adds x.
func (s *Sum) Add(x decimal.Decimal) {
	e := x.Exponent()
	if e < -18 || e > 0 || x.NumDigits() > 17 {
		s.big = s.big.Add(x)
		return
	}
	v := x.CoefficientInt64()
	if !s.set {
		s.c, s.exp, s.set = v, e, true
		return
	}
	if e < s.exp {
		c, ok := scale(s.c, s.exp-e)
		if !ok {
			// Move the partial sum out and restart at the finer exponent.
			s.big = s.big.Add(decimal.New(s.c, s.exp))
			s.c, s.exp = v, e
			return
		}
		s.c, s.exp = c, e
	} else if e > s.exp {
		w, ok := scale(v, e-s.exp)
		if !ok {
			s.big = s.big.Add(x)
			return
		}
		v = w
	}
	r := s.c + v
	if (s.c > 0 && v > 0 && r < 0) || (s.c < 0 && v < 0 && r >= 0) {
		s.big = s.big.Add(x)
		return
	}
	s.c = r
}

// Value returns the exact sum of what was added (zero when nothing was).
func (s *Sum) Value() decimal.Decimal {
	if !s.set {
		return s.big
	}
	return s.big.Add(decimal.New(s.c, s.exp))
}

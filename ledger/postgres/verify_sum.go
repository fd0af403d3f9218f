package postgres

import (
	"math"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// equalText says whether a numeric's text holds the value s (numeric's
// equality: 1.50 equals 1.5). A text of at most 18 digits is compared
// with a sum that fits in units as units, without the decimal.Decimal
// that parsing it makes (a big.Int each): verify compares every version,
// daily total and mark, millions of them (docs/postgres.md, "Session 20").
func equalText(s ledger.Sum, text string) bool {
	if _, _, ok := s.Units(); ok {
		if t, exp, ok := ledger.PlainUnits(text); ok {
			if d, _, ok := s.Add(ledger.UnitsSum(-t, exp)).Units(); ok {
				return d == 0
			}
		}
	}
	v, ok := ledger.ParsePlainDecimal(text)
	return ok && s.Equal(v)
}

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
func (a *accountReplay) day(i int) ledger.Sum {
	d := &a.days[i]
	if d.wide {
		return ledger.SumOf(a.wide[d.date])
	}
	return ledger.UnitsSum(d.units, int32(d.exp))
}

// setDay makes s the sum of a.days[i].
func (a *accountReplay) setDay(i int, s ledger.Sum) {
	d := &a.days[i]
	if units, exp, ok := s.Units(); ok && exp >= math.MinInt8 && exp <= math.MaxInt8 {
		if d.wide {
			delete(a.wide, d.date)
		}
		d.units, d.exp, d.wide = units, int8(exp), false
		return
	}
	if a.wide == nil {
		a.wide = map[int32]decimal.Decimal{}
	}
	d.units, d.exp, d.wide = 0, 0, true
	a.wide[d.date] = s.Decimal()
}

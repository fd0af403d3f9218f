package scenario

import (
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

var one = decimal.NewFromInt(1)

// periodsPerYear is the number of contract periods in a year.
func periodsPerYear(f ledger.Frequency) int {
	switch f {
	case ledger.Quarter:
		return 4
	case ledger.Year:
		return 1
	}
	return 12
}

// PerPeriodRate converts a growth rate to the compounding rate per contract
// period of frequency f:
//
//   - monthly g: per month g; per quarter (1+g)^3 − 1; per year (1+g)^12 − 1,
//     all exact (powers of an exact decimal are exact);
//   - annual a: per year a; per quarter (1+a)^(1/4) − 1; per month
//     (1+a)^(1/12) − 1, where the root is correctly rounded (half up) to
//     RootDigits (18) fractional digits, so the rate has 18 digits.
func PerPeriodRate(g Growth, f ledger.Frequency) decimal.Decimal {
	n := periodsPerYear(f)
	if g.Basis == "annual" {
		if n == 1 {
			return g.Rate
		}
		return nthRoot(one.Add(g.Rate), n, RootDigits).Sub(one)
	}
	months := 12 / n
	f1 := one.Add(g.Rate)
	p := one
	for i := 0; i < months; i++ {
		p = p.Mul(f1)
	}
	return p.Sub(one)
}

// nthRoot returns x^(1/n) rounded half up to digits fractional digits,
// computed exactly on integers: R = floor(x^(1/n) × 10^digits) is the
// largest integer with R^n ≤ x × 10^(digits×n), and R+1 is taken when
// (R + 1/2)^n ≤ x × 10^(digits×n). x must be positive and have at most
// digits×n fractional digits (true for scenario decimals and n ≥ 2).
func nthRoot(x decimal.Decimal, n int, digits int32) decimal.Decimal {
	if !x.IsPositive() || n < 1 {
		panic(fmt.Sprintf("nthRoot(%s, %d): want a positive x and n ≥ 1", x, n))
	}
	scale := digits * int32(n)
	if -x.Exponent() > scale {
		panic(fmt.Sprintf("nthRoot(%s, %d): more than %d fractional digits", x, n, scale))
	}
	t := x.Shift(scale).BigInt() // exact: x has at most scale fractional digits
	r := intRoot(t, n)
	// Round half up: compare (2R+1)^n with 2^n × t.
	twoR1 := new(big.Int).Lsh(r, 1)
	twoR1.Add(twoR1, big.NewInt(1))
	lhs := new(big.Int).Exp(twoR1, big.NewInt(int64(n)), nil)
	rhs := new(big.Int).Lsh(t, uint(n))
	if lhs.Cmp(rhs) <= 0 {
		r.Add(r, big.NewInt(1))
	}
	return decimal.NewFromBigInt(r, -digits)
}

// intRoot returns floor(t^(1/n)) for t > 0 by Newton's method on integers,
// starting above the root so the iterates decrease to it.
func intRoot(t *big.Int, n int) *big.Int {
	bn := big.NewInt(int64(n))
	bn1 := big.NewInt(int64(n - 1))
	r := new(big.Int).Lsh(big.NewInt(1), uint(t.BitLen()/n+1)) // 2^(bits/n+1) > t^(1/n)
	for {
		// next = ((n-1)·r + t / r^(n-1)) / n
		pow := new(big.Int).Exp(r, bn1, nil)
		next := new(big.Int).Quo(t, pow)
		next.Add(next, new(big.Int).Mul(bn1, r))
		next.Quo(next, bn)
		if next.Cmp(r) >= 0 {
			return r
		}
		r = next
	}
}

// Revenue returns the projected revenue of n periods:
// round(start × (1+g)^k, minor units of currency, half up) for k = 0..n-1.
// (1+g)^k is carried exactly (each step multiplies exact decimals, so no
// digit is lost however many it grows to) and the product with start is
// rounded once, so each value is the exact value rounded.
func Revenue(start, g decimal.Decimal, n int, currency string) ([]decimal.Decimal, error) {
	out := make([]decimal.Decimal, n)
	factor := one
	f1 := one.Add(g)
	for k := 0; k < n; k++ {
		v, err := ledger.RoundMinor(start.Mul(factor), currency, ledger.HalfUp)
		if err != nil {
			return nil, err
		}
		out[k] = v
		factor = factor.Mul(f1)
	}
	return out, nil
}

// revenueGen computes Revenue fast, for the Monte Carlo loop, and gives
// exactly Revenue's values (tested on many inputs, ties included).
//
// With start = s·10^a, 1+g = G·10^−b and u = a + minor, revenue k in minor
// units is round_half_up(s · G^k · 10^(u−bk)). Carrying G^k exactly makes
// the numbers grow by b digits a period; instead the generator carries a
// fixed-point lower bound F_k ≤ T_k = G^k·10^(P−bk) < F_k + E_k with P = 38
// digits (F_{k+1} = floor(F_k·G/10^b); the error bound E_k grows by at
// most one unit per inexact step, times 1+g). Then
// floor((s·10^u·T_k + D/2) / D) with D = 10^P is decided from F_k alone
// whenever the whole interval [F_k, F_k+E_k) gives the same quotient;
// otherwise (the exact value lies within about 10^−22 of a rounding tie)
// that period is computed exactly. A revenueGen is not safe for concurrent
// use.
type revenueGen struct {
	f, e, g, t, num, q, q1, r, r1, scaledS, half big.Int
	pow10                                        []*big.Int // pow10[i] = 10^i, grown on demand
	fallbacks                                    int        // periods computed exactly (for tests)
	precision                                    int        // P; 0 means fixedDigits (tests use small ones)
}

// fixedDigits is P: 38 digits, so that dividing by D = 10^38 is two
// divisions by the one-word 10^19, which math/big does without allocating.
const fixedDigits = 38

func (rg *revenueGen) pow(i int) *big.Int {
	for len(rg.pow10) <= i {
		if len(rg.pow10) == 0 {
			rg.pow10 = append(rg.pow10, big.NewInt(1))
			continue
		}
		next := new(big.Int).Mul(rg.pow10[len(rg.pow10)-1], big.NewInt(10))
		rg.pow10 = append(rg.pow10, next)
	}
	return rg.pow10[i]
}

var bigOne = big.NewInt(1)

// fill sets out[k] = round(start × (1+g)^k, minor places, half up) for every
// k < len(out). start must not be negative and g must be above −1.
func (rg *revenueGen) fill(out []decimal.Decimal, start, g decimal.Decimal, minor int32) {
	if start.IsNegative() || !g.GreaterThan(decimal.NewFromInt(-1)) {
		panic("revenueGen.fill: negative start or growth at or below -1")
	}
	f1 := one.Add(g)
	b := int(-f1.Exponent())
	if b < 0 { // 1+g is an integer times a power of ten
		rg.g.Mul(f1.Coefficient(), rg.pow(-b))
		b = 0
	} else {
		rg.g.Set(f1.Coefficient())
	}
	u := int(start.Exponent()) + int(minor)
	// Fold 10^u into the numerator (u ≥ 0) or the divisor (u < 0).
	prec := rg.precision
	if prec == 0 {
		prec = fixedDigits
	}
	digits := prec
	rg.scaledS.Set(start.Coefficient())
	if u >= 0 {
		rg.scaledS.Mul(&rg.scaledS, rg.pow(u))
	} else {
		digits -= u
	}
	d := rg.pow(digits)
	rg.half.Rsh(d, 1) // D/2 exactly: D is even
	bDiv := rg.pow(b)
	rg.f.Set(rg.pow(prec))
	rg.e.SetInt64(0)
	for k := range out {
		// q, r = divmod(s'·F + D/2, D); the interval's top adds s'·E to r.
		rg.num.Mul(&rg.scaledS, &rg.f)
		rg.num.Add(&rg.num, &rg.half)
		if digits == 2*19 {
			p19 := rg.pow(19)
			rg.q1.QuoRem(&rg.num, p19, &rg.r1)
			rg.q.QuoRem(&rg.q1, p19, &rg.r)
			rg.r.Mul(&rg.r, p19)
			rg.r.Add(&rg.r, &rg.r1)
		} else {
			rg.q.QuoRem(&rg.num, d, &rg.r)
		}
		if rg.e.Sign() != 0 {
			rg.t.Mul(&rg.scaledS, &rg.e)
			rg.t.Add(&rg.t, &rg.r)
			if rg.t.Cmp(d) >= 0 {
				rg.exact(&rg.q, start, f1, k, minor)
			}
		}
		if rg.q.IsInt64() {
			out[k] = decimal.New(rg.q.Int64(), -minor) // one allocation instead of two
		} else {
			out[k] = decimal.NewFromBigInt(&rg.q, -minor)
		}
		// F ← floor(F·G/10^b); E ← ceil(E·G/10^b) + (1 if that floor dropped anything).
		rg.num.Mul(&rg.f, &rg.g)
		rg.f.QuoRem(&rg.num, bDiv, &rg.r)
		inexact := rg.r.Sign() != 0
		if rg.e.Sign() != 0 {
			rg.num.Mul(&rg.e, &rg.g)
			rg.e.QuoRem(&rg.num, bDiv, &rg.t)
			if rg.t.Sign() != 0 {
				rg.e.Add(&rg.e, bigOne)
			}
		}
		if inexact {
			rg.e.Add(&rg.e, bigOne)
		}
	}
}

// exact sets q to revenue k computed exactly (the rare fallback).
func (rg *revenueGen) exact(q *big.Int, start, f1 decimal.Decimal, k int, minor int32) {
	rg.fallbacks++
	p := one
	for i := 0; i < k; i++ {
		p = p.Mul(f1)
	}
	v := start.Mul(p).Round(minor) // half away from zero; start ≥ 0
	q.Set(v.Shift(minor).BigInt())
}

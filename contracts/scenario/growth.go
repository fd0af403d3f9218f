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

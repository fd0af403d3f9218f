package scenario

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestPerPeriodRate(t *testing.T) {
	tests := []struct {
		g    Growth
		f    ledger.Frequency
		want string
	}{
		{Growth{"monthly", dec("0.04")}, ledger.Month, "0.04"},
		{Growth{"monthly", dec("0.04")}, ledger.Quarter, "0.124864"},                // 1.04^3 − 1
		{Growth{"monthly", dec("0.01")}, ledger.Year, "0.126825030131969720661201"}, // 1.01^12 − 1
		{Growth{"annual", dec("0.10")}, ledger.Year, "0.1"},
		// 1.1^(1/12) = 1.007974140428903741066...; 18 digits, half up.
		{Growth{"annual", dec("0.10")}, ledger.Month, "0.007974140428903741"},
		// 1.21^(1/4) = 1.04880884817015154699...
		{Growth{"annual", dec("0.21")}, ledger.Quarter, "0.048808848170151547"},
		// An exact root: 1.4641^(1/4) = 1.1.
		{Growth{"annual", dec("0.4641")}, ledger.Quarter, "0.1"},
		{Growth{"annual", dec("-0.5")}, ledger.Year, "-0.5"},
	}
	for _, tt := range tests {
		got := PerPeriodRate(tt.g, tt.f)
		if !got.Equal(dec(tt.want)) {
			t.Errorf("PerPeriodRate(%v, %s) = %s, want %s", tt.g, tt.f, got, tt.want)
		}
	}
}

// TestNthRootCorrectlyRounded checks the defining property of the rounded
// root on many inputs: r − 1/2 ulp ≤ x^(1/n) < r + 1/2 ulp (half up).
func TestNthRootCorrectlyRounded(t *testing.T) {
	half := dec("0.0000000000000000005")
	for _, xs := range []string{"1.1", "1.04", "0.5", "2", "1.000000000000000001", "123456.789", "1.4641"} {
		for _, n := range []int{2, 3, 4, 12} {
			x := dec(xs)
			r := nthRoot(x, n, 18)
			lo, hi := r.Sub(half), r.Add(half)
			if !(pow(lo, n).LessThanOrEqual(x) && pow(hi, n).GreaterThan(x)) {
				t.Errorf("nthRoot(%s, %d) = %s is not x^(1/n) rounded half up", xs, n, r)
			}
		}
	}
}

func pow(x decimal.Decimal, n int) decimal.Decimal {
	p := one
	for i := 0; i < n; i++ {
		p = p.Mul(x)
	}
	return p
}

// TestRevenueIsExactValueRounded compares Revenue with start × (1+g)^k
// computed as an exact rational and rounded half up to cents.
func TestRevenueIsExactValueRounded(t *testing.T) {
	for _, c := range []struct{ start, g string }{
		{"1000000000.00", "0.04"},
		{"123.45", "0.007974140428903741"},
		{"999.99", "-0.031337"},
		{"0.01", "0.5"},
	} {
		got, err := Revenue(dec(c.start), dec(c.g), 72, "USD")
		if err != nil {
			t.Fatal(err)
		}
		s := dec(c.start).Rat()
		f := new(big.Rat).Add(big.NewRat(1, 1), dec(c.g).Rat())
		p := big.NewRat(1, 1)
		for k := 0; k < 72; k++ {
			exact := new(big.Rat).Mul(s, p)
			want := roundRatHalfUp(exact, 2)
			if !got[k].Equal(want) {
				t.Fatalf("start %s g %s k %d: got %s, want %s", c.start, c.g, k, got[k], want)
			}
			p.Mul(p, f)
		}
	}
	// Hand-computed: 1,000,000,000.00 × 1.04^k.
	got, _ := Revenue(dec("1000000000.00"), dec("0.04"), 4, "USD")
	for k, w := range []string{"1000000000", "1040000000", "1081600000", "1124864000"} {
		if !got[k].Equal(dec(w)) {
			t.Errorf("k=%d: %s, want %s", k, got[k], w)
		}
	}
	got, _ = Revenue(dec("100.00"), dec("0.015"), 3, "USD")
	for k, w := range []string{"100", "101.5", "103.02"} { // 103.0225 → 103.02
		if !got[k].Equal(dec(w)) {
			t.Errorf("k=%d: %s, want %s", k, got[k], w)
		}
	}
}

// roundRatHalfUp rounds a non-negative or negative rational half away from zero.
func roundRatHalfUp(r *big.Rat, places int32) decimal.Decimal {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	neg := x.Sign() < 0
	x.Abs(x)
	x.Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(x.Num(), x.Denom())
	if neg {
		q.Neg(q)
	}
	return decimal.NewFromBigInt(q, -places)
}

// TestRevenueGenEqualsRevenue checks the fast generator against Revenue on
// a grid of starts and rates (integers, many digits, ties) and on random
// pairs, and that ties do take the exact fallback.
func TestRevenueGenEqualsRevenue(t *testing.T) {
	var rg revenueGen
	out := make([]decimal.Decimal, 80)
	check := func(start, g string) {
		t.Helper()
		want, err := Revenue(dec(start), dec(g), len(out), "USD")
		if err != nil {
			t.Fatal(err)
		}
		rg.fill(out, dec(start), dec(g), 2)
		for k := range out {
			if !out[k].Equal(want[k]) {
				t.Fatalf("start %s g %s k %d: fast %s, exact %s", start, g, k, out[k], want[k])
			}
		}
	}
	for _, start := range []string{"0", "1000000000.00", "123.456", "7", "1E+3", "0.005", "1.00", "0.01", "99999999999999.99"} {
		for _, g := range []string{"0", "0.04", "-0.031337", "0.007974140428903741", "1", "2.5", "-0.999999", "0.000001", "0.5", "-0.5", "0.25"} {
			check(start, g)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		check(decimal.New(rng.Int64N(1e15), -rng.Int32N(5)).String(), decimal.New(rng.Int64N(200000)-90000, -6).String())
	}
	// Currencies of 0 and 3 minor units.
	for _, cur := range []struct {
		code  string
		minor int32
	}{{"JPY", 0}, {"BHD", 3}} {
		for _, c := range [][2]string{{"123456789", "0.04"}, {"0.5", "0.5"}, {"1000.0005", "0.031337"}} {
			want, _ := Revenue(dec(c[0]), dec(c[1]), len(out), cur.code)
			rg.fill(out, dec(c[0]), dec(c[1]), cur.minor)
			for k := range out {
				if !out[k].Equal(want[k]) {
					t.Fatalf("%s start %s g %s k %d: fast %s, exact %s", cur.code, c[0], c[1], k, out[k], want[k])
				}
			}
		}
	}
	// With 38 digits the fallback is all but unreachable; with a precision
	// of a few digits the error bound is wide and the fallback frequent, so
	// equality there checks that the bound really bounds.
	for _, prec := range []int{1, 3, 8, 15} {
		rg.precision, rg.fallbacks = prec, 0
		for i := 0; i < 100; i++ {
			check(decimal.New(rng.Int64N(1e12), -rng.Int32N(4)).String(), decimal.New(rng.Int64N(200000)-90000, -6).String())
		}
		check("1.00", "0.5")
		check("1000000000.00", "0.04")
		if rg.fallbacks == 0 {
			t.Errorf("precision %d: no exact fallback", prec)
		}
	}
}

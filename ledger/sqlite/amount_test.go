package sqlite

import (
	"context"
	"fmt"
	"math/big"
	"math/rand"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

func TestSplitText(t *testing.T) {
	nines54 := strings.Repeat("9", 54)
	tests := []struct {
		in string
		l  limbs
	}{
		{"0", limbs{}},
		{"10.50", limbs{0, 500000000, 10}},
		{"-1.5", limbs{0, -500000000, -1}},
		{"-1", limbs{0, 0, -1}},
		{"0.000000000000000001", limbs{1}},
		{"-0.000000000000000001", limbs{-1}},
		{"0.123456789123456789", limbs{123456789, 123456789}},
		{"1234567890123456789", limbs{0, 0, 123456789, 234567890, 1}},
		{"-999999999999999999.999999999999999999", limbs{-999999999, -999999999, -999999999, -999999999}},
		{nines54 + ".999999999999999999", limbs{999999999, 999999999, 999999999, 999999999, 999999999, 999999999, 999999999, 999999999}},
		{"-1" + strings.Repeat("0", 45), limbs{0, 0, 0, 0, 0, 0, 0, -1}},
	}
	for _, tc := range tests {
		l, ok := splitText(tc.in)
		if !ok || l != tc.l {
			t.Errorf("splitText(%q) = %v, %v; want %v", tc.in, l, ok, tc.l)
		}
		if got := l.value(); !got.Equal(decimal.RequireFromString(tc.in)) {
			t.Errorf("splitText(%q).value() = %s", tc.in, got)
		}
	}
	for _, bad := range []string{"", "-", ".5", "5.", "1e3", "+1", "1.0000000000000000001", "1,5", " 1", "--1", "0x1", "1" + nines54} {
		if _, ok := splitText(bad); ok {
			t.Errorf("splitText(%q) accepted", bad)
		}
	}
}

// TestSplitSmall checks that the fast path of splitPosting gives the text
// of ledger.FormatAmount and the limbs of splitText, and declines what it
// cannot split.
func TestSplitSmall(t *testing.T) {
	check := func(d decimal.Decimal) {
		t.Helper()
		a, ok := splitSmall(d)
		want := ledger.FormatAmount(d)
		fits := d.Exponent() <= 0 && d.Exponent() >= -maxFracDigits && d.NumDigits() <= 18
		if ok != fits {
			t.Fatalf("splitSmall(%s) ok = %v, want %v", want, ok, fits)
		}
		if !ok {
			return
		}
		l, lok := splitText(want)
		if a.text != want || !lok || a.l != l {
			t.Fatalf("splitSmall(%s [%s e%d]) = %q %v; want %q %v", want, d.Coefficient(), d.Exponent(), a.text, a.l, want, l)
		}
	}
	for _, s := range []string{"0", "0.00", "-0.05", "0.05", "1", "-1", "10.50", "999999999999999999", "-999999999999999999",
		"0.000000000000000001", "-0.000000000000000001", "0.999999999999999999", "123456789.123456789", "1000000000",
		"1e3", "1.5e2", "100000000000000000.0", "1000000000000000000", "0.0000000000000000001", "12345678901234567.89"} {
		check(decimal.RequireFromString(s))
	}
	for exp := int32(-20); exp <= 2; exp++ {
		for _, c := range []int64{0, 1, -1, 7, 10, 99, 100, 123456789, 1000000000, 999999999999999999, -999999999999999999, 1000000000000000000} {
			check(decimal.New(c, exp))
		}
	}
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 100000; i++ {
		c := rng.Int63n(int64(pow10[rng.Intn(19)]))
		if rng.Intn(2) == 0 {
			c = -c
		}
		check(decimal.New(c, -int32(rng.Intn(21))))
	}
}

// TestSplitRandom compares the limbs with big-integer arithmetic and checks
// that sums of limbs, plain (as SQL sums) and carried (as verify sums),
// are exact.
func TestSplitRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	sum := decimal.Zero
	var plain limbs
	var carried intSum
	base := new(big.Int).SetInt64(limbBase)
	for i := 0; i < 20000; i++ {
		// Up to 54 integer and 18 fractional digits, any sign.
		exp := rng.Intn(19)
		c := new(big.Int).Rand(rng, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(1+rng.Intn(54+exp))), nil))
		if rng.Intn(2) == 0 {
			c.Neg(c)
		}
		d := decimal.NewFromBigInt(c, -int32(exp))
		e := ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: "x"}}
		s, err := splitPosting(&e, 0, d)
		if err != nil {
			t.Fatal(err)
		}
		// |d|·10^18 in base 10^9, each digit with d's sign.
		m := new(big.Int).Abs(d.Shift(18).BigInt())
		var want limbs
		for k := 0; k < limbCount; k++ {
			var r big.Int
			m.QuoRem(m, base, &r)
			want[k] = r.Int64()
			if d.Sign() < 0 {
				want[k] = -want[k]
			}
		}
		if s.l != want {
			t.Fatalf("split(%s) = %v, want %v", d, s.l, want)
		}
		sum = sum.Add(d)
		plain.add(s.l)
		carried.add(s.l)
	}
	if got := plain.value(); !got.Equal(sum) {
		t.Errorf("plain sum of limbs %s, want %s", got, sum)
	}
	if got := carried.value(); !got.Equal(sum) {
		t.Errorf("carried sum of limbs %s, want %s", got, sum)
	}
	for k := 0; k < limbCount-1; k++ {
		if c := carried.l[k]; c <= -limbBase || c >= limbBase {
			t.Errorf("carried limb %d = %d", k, c)
		}
	}
}

// TestGeneratedColumnsAgreeWithGo posts edge and random amounts and reads
// back the limb columns SQLite generated: they must equal splitText's.
func TestGeneratedColumnsAgreeWithGo(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, ledger.SystemClock{})
	amounts := []string{"0", "1", "-1", "0.5", "-0.5", "10.50", "-10.50", "0.000000000000000001", "-0.000000000000000001",
		"99999999999999.999999999999999999", "-99999999999999.999999999999999999", "123456789.123456789", "-0.999999999000000001",
		"0.000000001", "-0.000000001", "5.000000000000000000", "1000000000000000000", "-999999999999999999.999999999999999999",
		strings.Repeat("9", 54) + ".999999999999999999", "-" + strings.Repeat("9", 54) + ".999999999999999999", "-1" + strings.Repeat("0", 45)}
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 2000; i++ {
		amounts = append(amounts, ledger.FormatAmount(decimal.New(rng.Int63n(2e18)-1e18, -int32(rng.Intn(19))).Truncate(18)))
		amounts = append(amounts, ledger.FormatAmount(decimal.New(rng.Int63n(2e18)-1e18, int32(rng.Intn(37)))))
	}
	var es []ledger.Entry
	for i, a := range amounts {
		d := decimal.RequireFromString(a)
		if d.Abs().Cmp(maxAmount) >= 0 {
			continue
		}
		es = append(es, ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: fmt.Sprint(i)}, Date: ledger.Date{Year: 2026, Month: 1, Day: 1},
			Postings: []ledger.Posting{{Account: "assets:a", Amount: d, Currency: "USD"}, {Account: "equity:b", Amount: d.Neg(), Currency: "USD"}}})
	}
	if _, err := db.Post(ctx, es); err != nil {
		t.Fatal(err)
	}
	rows, err := db.r.Query(`SELECT amount, ` + limbCols("", false) + ` FROM postings`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var a string
		var l limbs
		if err := rows.Scan(append([]any{&a}, l.ptrs()...)...); err != nil {
			t.Fatal(err)
		}
		if g, ok := splitText(a); !ok || g != l {
			t.Errorf("%s: SQLite %v, Go %v, %v", a, l, g, ok)
		}
		n++
	}
	if n < 2*3000 {
		t.Errorf("only %d postings checked", n)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Error(err)
	}
}

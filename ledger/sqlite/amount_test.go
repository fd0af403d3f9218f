package sqlite

import (
	"math/rand"
	"testing"

	"github.com/shopspring/decimal"
)

func TestSplitText(t *testing.T) {
	tests := []struct {
		in            string
		units, hi, lo int64
	}{
		{"0", 0, 0, 0},
		{"10.50", 10, 500000000, 0},
		{"-1.5", -2, 500000000, 0},
		{"-1", -1, 0, 0},
		{"0.000000000000000001", 0, 0, 1},
		{"-0.000000000000000001", -1, 999999999, 999999999},
		{"99999999999999.999999999999999999", 99999999999999, 999999999, 999999999},
		{"-99999999999999.999999999999999999", -100000000000000, 0, 1},
		{"0.123456789123456789", 0, 123456789, 123456789},
	}
	for _, tc := range tests {
		u, h, l, ok := splitText(tc.in)
		if !ok || u != tc.units || h != tc.hi || l != tc.lo {
			t.Errorf("splitText(%q) = %d, %d, %d, %v; want %d, %d, %d", tc.in, u, h, l, ok, tc.units, tc.hi, tc.lo)
		}
		if got := joinAmount(u, h, l); !got.Equal(decimal.RequireFromString(tc.in)) {
			t.Errorf("joinAmount(splitText(%q)) = %s", tc.in, got)
		}
	}
	for _, bad := range []string{"", "-", ".5", "5.", "1e3", "+1", "1.0000000000000000001", "1,5", " 1", "--1", "0x1", "1234567890123456789"} {
		if _, _, _, ok := splitText(bad); ok {
			t.Errorf("splitText(%q) accepted", bad)
		}
	}
}

// TestSplitRandom compares the integer split with decimal arithmetic and
// checks that sums of splits are exact.
func TestSplitRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	sum, parts := decimal.Zero, intSumTest{}
	for i := 0; i < 20000; i++ {
		d := decimal.New(rng.Int63n(2e17)-1e17, -int32(rng.Intn(19)))
		s := split(d)
		u := d.Floor()
		frac := d.Sub(u).Shift(18).IntPart()
		if s.units != u.IntPart() || s.hi != frac/1e9 || s.lo != frac%1e9 {
			t.Fatalf("split(%s) = %+v", d, s)
		}
		sum = sum.Add(d)
		parts.add(s)
	}
	if got := parts.value(); !got.Equal(sum) {
		t.Errorf("sum of splits %s, want %s", got, sum)
	}
}

type intSumTest struct{ intSum }

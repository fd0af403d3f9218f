package sqlite

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
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

// TestGeneratedColumnsAgreeWithGo posts edge and random amounts and reads
// back the integer columns SQLite generated: they must equal splitText's.
func TestGeneratedColumnsAgreeWithGo(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, ledger.SystemClock{})
	amounts := []string{"0", "1", "-1", "0.5", "-0.5", "10.50", "-10.50", "0.000000000000000001", "-0.000000000000000001",
		"99999999999999.999999999999999999", "-99999999999999.999999999999999999", "123456789.123456789", "-0.999999999000000001",
		"0.000000001", "-0.000000001", "5.000000000000000000"}
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 2000; i++ {
		amounts = append(amounts, ledger.FormatAmount(decimal.New(rng.Int63n(2e18)-1e18, -int32(rng.Intn(19))).Truncate(18)))
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
	rows, err := db.r.Query(`SELECT amount, units, frac_hi, frac_lo FROM postings`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var a string
		var u, h, l int64
		if err := rows.Scan(&a, &u, &h, &l); err != nil {
			t.Fatal(err)
		}
		gu, gh, gl, ok := splitText(a)
		if !ok || gu != u || gh != h || gl != l {
			t.Errorf("%s: SQLite (%d, %d, %d), Go (%d, %d, %d, %v)", a, u, h, l, gu, gh, gl, ok)
		}
		n++
	}
	if n < 2*1000 {
		t.Errorf("only %d postings checked", n)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Error(err)
	}
}

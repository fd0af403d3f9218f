package sqlite_test

import (
	"context"
	"math/rand"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestEntryGuardBalance writes entries with raw SQL, past the Go code, and
// checks the database's verdict on each against decimal arithmetic: the
// entry guard (migration 0067) accepts an entry exactly when its postings
// sum to zero in every currency, and otherwise says "entry does not
// balance". The postings are narrow (the guard's short way: one currency,
// at most 9 integer and 9 fractional digits) or wide (up to 54 integer
// and 18 fractional digits, or two currencies), and the unbalanced ones
// are off by one unit in some digit, so that every limb and every carry
// between limbs is met.
func TestEntryGuardBalance(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	raw := rawDB(t, db)
	if _, err := db.Post(context.Background(), []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
		t.Fatal(err)
	}
	var head string
	if err := raw.QueryRow(`SELECT hash FROM entries WHERE id = 1`).Scan(&head); err != nil {
		t.Fatal(err)
	}

	// check writes entry 2 with postings amounts (in USD, or in the
	// currencies given) and rolls it back; it reports whether the database
	// took it, and fails on any error but the guard's.
	check := func(amounts []string, currencies []string) bool {
		t.Helper()
		tx, err := raw.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for i, a := range amounts {
			cur := "USD"
			if currencies != nil {
				cur = currencies[i]
			}
			if _, err := tx.Exec(`INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (2, ?, ?, ?, ?)`, i+1, i%2+1, cur, a); err != nil {
				t.Fatalf("posting %s: %v", a, err)
			}
		}
		_, err = tx.Exec(`INSERT INTO entries VALUES (2, 'raw', 'x', '2026-02-11', '2026-04-01T09:00:00.000000000Z', '', '{}', NULL, ?, 'h2')`, head)
		if err != nil && !strings.Contains(err.Error(), "entry does not balance") {
			t.Fatalf("%v in %v: %v", amounts, currencies, err)
		}
		return err == nil
	}
	balances := func(amounts []string, currencies []string) bool {
		sums := map[string]decimal.Decimal{}
		for i, a := range amounts {
			cur := "USD"
			if currencies != nil {
				cur = currencies[i]
			}
			sums[cur] = sums[cur].Add(decimal.RequireFromString(a))
		}
		for _, s := range sums {
			if !s.IsZero() {
				return false
			}
		}
		return true
	}

	// By hand: the carries of the short way (l1 into l2) and its edges.
	for _, tc := range []struct {
		amounts []string
		want    bool
	}{
		{[]string{"0.6", "0.4", "-1"}, true},                                  // s1 = 10^9, s2 = -1
		{[]string{"-0.6", "-0.4", "1"}, true},                                 // s1 = -10^9, s2 = 1
		{[]string{"0.6", "0.4", "-2"}, false},                                 // the carry leaves -1
		{[]string{"0.5", "0"}, false},                                         // s1 not a multiple of 10^9, s2 + carry 0
		{[]string{"0.5", "0.5"}, false},                                       // s1 = 10^9, s2 = 0: one unit over
		{[]string{"999999999.999999999", "-999999999.999999999"}, true},       // the widest narrow amounts
		{[]string{"999999999.999999999", "0.000000001", "-1000000000"}, true}, // 10 integer digits: the long way
		{[]string{"999999999.999999999", "0.000000001", "-999999999"}, false},
		{[]string{"0.0000000001", "-0.0000000001"}, true}, // wide: l0
		{[]string{"0.0000000001", "-0.0000000002"}, false},
		{[]string{"123456789012345678901234567890", "-123456789012345678901234567890"}, true},
		{[]string{"123456789012345678901234567890", "-123456789012345678901234567889"}, false},
	} {
		if got := check(tc.amounts, nil); got != tc.want || balances(tc.amounts, nil) != tc.want {
			t.Errorf("%v: taken %v, want %v", tc.amounts, got, tc.want)
		}
	}
	// Two currencies that each balance only with the other's amounts
	// swapped: the verdict is per currency.
	if check([]string{"1", "-2", "2", "-1"}, []string{"USD", "USD", "EUR", "EUR"}) {
		t.Error("two currencies that do not balance each: taken")
	}
	if !check([]string{"1", "-1", "2", "-2"}, []string{"USD", "USD", "EUR", "EUR"}) {
		t.Error("two currencies that balance each: refused")
	}

	// At random: n postings balanced by the last one, then each off by one
	// unit in a random digit of a random posting.
	rng := rand.New(rand.NewSource(23))
	amount := func(wide bool) decimal.Decimal {
		intDigits, fracDigits := rng.Intn(10), rng.Intn(10)
		if wide {
			intDigits, fracDigits = rng.Intn(45), rng.Intn(19)
		}
		var b strings.Builder
		b.WriteString("0")
		for range intDigits {
			b.WriteByte(byte('0' + rng.Intn(10)))
		}
		if fracDigits > 0 {
			b.WriteByte('.')
			for range fracDigits {
				b.WriteByte(byte('0' + rng.Intn(10)))
			}
		}
		d := decimal.RequireFromString(b.String())
		if rng.Intn(2) == 0 {
			d = d.Neg()
		}
		return d
	}
	taken, refused := 0, 0
	for i := range 1500 {
		wide := i%3 == 0
		n := 2 + rng.Intn(4)
		ds := make([]decimal.Decimal, n)
		sum := decimal.Zero
		for j := range n - 1 {
			ds[j] = amount(wide)
			sum = sum.Add(ds[j])
		}
		ds[n-1] = sum.Neg()
		if rng.Intn(2) == 0 {
			exp := -18 + rng.Intn(27) // one unit in the 18th fractional to the 9th integer digit
			if !wide {
				exp = -9 + rng.Intn(18)
			}
			j := rng.Intn(n)
			ds[j] = ds[j].Add(decimal.New(int64(1-2*rng.Intn(2)), int32(exp)))
		}
		amounts := make([]string, n)
		for j, d := range ds {
			amounts[j] = ledger.FormatAmount(d)
		}
		want := balances(amounts, nil)
		if got := check(amounts, nil); got != want {
			t.Fatalf("%v (case %d): taken %v, want %v", amounts, i, got, want)
		}
		if want {
			taken++
		} else {
			refused++
		}
	}
	if taken < 600 || refused < 600 {
		t.Fatalf("taken %d, refused %d: the cases do not cover both verdicts", taken, refused)
	}
	t.Logf("%d taken, %d refused", taken, refused)
}

package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// oldBalanceAmount is how TrialBalance read a balance's text before it
// used the ledger's decimal grammar: through math/big, then once more
// through its String to drop the trailing zeros.
func oldBalanceAmount(s string) decimal.Decimal {
	return decimal.RequireFromString(decimal.RequireFromString(s).String())
}

// exact shows a decimal as what it is: its text, its coefficient and its
// exponent (10.5 is 105e-1, 100 is 100e0).
func exact(d decimal.Decimal) string {
	return fmt.Sprintf("%s (%se%d)", d.String(), d.Coefficient().String(), d.Exponent())
}

// The text a balance comes in (numeric's output) reads as the old path
// read it, value and exponent: trailing zeros dropped, 18 digits and more,
// negative, zero.
func TestBalanceAmount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0 (0e0)"},
		{"0.00", "0 (0e0)"},
		{"0.000000000000000000000000000000", "0 (0e0)"},
		{"10.50", "10.5 (105e-1)"},
		{"-10.50", "-10.5 (-105e-1)"},
		{"100.00", "100 (100e0)"},
		{"-100", "-100 (-100e0)"},
		{"1000", "1000 (1000e0)"},
		{"-0.5", "-0.5 (-5e-1)"},
		{"0.000000000000000001", "0.000000000000000001 (1e-18)"},
		{"-0.000000000000000001000", "-0.000000000000000001 (-1e-18)"},
		{"999999999999999999.999999999999999999", "999999999999999999.999999999999999999 (999999999999999999999999999999999999e-18)"},
		{"-1999999999999999999.999999999999999998", "-1999999999999999999.999999999999999998 (-1999999999999999999999999999999999998e-18)"},
		{"9223372036854775807", "9223372036854775807 (9223372036854775807e0)"},
		{"9223372036854775808", "9223372036854775808 (9223372036854775808e0)"},
		{"-9223372036854775808.0", "-9223372036854775808 (-9223372036854775808e0)"},
		{"922337203685477580.7", "922337203685477580.7 (9223372036854775807e-1)"},
		{"123456789012345678901234567890.123456789012345678900000", "123456789012345678901234567890.1234567890123456789 (1234567890123456789012345678901234567890123456789e-19)"},
		{"5000000000000000000000", "5000000000000000000000 (5000000000000000000000e0)"},
	}
	for _, tc := range tests {
		got, err := postgres.BalanceAmount(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if exact(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, exact(got), tc.want)
		}
		if old := oldBalanceAmount(tc.in); exact(old) != exact(got) {
			t.Errorf("%s: got %s, the old path %s", tc.in, exact(got), exact(old))
		}
	}
	// Random numbers of 1 to 40 digits, up to 30 of them after the point,
	// some with trailing zeros: the same as the old path.
	seed := time.Now().UnixNano()
	r := rand.New(rand.NewSource(seed))
	for range 20000 {
		digits := make([]byte, 1+r.Intn(40))
		for i := range digits {
			digits[i] = byte('0' + r.Intn(10))
		}
		if r.Intn(3) == 0 {
			for i := len(digits) - 1 - r.Intn(len(digits)); i < len(digits); i++ {
				digits[i] = '0'
			}
		}
		s := strings.TrimLeft(string(digits), "0")
		if s == "" {
			s = "0"
		}
		if scale := r.Intn(31); scale > 0 {
			s = strings.Repeat("0", max(0, scale+1-len(s))) + s
			s = s[:len(s)-scale] + "." + s[len(s)-scale:]
		}
		if r.Intn(2) == 0 && strings.Trim(s, "0.") != "" {
			s = "-" + s
		}
		got, err := postgres.BalanceAmount(s)
		if err != nil || exact(got) != exact(oldBalanceAmount(s)) {
			t.Fatalf("seed %d: %s: got %s (%v), the old path %s", seed, s, exact(got), err, exact(oldBalanceAmount(s)))
		}
	}
	for _, bad := range []string{"", "NaN", "1e5", "-", "1.2.3", " 1"} {
		if _, err := postgres.BalanceAmount(bad); err == nil || err.Error() != fmt.Sprintf("%q is not a decimal", bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// The server's numeric text of every amount above, read by TrialBalance's
// path, is the number the server holds: the same as its binary form read
// through pgtype.Numeric, trailing zeros dropped.
func TestBalanceAmountFromServer(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, storetest.NewClock(storetest.T0))
	nums := []string{"0", "0.00", "10.50", "-10.50", "100.00", "-0.5", "0.000000000000000001",
		"999999999999999999.999999999999999999", "-1999999999999999999.999999999999999998",
		"123456789012345678901234567890.123456789012345678900000", "5000000000000000000000", "1e-30", "-12.3400e10"}
	for _, n := range nums {
		var text string
		var bin pgtype.Numeric
		if err := db.Pool().QueryRow(ctx, `SELECT $1::numeric::text, $1::numeric`, n).Scan(&text, &bin); err != nil {
			t.Fatal(err)
		}
		got, err := postgres.BalanceAmount(text)
		if err != nil {
			t.Fatal(err)
		}
		fromBinary := oldBalanceAmount(decimal.NewFromBigInt(bin.Int, bin.Exp).String())
		if exact(got) != exact(fromBinary) || exact(got) != exact(oldBalanceAmount(text)) {
			t.Errorf("%s: server's text %s reads %s; its binary %s, the old text path %s", n, text, exact(got), exact(fromBinary), exact(oldBalanceAmount(text)))
		}
	}
}

// Balances of large scale and precision, negative and zero, through every
// view of TrialBalance: exact values and exponents, ordered by account and
// currency in byte order, the same as SQLite's.
func TestTrialBalanceExactAmounts(t *testing.T) {
	ctx := context.Background()
	most := "999999999999999999.999999999999999999"
	tiny := "0.000000000000000001"
	entry := func(id, date string, ps ...ledger.Posting) ledger.Entry {
		return ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: id}, Date: storetest.D(date), Description: id, Postings: ps}
	}
	P := storetest.P
	entries := []ledger.Entry{
		entry("big-1", "2026-01-05", P("assets:b", most, "USD"), P("income:b", "-"+most, "USD")),
		entry("big-2", "2026-01-06", P("assets:b", most, "USD"), P("income:b", "-"+most, "USD")),
		entry("tiny", "2026-01-07", P("assets:a-z", tiny, "EUR"), P("income:a", "-"+tiny, "EUR")),
		entry("tiny-back", "2026-02-01", P("assets:a-z", "-"+tiny, "EUR"), P("income:a", tiny, "EUR")),
		entry("half", "2026-01-08", P("assets:b", "10.50", "JPY"), P("assets:b", "-10.00", "CHF"), P("income:a", "-10.50", "JPY"), P("expenses:x", "10.00", "CHF")),
		entry("whole", "2026-02-02", P("assets:b", "89.50", "JPY"), P("income:a", "-89.50", "JPY")),
	}
	clock := storetest.NewClock(storetest.T0)
	pg := openDB(t, clock)
	liteClock := storetest.NewClock(storetest.T0)
	lite := tempdb.Open(t, liteClock)
	// An empty book has no balances: nil, as SQLite's (JSON null, not []).
	for _, q := range []ledger.BalanceQuery{{}, {AsOf: storetest.D("2026-01-31")}, {KnownAt: storetest.T0}} {
		if bs, err := pg.TrialBalance(ctx, q); err != nil || bs != nil {
			t.Errorf("empty book, %+v: %#v, %v", q, bs, err)
		}
	}
	for _, j := range []ledger.Journal{pg, lite} {
		if _, err := j.Post(ctx, entries[:4]); err != nil {
			t.Fatal(err)
		}
	}
	known := clock.Now()
	clock.Advance(time.Hour)
	liteClock.Advance(time.Hour)
	for _, j := range []ledger.Journal{pg, lite} {
		if _, err := j.Post(ctx, entries[4:]); err != nil {
			t.Fatal(err)
		}
	}
	views := []struct {
		name string
		q    ledger.BalanceQuery
		want []string
	}{
		{"current", ledger.BalanceQuery{}, []string{
			"assets:a-z EUR asset 0 (0e0)",
			"assets:b CHF asset -10 (-10e0)",
			"assets:b JPY asset 100 (100e0)",
			"assets:b USD asset 1999999999999999999.999999999999999998 (1999999999999999999999999999999999998e-18)",
			"expenses:x CHF expense 10 (10e0)",
			"income:a EUR income 0 (0e0)",
			"income:a JPY income -100 (-100e0)",
			"income:b USD income -1999999999999999999.999999999999999998 (-1999999999999999999999999999999999998e-18)",
		}},
		{"as-of", ledger.BalanceQuery{AsOf: storetest.D("2026-01-31")}, []string{
			"assets:a-z EUR asset 0.000000000000000001 (1e-18)",
			"assets:b CHF asset -10 (-10e0)",
			"assets:b JPY asset 10.5 (105e-1)",
			"assets:b USD asset 1999999999999999999.999999999999999998 (1999999999999999999999999999999999998e-18)",
			"expenses:x CHF expense 10 (10e0)",
			"income:a EUR income -0.000000000000000001 (-1e-18)",
			"income:a JPY income -10.5 (-105e-1)",
			"income:b USD income -1999999999999999999.999999999999999998 (-1999999999999999999999999999999999998e-18)",
		}},
		{"known-at", ledger.BalanceQuery{KnownAt: known}, []string{
			"assets:a-z EUR asset 0 (0e0)",
			"assets:b USD asset 1999999999999999999.999999999999999998 (1999999999999999999999999999999999998e-18)",
			"income:a EUR income 0 (0e0)",
			"income:b USD income -1999999999999999999.999999999999999998 (-1999999999999999999999999999999999998e-18)",
		}},
		{"known-at and as-of", ledger.BalanceQuery{KnownAt: known, AsOf: storetest.D("2026-01-05")}, []string{
			"assets:b USD asset 999999999999999999.999999999999999999 (999999999999999999999999999999999999e-18)",
			"income:b USD income -999999999999999999.999999999999999999 (-999999999999999999999999999999999999e-18)",
		}},
	}
	show := func(bs []ledger.Balance) string {
		var s []string
		for _, b := range bs {
			s = append(s, b.Account+" "+b.Currency+" "+string(b.Type)+" "+exact(b.Amount))
		}
		return strings.Join(s, "\n")
	}
	for _, v := range views {
		// Twice: the second call names the accounts from the cache.
		for range 2 {
			bs, err := pg.TrialBalance(ctx, v.q)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := show(bs), strings.Join(v.want, "\n"); got != want {
				t.Errorf("%s:\n got %s\nwant %s", v.name, got, want)
			}
		}
		lbs, err := lite.TrialBalance(ctx, v.q)
		if err != nil {
			t.Fatal(err)
		}
		var text []string
		for _, b := range lbs {
			text = append(text, b.Account+" "+b.Currency+" "+string(b.Type)+" "+b.Amount.String())
		}
		var want []string
		for _, w := range v.want {
			want = append(want, w[:strings.LastIndex(w, " (")])
		}
		if strings.Join(text, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s on SQLite:\n got %s\nwant %s", v.name, strings.Join(text, "\n"), strings.Join(want, "\n"))
		}
	}
}

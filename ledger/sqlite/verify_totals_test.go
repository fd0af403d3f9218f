package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestVerifyBalanceTotals edits the running totals with raw SQL: each
// edit is reported, naming the account and currency.
func TestVerifyBalanceTotals(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD"), storetest.Sale("2", "2026-02-10", "5.5", "EUR")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+db.Path()+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var acct int64
	var name string
	if err := raw.QueryRow(`SELECT id, name FROM accounts ORDER BY id DESC LIMIT 1`).Scan(&acct, &name); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, edit, undo, want string
	}{
		{"l0 changed", `UPDATE balance_totals SET l0 = l0 + 1 WHERE account_id = ? AND currency = 'EUR'`,
			`UPDATE balance_totals SET l0 = l0 - 1 WHERE account_id = ? AND currency = 'EUR'`,
			"balance totals of " + name + " EUR disagree with its postings"},
		{"l2 changed", `UPDATE balance_totals SET l2 = l2 + 1 WHERE account_id = ? AND currency = 'EUR'`,
			`UPDATE balance_totals SET l2 = l2 - 1 WHERE account_id = ? AND currency = 'EUR'`,
			"balance totals of " + name + " EUR disagree with its postings"},
		{"l7 changed", `UPDATE balance_totals SET l7 = l7 + 1 WHERE account_id = ? AND currency = 'EUR'`,
			`UPDATE balance_totals SET l7 = l7 - 1 WHERE account_id = ? AND currency = 'EUR'`,
			"balance totals of " + name + " EUR disagree with its postings"},
		{"row deleted", `DELETE FROM balance_totals WHERE account_id = ? AND currency = 'EUR'`,
			`INSERT INTO balance_totals SELECT account_id, currency, sum(l0), sum(l1), sum(l2), sum(l3), sum(l4), sum(l5), sum(l6), sum(l7) FROM postings WHERE account_id = ? AND currency = 'EUR' GROUP BY 1, 2`,
			"balance totals of " + name + " EUR disagree with its postings"},
		{"row without postings", `INSERT INTO balance_totals VALUES (?, 'JPY', 0, 0, 0, 0, 0, 0, 0, 0)`,
			`DELETE FROM balance_totals WHERE account_id = ? AND currency = 'JPY'`,
			"balance totals of " + name + " JPY disagree with its postings"},
	} {
		if _, err := raw.Exec(tc.edit, acct); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyReport(ctx); err == nil || err.Error() != tc.want {
			t.Errorf("%s: Verify = %v, want %q", tc.name, err, tc.want)
		}
		if _, err := raw.Exec(tc.undo, acct); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyReport(ctx); err != nil {
			t.Fatalf("%s undone: %v", tc.name, err)
		}
	}
}

// TestVerifyFarGap: an entry forged far beyond the end (triggers dropped)
// is reported at once, not after reading every empty range of IDs before it.
func TestVerifyFarGap(t *testing.T) {
	for _, tc := range []struct {
		posted int
		want   string
	}{
		{3, "entry 4: missing: entry ids jump from 3 to 1000000000000"},
		{0, "entry 1: missing: the journal starts at entry 1000000000000"},
	} {
		ctx := context.Background()
		db := tempdb.Open(t, storetest.NewClock(storetest.T0))
		for k := 1; k <= tc.posted; k++ {
			if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale(fmt.Sprint(k), "2026-01-10", "10", "USD")}); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := sql.Open("sqlite3", "file:"+db.Path()+"?_busy_timeout=5000")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		for _, q := range []string{
			`DROP TRIGGER entries_insert_guard`,
			`INSERT OR IGNORE INTO accounts (id, name, type) VALUES (1, 'assets:cash', 'asset'), (2, 'income:sales', 'income')`,
			`INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (1000000000000, 1, 1, 'USD', '1'), (1000000000000, 2, 2, 'USD', '-1')`,
			`INSERT INTO entries VALUES (1000000000000, 'raw', 'far', '2026-02-11', '2026-04-01T09:00:00.000000000Z', '', '{}', NULL, '', 'h')`,
		} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		start := time.Now()
		_, err = db.VerifyReport(ctx)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Verify = %v, want %q", err, tc.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Verify took %v", d)
		}
	}
}

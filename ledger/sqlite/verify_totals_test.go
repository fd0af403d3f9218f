package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestVerifyBalanceTotals edits the running totals with raw SQL: each
// edit is reported, naming the account and currency.
func TestVerifyBalanceTotals(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD"), storetest.Sale("2", "2026-02-10", "5.5", "EUR")}); err != nil {
		t.Fatal(err)
	}
	if err := db.Verify(ctx); err != nil {
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
		{"l changed", `UPDATE balance_totals SET l = l + 1 WHERE account_id = ? AND currency = 'EUR'`,
			`UPDATE balance_totals SET l = l - 1 WHERE account_id = ? AND currency = 'EUR'`,
			"balance totals of " + name + " EUR disagree with its postings"},
		{"u changed", `UPDATE balance_totals SET u = u + 1 WHERE account_id = ? AND currency = 'EUR'`,
			`UPDATE balance_totals SET u = u - 1 WHERE account_id = ? AND currency = 'EUR'`,
			"balance totals of " + name + " EUR disagree with its postings"},
		{"row deleted", `DELETE FROM balance_totals WHERE account_id = ? AND currency = 'EUR'`,
			`INSERT INTO balance_totals SELECT account_id, currency, sum(units), sum(frac_hi), sum(frac_lo) FROM postings WHERE account_id = ? AND currency = 'EUR' GROUP BY 1, 2`,
			"balance totals of " + name + " EUR disagree with its postings"},
		{"row without postings", `INSERT INTO balance_totals VALUES (?, 'JPY', 0, 0, 0)`,
			`DELETE FROM balance_totals WHERE account_id = ? AND currency = 'JPY'`,
			"balance totals of " + name + " JPY disagree with its postings"},
	} {
		if _, err := raw.Exec(tc.edit, acct); err != nil {
			t.Fatal(err)
		}
		if err := db.Verify(ctx); err == nil || err.Error() != tc.want {
			t.Errorf("%s: Verify = %v, want %q", tc.name, err, tc.want)
		}
		if _, err := raw.Exec(tc.undo, acct); err != nil {
			t.Fatal(err)
		}
		if err := db.Verify(ctx); err != nil {
			t.Fatalf("%s undone: %v", tc.name, err)
		}
	}
}

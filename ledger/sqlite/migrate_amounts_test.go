package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestMigrate0050KeepsPostings builds a book with every migration before
// 0050 (postings as units, frac_hi and frac_lo; amounts below 10^14),
// writes a journal into it as the code of then did, and opens it with this
// binary: 0050 copies the postings into the limb columns and rebuilds the
// balance history. The amounts read back unchanged, every trial-balance
// view is exact, verify passes, and the book takes amounts past 10^18.
func TestMigrate0050KeepsPostings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	_, raw := oldBook(t, path, func(name string) bool { return name < "0050" })
	// Two calls (two recorded-at instants), three dates, two currencies,
	// negative amounts with fractions (units below zero in 0001's split).
	recorded := []time.Time{time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)}
	type oldEntry struct {
		date    string
		call    int
		amounts []string // per posting, alternating accounts 1 and 2
		cur     string
	}
	journal := []oldEntry{
		{"2026-03-01", 0, []string{"10.50", "-10.50"}, "USD"},
		{"2026-03-01", 0, []string{"-99999999999999.999999999999999999", "99999999999999.999999999999999999"}, "USD"},
		{"2026-03-02", 1, []string{"0.000000000000000001", "-0.000000000000000001"}, "EUR"},
		{"2026-04-15", 1, []string{"-1.5", "1.5", "7", "-7"}, "EUR"},
	}
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []string{"assets:receivable:s:c", "income:revenue:s:c"} {
		typ := []string{"asset", "income"}[i]
		if _, err := tx.Exec(`INSERT INTO accounts (id, name, type) VALUES (?, ?, ?)`, i+1, n, typ); err != nil {
			t.Fatal(err)
		}
	}
	prev := ""
	for i, r := range journal {
		id := int64(i + 1)
		e := ledger.Entry{ID: id, Key: ledger.Key{Source: "raw", ExternalID: r.date + r.cur + string(rune('a'+i))},
			Date: storetest.D(r.date), RecordedAt: recorded[r.call]}
		for j, a := range r.amounts {
			acct := []string{"assets:receivable:s:c", "income:revenue:s:c"}[j%2]
			d, _ := parseAmountText(a)
			e.Postings = append(e.Postings, ledger.Posting{Account: acct, Amount: d, Currency: r.cur})
			if _, err := tx.Exec(`INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (?, ?, ?, ?, ?)`,
				id, j+1, j%2+1, r.cur, a); err != nil {
				t.Fatal(err)
			}
		}
		h := ledger.ChainHash(prev, &e)
		if _, err := tx.Exec(`INSERT INTO entries (id, source, external_id, date, recorded_at, description, meta, reverses, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, '', '{}', NULL, ?, ?)`, id, e.Key.Source, e.Key.ExternalID, r.date, formatTime(recorded[r.call]), prev, h); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
	if _, err := tx.Exec(`INSERT INTO journal_head (id, entry_id, hash) VALUES (1, ?, ?)`, len(journal), prev); err != nil {
		t.Fatal(err)
	}
	// The balance history as 0005 and 0025 build it for an existing journal.
	for _, q := range []string{`DELETE FROM balance_totals`, `DELETE FROM balance_days`, `DELETE FROM balance_months`, `DELETE FROM balance_marks`,
		`INSERT INTO balance_totals (account_id, currency, u, h, l)
			SELECT account_id, currency, sum(units), sum(frac_hi), sum(frac_lo) FROM postings GROUP BY account_id, currency`,
		MigrationSQL(t, "0025_balance_history.sql", "INSERT INTO balance_days")} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	views := []ledger.BalanceQuery{{}, {AsOf: storetest.D("2026-03-01")}, {KnownAt: recorded[0]},
		{AsOf: storetest.D("2026-03-31"), KnownAt: recorded[0]}}
	var want [][]ledger.Balance
	for _, q := range views {
		rtx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The reference: 0001's integer columns summed.
		bs, err := scanOld(rtx, q)
		rtx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, bs)
	}
	raw.Close()

	db, err := Open(ctx, path, ledger.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, q := range views {
		got, err := db.TrialBalance(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := strings.Join(render(got), "; "), strings.Join(render(want[i]), "; "); g != w {
			t.Errorf("view %+v after 0050:\n got %s\nwant %s", q, g, w)
		}
	}
	for i, r := range journal {
		e, err := db.Entry(ctx, int64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		for j, p := range e.Postings {
			if got := ledger.FormatAmount(p.Amount); got != r.amounts[j] {
				t.Errorf("entry %d posting %d reads %s, want %s", i+1, j+1, got, r.amounts[j])
			}
		}
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Fatalf("verify after 0050: %v", err)
	}
	big := "123456789012345678901234567890.123456789012345678"
	if _, err := db.Post(ctx, []ledger.Entry{{Key: ledger.Key{Source: "t", ExternalID: "big"}, Date: storetest.D("2026-05-01"),
		Postings: []ledger.Posting{{Account: "assets:receivable:s:c", Amount: storetest.Dec(big), Currency: "VND"},
			{Account: "income:revenue:s:c", Amount: storetest.Dec("-" + big), Currency: "VND"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Fatalf("verify after a large posting: %v", err)
	}
}

// scanOld is the trial balance of 0001's columns, summed in SQL.
func scanOld(rtx *sql.Tx, q ledger.BalanceQuery) ([]ledger.Balance, error) {
	var conds []string
	var args []any
	if !q.KnownAt.IsZero() {
		conds = append(conds, "e.recorded_at <= ?")
		args = append(args, formatTime(q.KnownAt))
	}
	if !q.AsOf.IsZero() {
		conds = append(conds, "e.date <= ?")
		args = append(args, q.AsOf.String())
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := rtx.Query(`SELECT a.name, a.type, p.currency, sum(p.units), sum(p.frac_hi), sum(p.frac_lo)
		FROM postings p JOIN entries e ON e.id = p.entry_id JOIN accounts a ON a.id = p.account_id `+where+`
		GROUP BY a.name, p.currency ORDER BY a.name, p.currency`, args...)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, func(row rowScanner) (ledger.Balance, error) {
		var b ledger.Balance
		var typ string
		var u, h, l int64
		if err := row.Scan(&b.Account, &typ, &b.Currency, &u, &h, &l); err != nil {
			return b, err
		}
		b.Type = ledger.AccountType(typ)
		b.Amount = limbsOf(l, h, u).value()
		return b, nil
	})
}

func limbsOf(l ...int64) *limbs {
	var x limbs
	copy(x[:], l)
	return &x
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestMigrate0061KeepsPostings builds a book with every migration before
// 0061 and postings that fill every limb (negative, 18 fractional digits,
// 27 integer digits), then opens it with this binary: 0061 rebuilds
// postings with its two helper columns untyped. Every posting's amount and
// limbs read back unchanged, verify passes, and the helpers have no type,
// so that quick_check does not compute them for every row.
func TestMigrate0061KeepsPostings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, raw := oldBook(t, path, func(name string) bool { return name < "0061" })
	amounts := []string{"10.50", "-99999999999999.999999999999999999", "0.000000000000000001", "123456789012345678901234567.5", "-7"}
	err := old.WithTx(ctx, func(tx *Tx) error {
		var es []ledger.Entry
		for i, a := range amounts {
			d := decimal.RequireFromString(a)
			es = append(es, ledger.Entry{Key: ledger.Key{Source: "raw", ExternalID: fmt.Sprint(i)}, Date: storetest.D("2026-03-01"),
				Postings: []ledger.Posting{
					{Account: "assets:receivable:s:c", Amount: d, Currency: "USD"},
					{Account: "income:revenue:s:c", Amount: d.Neg(), Currency: "USD"},
				}})
		}
		_, err := tx.PostEntries(es)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	before := postingRows(t, raw)
	raw.Close()

	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if after := postingRows(t, db.r); !reflect.DeepEqual(after, before) {
		t.Errorf("postings after 0061:\n%q\nwant\n%q", after, before)
	}
	if len(before) != 2*len(amounts) || before[7] != "4 2 -123456789012345678901234567.5 0 -500000000 -901234567 -12345678 -123456789 0 0 0" {
		t.Errorf("postings before 0061: %q", before)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Errorf("verify after 0061: %v", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT name, type, hidden FROM pragma_table_xinfo('postings') WHERE name LIKE 'amount_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ string
		var hidden int
		if err := rows.Scan(&name, &typ, &hidden); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, fmt.Sprintf("%s %q %d", name, typ, hidden))
	}
	if want := []string{`amount_sign "" 2`, `amount_digits "" 2`}; !reflect.DeepEqual(cols, want) {
		t.Errorf("postings' helper columns (name, type, hidden): %q, want %q", cols, want)
	}
}

// postingRows is every posting's key, amount and limbs, one line each.
func postingRows(t *testing.T, q *sql.DB) []string {
	t.Helper()
	rows, err := q.Query(`SELECT entry_id, seq, amount, l0, l1, l2, l3, l4, l5, l6, l7 FROM postings ORDER BY entry_id, seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, seq, l0, l1, l2, l3, l4, l5, l6, l7 int64
		var amount string
		if err := rows.Scan(&id, &seq, &amount, &l0, &l1, &l2, &l3, &l4, &l5, &l6, &l7); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %d %s %d %d %d %d %d %d %d %d", id, seq, amount, l0, l1, l2, l3, l4, l5, l6, l7))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

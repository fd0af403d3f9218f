package sqlite

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// TestAddAccountsLikeOneByOne posts entries to many new accounts, some
// repeated within a call and some stored by an earlier transaction, through
// the fast path (which creates a chunk's new accounts with one statement
// per 256 names) and the careful path (one account at a time): the two
// books get the same accounts with the same IDs, and the same postings.
// Before the second transaction the DB's cache is emptied, as in a new
// process, so the accounts stored by the first are found by the fast
// path's look-up, among new ones, not created again.
func TestAddAccountsLikeOneByOne(t *testing.T) {
	ctx := context.Background()
	day := ledger.Date{Year: 2026, Month: time.March, Day: 2}
	n := 0
	entries := func(from, to int) []ledger.Entry {
		var es []ledger.Entry
		for i := from; i < to; i++ {
			n++
			a := decimal.New(int64(100+i), -2)
			es = append(es, ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: fmt.Sprint(n)}, Date: day,
				Postings: []ledger.Posting{
					{Account: fmt.Sprintf("assets:receivable:s%d", i%700), Amount: a, Currency: "USD"},
					{Account: fmt.Sprintf("income:revenue:s%d", i%700), Amount: a.Neg(), Currency: "USD"},
				}})
		}
		return es
	}
	var dumps [2]string
	for k, slow := range []bool{false, true} {
		n = 0
		db := openTestDB(t, &stepClock{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)})
		db.slowPostOnly = slow
		postInCalls(t, db, entries(0, 100), func(left int) int { return left })
		db.accounts.mu.Lock()
		db.accounts.ids = nil
		db.accounts.mu.Unlock()
		postInCalls(t, db, entries(50, 1500), func(left int) int { return min(left, 600) })
		var b []byte
		for _, q := range []string{`SELECT id, name, type, NULL FROM accounts ORDER BY id`,
			`SELECT entry_id, seq, account_id, amount FROM postings ORDER BY entry_id, seq`} {
			rows, err := db.r.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v [4]any
				if err := rows.Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
					t.Fatal(err)
				}
				b = fmt.Appendln(b, v[:]...)
			}
			rows.Close()
		}
		dumps[k] = string(b)
		if _, err := db.VerifyReport(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(dumps[0], dumps[1]) {
		t.Fatalf("the fast path's accounts or postings differ from the careful path's")
	}
	if got, want := strings.Count(dumps[0], "\n"), 1400+2*(100+1450); got != want {
		t.Fatalf("%d accounts and postings, want %d", got, want)
	}
}

// TestAddAccountsStoredWithAnotherType: a stored account whose type is not
// the one its name says, met by the fast path's look-up among new accounts,
// is refused by name, and the call writes nothing.
func TestAddAccountsStoredWithAnotherType(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, &stepClock{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)})
	if _, err := db.w.ExecContext(ctx, `INSERT INTO accounts (name, type) VALUES ('assets:receivable:s3', 'liability')`); err != nil {
		t.Fatal(err)
	}
	day := ledger.Date{Year: 2026, Month: time.March, Day: 2}
	var es []ledger.Entry
	for i := 0; i < 40; i++ {
		a := decimal.New(int64(100+i), -2)
		es = append(es, ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: fmt.Sprint(i)}, Date: day,
			Postings: []ledger.Posting{
				{Account: fmt.Sprintf("assets:receivable:s%d", i), Amount: a, Currency: "USD"},
				{Account: fmt.Sprintf("income:revenue:s%d", i), Amount: a.Neg(), Currency: "USD"},
			}})
	}
	err := db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.PostEntries(es)
		return err
	})
	if want := `account "assets:receivable:s3" is stored with type "liability", want "asset"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("PostEntries = %v, want %s", err, want)
	}
	var accounts, entries int
	if err := db.r.QueryRow(`SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM entries)`).Scan(&accounts, &entries); err != nil {
		t.Fatal(err)
	}
	if accounts != 1 || entries != 0 {
		t.Fatalf("%d accounts and %d entries after the refused call, want 1 and 0", accounts, entries)
	}
}

// TestAddAccountsFindsStored: addAccounts, given stored accounts that the
// DB's cache does not know (a new process) among new ones and repeats, takes
// the stored ones' IDs and gives the new ones the next IDs in the order of
// names, with no error (a stored name inserted again would break the
// accounts' UNIQUE name).
func TestAddAccountsFindsStored(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, &stepClock{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)})
	for _, name := range []string{"assets:a", "income:b", "assets:c"} {
		if _, err := db.w.ExecContext(ctx, `INSERT INTO accounts (name, type) VALUES (?, ?)`, name, map[byte]string{'a': "asset", 'i': "income"}[name[0]]); err != nil {
			t.Fatal(err)
		}
	}
	var got map[string]int64
	err := db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.addAccounts([]string{"income:x", "assets:c", "assets:y", "income:x", "assets:a", "income:z"}); err != nil {
			return err
		}
		got = maps.Clone(tx.newAccounts)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"assets:a": 1, "assets:c": 3, "income:x": 4, "assets:y": 5, "income:z": 6}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("accounts = %v, want %v", got, want)
	}
}

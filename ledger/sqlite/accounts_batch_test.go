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

// TestAccountsOfAFailedCallForgotten: in one transaction, a call creates
// accounts, a second call creates more and fails, a third posts again:
// the failed call's accounts are forgotten (their IDs are given again,
// to the third call's new accounts), the first call's are kept (the
// undo list holds only the running call's names), and the commit leaves
// the DB's cache, empty before, with exactly the accounts stored. A second
// transaction's accounts join that cache.
func TestAccountsOfAFailedCallForgotten(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, &stepClock{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)})
	day := ledger.Date{Year: 2026, Month: time.March, Day: 2}
	entry := func(id, seller string, cents int64) ledger.Entry {
		a := decimal.New(cents, -2)
		return ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: id}, Date: day,
			Postings: []ledger.Posting{
				{Account: "assets:receivable:" + seller, Amount: a, Currency: "USD"},
				{Account: "income:revenue:" + seller, Amount: a.Neg(), Currency: "USD"},
			}}
	}
	bad := entry("1", "s1", 999) // the key of the first call's entry, other content: refused after s3's and s4's accounts are made
	err := db.WithTx(ctx, func(tx *Tx) error {
		if _, err := tx.PostEntries([]ledger.Entry{entry("1", "s1", 100), entry("2", "s2", 200)}); err != nil {
			return err
		}
		_, err := tx.PostEntries([]ledger.Entry{entry("3", "s3", 300), entry("4", "s4", 400), bad})
		if err == nil {
			return fmt.Errorf("entry 1 was posted again with other content")
		}
		if want := map[string]int64{"assets:receivable:s1": 1, "income:revenue:s1": 2, "assets:receivable:s2": 3, "income:revenue:s2": 4}; !reflect.DeepEqual(tx.newAccounts, want) {
			return fmt.Errorf("after the failed call: accounts %v, want %v", tx.newAccounts, want)
		}
		if len(tx.accountsAdded) != 0 {
			return fmt.Errorf("after the failed call: %d names to undo, want none", len(tx.accountsAdded))
		}
		if _, err := tx.PostEntries([]ledger.Entry{entry("4", "s4", 400), entry("5", "s1", 500)}); err != nil {
			return err
		}
		if want := []string{"assets:receivable:s4", "income:revenue:s4"}; !reflect.DeepEqual(tx.accountsAdded, want) {
			return fmt.Errorf("names to undo %q, want %q", tx.accountsAdded, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"assets:receivable:s1": 1, "income:revenue:s1": 2, "assets:receivable:s2": 3, "income:revenue:s2": 4,
		"assets:receivable:s4": 5, "income:revenue:s4": 6}
	if !reflect.DeepEqual(db.accounts.ids, want) {
		t.Fatalf("cache %v, want %v", db.accounts.ids, want)
	}
	stored := map[string]int64{}
	rows, err := db.r.Query(`SELECT id, name FROM accounts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		stored[name] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, want) {
		t.Fatalf("stored %v, want %v", stored, want)
	}
	if err := db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.PostEntries([]ledger.Entry{entry("6", "s2", 600), entry("7", "s7", 700)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want["assets:receivable:s7"], want["income:revenue:s7"] = 7, 8
	if !reflect.DeepEqual(db.accounts.ids, want) {
		t.Fatalf("cache after the second transaction %v, want %v", db.accounts.ids, want)
	}
}

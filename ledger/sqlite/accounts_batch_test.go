package sqlite

import (
	"context"
	"fmt"
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

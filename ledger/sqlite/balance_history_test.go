package sqlite

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// TestBalanceHistoryMatchesSQL interleaves posts (one to three
// PostEntries calls per transaction, through both posting paths) with trial
// balances of random views, and compares the answer from the balance
// history with the postings summed in SQL; then verify checks the history.
func TestBalanceHistoryMatchesSQL(t *testing.T) {
	for _, slow := range []bool{false, true} {
		t.Run(fmt.Sprintf("slow=%v", slow), func(t *testing.T) { testBalanceHistory(t, slow) })
	}
}

func testBalanceHistory(t *testing.T, slow bool) {
	ctx := context.Background()
	clock := &stepClock{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	db := openTestDB(t, clock)
	db.slowPostOnly = slow
	rng := rand.New(rand.NewSource(7))
	accts := []string{"assets:a", "assets:b", "income:c", "expenses:d", "liabilities:e"}
	day0 := ledger.Date{Year: 2026, Month: time.January, Day: 1}
	n := 0
	for round := 0; round < 60; round++ {
		clock.t = clock.t.Add(time.Minute)
		var batch []ledger.Entry
		for i := 0; i < 1+rng.Intn(20); i++ {
			n++
			a := decimal.New(rng.Int63n(1e9)-5e8, -int32(rng.Intn(19)))
			cur := []string{"USD", "EUR", "JPY"}[rng.Intn(3)]
			batch = append(batch, ledger.Entry{
				Key:  ledger.Key{Source: "t", ExternalID: fmt.Sprint(n)},
				Date: day0.AddDays(rng.Intn(90)),
				Postings: []ledger.Posting{
					{Account: accts[rng.Intn(len(accts))], Amount: a, Currency: cur},
					{Account: fmt.Sprintf("equity:x%d", rng.Intn(3)), Amount: a.Neg(), Currency: cur},
				},
			})
		}
		postInCalls(t, db, batch, func(left int) int { // one to three calls
			k := min(left, 1+rng.Intn(left))
			if rng.Intn(2) == 0 {
				k = left
			}
			return k
		})
		for k := 0; k < 4; k++ {
			var q ledger.BalanceQuery
			if rng.Intn(2) == 0 {
				q.AsOf = day0.AddDays(rng.Intn(100) - 5)
			}
			switch rng.Intn(3) {
			case 0:
				q.KnownAt = clock.t.Add(-time.Duration(rng.Intn(30)) * time.Minute)
			case 1:
				q.KnownAt = clock.t.Add(time.Hour)
			}
			got, want := viewAndSQL(t, db, q)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %+v:\nhistory %v\n    sql %v", round, q, got, want)
			}
		}
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
}

// viewAndSQL returns the trial balance of q as TrialBalance reads it and
// as trialBalanceSQL sums it from the postings, both rendered.
func viewAndSQL(t *testing.T, db *DB, q ledger.BalanceQuery) (got, want []string) {
	t.Helper()
	ctx := context.Background()
	view, err := db.TrialBalance(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rtx, _ := db.r.BeginTx(ctx, nil)
	sums, err := trialBalanceSQL(ctx, rtx, q)
	rtx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	return render(view), render(sums)
}

func render(bs []ledger.Balance) []string {
	out := []string{}
	for _, b := range bs {
		out = append(out, b.Account+" "+string(b.Type)+" "+b.Currency+" "+b.Amount.String())
	}
	return out
}

// postInCalls posts batch in one transaction, in calls of the sizes next
// gives for the entries left (at least one, at most all).
func postInCalls(t *testing.T, db *DB, batch []ledger.Entry, next func(left int) int) {
	t.Helper()
	err := db.WithTx(context.Background(), func(tx *Tx) error {
		for len(batch) > 0 {
			k := next(len(batch))
			if _, err := tx.PostEntries(batch[:k]); err != nil {
				return err
			}
			batch = batch[k:]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

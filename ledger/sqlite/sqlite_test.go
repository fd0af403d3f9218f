package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestStore runs the shared suite of every storage service (storetest).
func TestStore(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T, clock ledger.Clock) storetest.Backend { return tempdb.Open(t, clock) })
}

// Found by TestRandomInvariants: a close of an empty journal records head 0.
func TestVerifyAfterClosingEmptyJournal(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if err := db.ClosePeriods(ctx, storetest.D("2026-01-31")); err != nil {
		t.Fatal(err)
	}
	res, err := db.VerifyReport(ctx)
	if err != nil || res.Entries != 0 || res.HeadHash != "" {
		t.Fatalf("VerifyReport = %+v, %v", res, err)
	}
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-02-01", "1", "USD")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-02-01", "1", "USD")}); err != nil {
		t.Fatal(err)
	}
	ro, err := sqlite.OpenReadOnly(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if e, err := ro.Entry(ctx, 1); err != nil || e.Key.ExternalID != "1" {
		t.Errorf("Entry = %+v, %v", e, err)
	}
	if _, err := ro.VerifyReport(ctx); err != nil {
		t.Error(err)
	}
	_, err = ro.Post(ctx, []ledger.Entry{storetest.Sale("2", "2026-02-01", "1", "USD")})
	if ledger.ErrorCode(err) != ledger.EFORBIDDEN || err.Error() != "the database is open read-only" {
		t.Errorf("Post on read-only: %v", err)
	}
	if err := ro.ClosePeriods(ctx, storetest.D("2026-01-31")); ledger.ErrorCode(err) != ledger.EFORBIDDEN {
		t.Errorf("ClosePeriods on read-only: %v", err)
	}
	// Raw writes through the read-only handle fail too.
	if _, err := ro.Reader().Exec(`INSERT INTO period_closes VALUES ('2026-01-31', '', 0, '')`); err == nil {
		t.Error("raw write through a read-only handle succeeded")
	}
	if _, err := sqlite.OpenReadOnly(ctx, filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("OpenReadOnly created a missing database")
	}
}

// TestConcurrentWriters posts from several goroutines and from a second
// handle on the same file (as a second process would): writers serialize,
// and the chain stays whole.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0)
	db := tempdb.Open(t, clock)
	other, err := sqlite.Open(ctx, db.Path(), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func(w int) {
			h := db
			if w%2 == 1 {
				h = other
			}
			for i := 0; i < 25; i++ {
				if _, err := h.Post(ctx, []ledger.Entry{storetest.Sale(fmt.Sprintf("w%d-%d", w, i), "2026-02-01", "1.5", "USD")}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < 8; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	res, err := db.VerifyReport(ctx)
	if err != nil || res.Entries != 200 {
		t.Fatalf("VerifyReport = %+v, %v", res, err)
	}
}

// A failed PostEntries inside a transaction rolls back to its savepoint;
// accounts it created must be forgotten too, or a later account could reuse
// their IDs.
func TestFailedPostForgetsItsAccounts(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("taken", "2026-02-01", "1", "USD")}); err != nil {
		t.Fatal(err)
	}
	pair := func(id, acct string) ledger.Entry {
		e := storetest.Sale(id, "2026-02-02", "2", "USD")
		e.Postings[0].Account = acct
		return e
	}
	conflict := storetest.Sale("taken", "2026-02-01", "9", "USD")
	err := db.WithTx(ctx, func(tx *sqlite.Tx) error {
		if _, err := tx.PostEntries([]ledger.Entry{pair("a", "assets:new:a"), conflict}); ledger.ErrorCode(err) != ledger.ECONFLICT {
			t.Errorf("first call: %v, want a conflict", err)
		}
		_, err := tx.PostEntries([]ledger.Entry{pair("b", "assets:new:b"), pair("a", "assets:new:a")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	bs, _ := db.TrialBalance(ctx, ledger.BalanceQuery{})
	for _, b := range bs {
		got = append(got, b.Account+" "+b.Amount.String())
	}
	want := []string{"assets:new:a 2", "assets:new:b 2", "assets:receivable:s:c 1", "income:revenue:s:c -5"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("trial balance %v, want %v", got, want)
	}
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if as, err := db.Accounts(ctx); err != nil || len(as) != 0 {
		t.Fatalf("Accounts = %v, %v", as, err)
	}
	e := storetest.Sale("1", "2026-02-01", "1", "USD")
	e.Postings = append(e.Postings, storetest.P("liabilities:x:y", "2", "EUR"), storetest.P("expenses:x:y", "-2", "EUR"))
	if _, err := db.Post(ctx, []ledger.Entry{e}); err != nil {
		t.Fatal(err)
	}
	as, err := db.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(as)
	want := "[{assets:receivable:s:c asset} {expenses:x:y expense} {income:revenue:s:c income} {liabilities:x:y liability}]"
	if got != want {
		t.Errorf("Accounts = %s, want %s", got, want)
	}
}

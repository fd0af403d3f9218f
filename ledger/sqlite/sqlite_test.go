package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
)

func TestJournal(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock ledger.Clock) ledger.Journal {
		return openDB(t, clock)
	})
}

// openDB opens a fresh database in a temp dir, closed when the test ends.
func openDB(t testing.TB, clock ledger.Clock) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "revshare.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Found by TestRandomInvariants: a close of an empty journal records head 0.
func TestVerifyAfterClosingEmptyJournal(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, storetest.NewClock(storetest.T0))
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
	if err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

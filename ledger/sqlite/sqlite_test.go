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

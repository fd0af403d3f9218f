package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/revshare/revshare/ledger"
)

// openTestDB opens a fresh database in a temporary directory, on clock
// (nil: as Open), closed when the test ends.
func openTestDB(t testing.TB, clock ledger.Clock) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "revshare.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Package tempdb opens a new, empty SQLite book in a temporary folder for a
// test: the one opener of the tests outside ledger/sqlite that need a real
// book (ledger/sqlite's external tests, ledger/postgres's tests that compare
// the two backends, reports/httpapi). It imports ledger/sqlite, so it cannot
// live in ledger/sqlite/sqlitetest or ledger/storetest, which the package's
// internal tests import. Only tests import it.
package tempdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
)

// Open opens a new, empty database in a temporary folder, its "now" from
// clock (nil: the system clock), closed when t ends.
func Open(t testing.TB, clock ledger.Clock) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "revshare.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

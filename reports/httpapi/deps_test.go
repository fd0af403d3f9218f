package httpapi_test

import (
	"testing"

	"github.com/revshare/revshare/internal/deptest"
)

// TestNoStorageDependency keeps package httpapi on the domain services:
// cmd/revshare wires a storage backend's implementations of them.
func TestNoStorageDependency(t *testing.T) {
	deptest.Forbid(t, "github.com/revshare/revshare/reports/httpapi", func(dep string) bool {
		// (database/sql itself comes in with prometheus/collectors.)
		return dep == "github.com/mattn/go-sqlite3" || dep == "github.com/revshare/revshare/ledger/sqlite"
	})
}

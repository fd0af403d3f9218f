package httpapi_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoStorageDependency keeps package httpapi on the domain services:
// cmd/revshare wires a storage backend's implementations of them.
func TestNoStorageDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/revshare/revshare/reports/httpapi").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		// (database/sql itself comes in with prometheus/collectors.)
		case "github.com/mattn/go-sqlite3", "github.com/revshare/revshare/ledger/sqlite":
			t.Errorf("reports/httpapi depends on %s", dep)
		}
	}
}

package contracts

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoIO keeps package contracts pure: no database, network or process
// packages among its dependencies.
func TestNoIO(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "database/sql", dep == "net/http", dep == "os/exec", dep == "net",
			strings.HasPrefix(dep, "github.com/mattn/"), strings.HasPrefix(dep, "github.com/gorilla/"),
			strings.HasPrefix(dep, "github.com/revshare/revshare/") && dep != "github.com/revshare/revshare/ledger" && dep != "github.com/revshare/revshare/contracts":
			t.Errorf("package contracts depends on %s", dep)
		}
	}
}

package scenario

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoAdapterDeps: the scenario package is domain logic; it reaches the
// database only through the interfaces it defines.
func TestNoAdapterDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "database/sql", dep == "net/http", strings.Contains(dep, "sqlite"), strings.Contains(dep, "gorilla/mux"):
			t.Errorf("contracts/scenario depends on %s", dep)
		}
	}
}

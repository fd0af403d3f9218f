// Package deptest keeps the layout of the module honest: a package's test
// names the dependencies it must not have, and go list finds them (the
// way tailscale's tstest/deptest does).
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// Forbid fails t once for each package that pkg (an import path) depends
// on, directly or not, and that forbidden says it must not.
func Forbid(t *testing.T, pkg string, forbidden func(dep string) bool) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if forbidden(dep) {
			t.Errorf("%s depends on %s", pkg, dep)
		}
	}
}

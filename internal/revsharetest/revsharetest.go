// Package revsharetest builds the revshare command for the tests and
// benchmarks that run it as a user would, in its own process (crash tests
// that kill it, timings beside other tools). Only tests import it.
package revsharetest

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Build builds cmd/revshare into dir and returns the binary's path; a
// failed build fails t with the compiler's output.
func Build(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "revshare")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/revshare/revshare/cmd/revshare").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

package main

import (
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestImportUsageReleasesHeapBound: import usage bounds the Go heap while
// it runs (internal/membound) and gives the process its limit back after,
// on success and on a refused file alike.
func TestImportUsageReleasesHeapBound(t *testing.T) {
	usageCSV, err := filepath.Abs("../../testdata/runs/usage.csv")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	before := debug.SetMemoryLimit(-1) // none, unless GOMEMLIMIT is set
	if _, errOut, err := runCLI(t, "--db", "b.db", "import", "usage", usageCSV); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("memory limit after the import = %d, want %d as before", got, before)
	}
	if _, _, err := runCLI(t, "--db", "b.db", "import", "usage", "missing.csv"); err == nil {
		t.Fatal("import of a missing file: no error")
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("memory limit after a refused import = %d, want %d as before", got, before)
	}
}

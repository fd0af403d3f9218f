package main

import (
	"os"
	"testing"
)

// checkGolden compares got with the golden file at path, rewriting the file
// first when update is set (the test's -update-… flag, named in the
// failure so that a reviewer knows how to regenerate and diff it).
func checkGolden(t *testing.T, path, got string, update bool, flag string) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (rewrite with -%s and review the diff); got:\n%s", path, flag, got)
	}
}

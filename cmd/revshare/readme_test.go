package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/storetest"
)

// TestREADMESession runs the README's "A session" block as a newcomer
// would, line by line, in a fresh directory with REVSHARE_DB=./book.db:
// every ./revshare command in it must succeed (serve, which does not stop,
// is left out). The block once ended with a scenario whose actuals_through
// (2026-03) lay past the session's book (2026-02), so its last command failed.
func TestREADMESession(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := readmeBlock(t, string(readme), "## A session")
	dir := t.TempDir()
	for _, d := range []string{"testdata", "contracts"} {
		abs, err := filepath.Abs(filepath.Join("../..", d))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	env := map[string]string{}
	ran := 0
	for _, line := range strings.Split(block, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		for _, command := range strings.Split(line, "&&") {
			f := strings.Fields(command)
			switch {
			case len(f) == 2 && f[0] == "export":
				k, v, _ := strings.Cut(f[1], "=")
				env[k] = v
			case len(f) > 1 && f[0] == "./revshare" && f[1] != "serve":
				var out, errOut bytes.Buffer
				m := NewMain()
				m.Stdout, m.Stderr = &out, &errOut
				m.Getenv = func(k string) string { return env[k] }
				m.Clock = storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
				err := m.Run(context.Background(), f[1:])
				m.Close()
				if err != nil {
					t.Errorf("README: %s: %v\n%s", strings.Join(f, " "), err, errOut.String())
				}
				ran++
			}
		}
	}
	if ran < 10 {
		t.Errorf("ran %d README commands, want the session's 11 or more:\n%s", ran, block)
	}
}

// readmeBlock is the first fenced code block after heading.
func readmeBlock(t *testing.T, doc, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatalf("README's %q has no ```sh block", heading)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("README's %q block is not closed", heading)
	}
	return block
}

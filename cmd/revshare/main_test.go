package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestGlobalFlagsAnywhere: --db works before the sub-command, after it, and
// after its arguments (spec: global flags before or after the sub-command).
func TestGlobalFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	contract, _ := filepath.Abs("../../testdata/runs/contract.yaml")
	usageCSV, _ := filepath.Abs("../../testdata/runs/usage.csv")
	t.Chdir(dir)
	for _, args := range [][]string{
		{"--db", db, "contract", "add", contract},
		{"import", "usage", usageCSV, "--db", db},
		{"import", "--db", db, "list", "--format", "json"},
		{"run", "--db=" + db, "--through", "2026-01"},
	} {
		if _, errOut, err := runCLI(t, args...); err != nil {
			t.Fatalf("revshare %s: %s", strings.Join(args, " "), errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "revshare.db")); err == nil {
		t.Errorf("a command used ./revshare.db instead of --db")
	}
	out, _, err := runCLI(t, "balance", "--format", "csv", "--db", db)
	if err != nil || !strings.HasPrefix(out, "account,type,currency,balance\n") {
		t.Errorf("balance after --db: %v %q", err, out)
	}
}

// TestCommandLineErrors: each mistake is one line on stderr naming what to
// do, and nothing else (no usage dump).
func TestCommandLineErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"balance", "--bogus"}, "revshare: unknown flag: --bogus (see revshare balance --help)\n"},
		{[]string{"run", "--thru", "2026-02"}, "revshare: unknown flag: --thru: did you mean --through? (see revshare run --help)\n"},
		{[]string{"pay", "--ref", "W-1"}, "revshare: unknown flag: --ref: did you mean --reference? (see revshare pay --help)\n"},
		{[]string{"import", "usage", "f.csv", "--sorce", "billing"}, "revshare: unknown flag: --sorce: did you mean --source? (see revshare import usage --help)\n"},
		{[]string{"--db"}, "revshare: flag needs an argument: --db (see revshare --help)\n"},
		{[]string{"frob"}, "revshare: unknown command \"frob\" (see revshare --help)\n"},
		{[]string{"staement", "small", "2026-02"}, "revshare: unknown command \"staement\": did you mean statement? (see revshare --help)\n"},
		{[]string{"import", "frob"}, "revshare: import: unknown command \"frob\" (want one of list, rates, usage)\n"},
		{[]string{"import", "usages", "x.csv"}, "revshare: import: unknown command \"usages\": did you mean usage? (want one of list, rates, usage)\n"},
		{[]string{"contract", "updte", "c.yaml"}, "revshare: contract: unknown command \"updte\": did you mean update? (want one of add, list, show, update)\n"},
		// Two letters swapped are one edit (spelling.EditDistance), so a
		// four-letter command gets its hint.
		{[]string{"contract", "shwo", "small"}, "revshare: contract: unknown command \"shwo\": did you mean show? (want one of add, list, show, update)\n"},
		{[]string{"import", "raets", "r.csv"}, "revshare: import: unknown command \"raets\": did you mean rates? (want one of list, rates, usage)\n"},
		{[]string{"clsoe", "2026-01"}, "revshare: unknown command \"clsoe\": did you mean close? (see revshare --help)\n"},
		{[]string{"token", "create", "extra"}, "revshare: token create: want no arguments (only flags), got \"extra\"\n"},
		// Every command words arguments that do not fit alike (they said
		// "close takes one PERIOD, got 2 arguments", "statement: want
		// CONTRACT and PERIOD", "scenario takes one scenario file").
		{[]string{"close", "2026-01", "2026-02"}, "revshare: close: want one PERIOD, got \"2026-01\" \"2026-02\"\n"},
		{[]string{"statement", "small"}, "revshare: statement: want CONTRACT and PERIOD, got \"small\"\n"},
		{[]string{"scenario"}, "revshare: scenario: want one scenario FILE.yaml, got none\n"},
		{[]string{"export", "--to"}, "revshare: flag needs an argument: --to (see revshare export --help)\n"},
		{[]string{"version", "--format", "xml"}, "revshare: unknown --format \"xml\" (want text or json)\n"},
	}
	for _, tt := range tests {
		wantRefused(t, tt.want, tt.args...)
	}
}

// TestHelpAndVersion: --help anywhere prints usage with examples to stdout
// and succeeds; version prints one line.
func TestHelpAndVersion(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"--help"}, {"import", "usage", "--help"}, {"pay", "-h"}, {"help", "statement"}} {
		out, errOut, err := runCLI(t, args...)
		if err != nil || errOut != "" || !strings.Contains(out, "Usage:\n  revshare") || !strings.Contains(out, "Examples:\n") {
			t.Errorf("revshare %s: err %v, stderr %q, stdout\n%s", strings.Join(args, " "), err, errOut, out)
		}
	}
	out, _, err := runCLI(t, "version")
	if err != nil || !strings.HasPrefix(out, "revshare ") || strings.Count(out, "\n") != 1 {
		t.Errorf("version: %v %q", err, out)
	}
	if _, err := os.Stat("revshare.db"); err == nil {
		t.Errorf("help or version created a database")
	}
}

// TestExportToFileSaysWhatItWrote: with -o, stdout names the file, the
// format and the entries written.
func TestExportToFileSaysWhatItWrote(t *testing.T) {
	onBothBackends(t, testExportToFileSaysWhatItWrote)
}

func testExportToFileSaysWhatItWrote(t *testing.T, newDB newDB) {
	db := newDB(t)
	addRunsFixture(t, db)
	out := filepath.Join(t.TempDir(), "book.journal")
	got := cli(t, db, "export", "hledger", "-o", out)
	if want := "wrote " + out + ": hledger journal, 4 entries dated 2026-01-10 to 2026-02-20\n"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if b, err := os.ReadFile(out); err != nil || len(b) == 0 {
		t.Errorf("journal: %v, %d bytes", err, len(b))
	}
}

// TestEveryCommandHasExamples walks the command tree: every runnable
// command's --help shows examples.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.Name() == "completion" || sub.Name() == "help" {
				continue
			}
			if sub.Example == "" {
				t.Errorf("revshare %s --help has no examples", strings.TrimPrefix(sub.CommandPath(), "revshare "))
			}
			walk(sub)
		}
	}
	walk(NewMain().Command())
}

// TestShellWord: what revshare prints for the user to paste is one shell
// word: a PostgreSQL URL's ? and & are quoted, a plain path is not.
func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"demo.db":        "demo.db",
		"/srv/book-1.db": "/srv/book-1.db",
		"postgres://me@db.local:5432/books?sslmode=disable&search_path=a": "'postgres://me@db.local:5432/books?sslmode=disable&search_path=a'",
		"my book.db": "'my book.db'",
		"it's.db":    `'it'\''s.db'`,
		"":           "''",
	} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestExitCode: success is 0, so a test that checks only the exit status of
// a command meant to fail cannot pass when the command succeeds.
func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{&partialError{"2 of 4 rows rejected"}, 3},
		{fmt.Errorf("import: %w", &partialError{"1 of 2 rows rejected"}), 3},
	} {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

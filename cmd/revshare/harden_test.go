package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadOnlyCommandsRefuseMissingDatabase: a read-only command given a
// missing or empty database says so and creates nothing (spec section 6);
// before, verify created and migrated it and said "ok: 0 entries".
func TestReadOnlyCommandsRefuseMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	for _, args := range [][]string{
		{"balance"}, {"verify"}, {"export", "hledger"}, {"contract", "list"}, {"contract", "show", "c"},
		{"import", "list"}, {"token", "list"}, {"statement", "c", "2026-01"},
	} {
		_, errOut, err := runCLI(t, append([]string{"--db", missing}, args...)...)
		if want := "revshare: no database at " + missing + " (see --db; commands that write create it)\n"; err == nil || errOut != want {
			t.Errorf("%v on a missing database: %q\nwant %q", args, errOut, want)
		}
		_, errOut, err = runCLI(t, append([]string{"--db", empty}, args...)...)
		if want := "revshare: " + empty + " is empty, not a revshare database\n"; err == nil || errOut != want {
			t.Errorf("%v on an empty file: %q\nwant %q", args, errOut, want)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a read-only command created %s", missing)
	}
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Errorf("a read-only command wrote to the empty file")
	}
	// --lock-timeout is checked.
	if _, errOut, err := runCLI(t, "--db", missing, "--lock-timeout", "soon", "balance"); err == nil ||
		errOut != "revshare: --lock-timeout \"soon\": want a positive duration such as 30s or 10m\n" {
		t.Errorf("bad --lock-timeout: %q", errOut)
	}
}

// TestPayRerunPaysOnce: pay run twice without --reference (as after a kill
// between its commit and its output) records one payment.
func TestPayRerunPaysOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	cli(t, db, "contract", "add", "../../testdata/runs/contract.yaml")
	pay := []string{"pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10"}
	first := cli(t, db, pay...)
	again := cli(t, db, pay...)
	if first != again || !strings.HasSuffix(first, "entry 1\n") {
		t.Errorf("pay twice: %q then %q, want the same entry", first, again)
	}
	if out := cli(t, db, "balance", "--format", "csv"); !strings.Contains(out, "assets:cash:openai,asset,USD,-16.00\n") {
		t.Errorf("balance after paying twice:\n%s", out)
	}
}

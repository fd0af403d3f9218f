package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestContractControlText: contract add refuses a name with a line break or
// an escape sequence (they reached the terminal of whoever listed the
// contracts, statements and journals), naming the file, the field and the
// reason, and stores nothing. A contract stored with such a name before
// the rule (written here behind the check) still loads: it is listed and
// rendered with the characters escaped, runs, closes and verifies, and an
// update with a clean name is taken.
func TestContractControlText(t *testing.T) { onBothBackends(t, testContractControlText) }

func testContractControlText(t *testing.T, newDB newDB) {
	db := newDB(t)
	good, err := os.ReadFile("../../testdata/runs/contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	evil := strings.Replace(string(good), "name: Small two-way share", `name: "Small\n\e[31mshare"`, 1)
	file := filepath.Join(t.TempDir(), "evil.yaml")
	if err := os.WriteFile(file, []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"add", "update"} {
		_, stderr, err := runCLI(t, "--db", db, "contract", verb, file)
		want := file + ": invalid contract (1 problem):\n" +
			file + `:3: name: "Small\n\x1b[31mshare" has control characters or invalid UTF-8: write it on one line, in UTF-8` + "\n" +
			"revshare: " + file + ": invalid contract (1 problem)\n"
		if exitCode(err) != exitError || stderr != want {
			t.Errorf("contract %s: exit %d, stderr %q\nwant %q", verb, exitCode(err), stderr, want)
		}
	}

	// Stored before the rule: written with ParseStored, behind the check.
	cli(t, db, "migrate")
	m := NewMain()
	m.Getenv, m.DBPath = func(string) string { return "" }, db
	m.Clock = storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	st, err := m.Store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if list, err := st.Contracts.Contracts(context.Background()); err != nil || len(list) != 0 {
		t.Fatalf("a refused contract was stored: %v %v", list, err)
	}
	c, err := contracts.ParseStored([]byte(evil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Contracts.SaveContract(context.Background(), c, false); err != nil {
		t.Fatal(err)
	}
	m.Close()
	want := "ID     VERSION  CURRENCY  PERIOD  RULES  NAME\nsmall  1        USD       month   2      Small\\n\\x1b[31mshare\n"
	if got := cli(t, db, "contract", "list"); got != want {
		t.Errorf("contract list:\n%q\nwant\n%q", got, want)
	}
	cli(t, db, "import", "usage", "../../testdata/runs/usage.csv")
	cli(t, db, "close", "2026-01")
	md := cli(t, db, "statement", "small", "2026-01")
	if first, _, _ := strings.Cut(md, "\n"); first != `# Small \x1b\[31mshare — 2026-01 (final)` {
		t.Errorf("statement title %q", first)
	}
	if got := cli(t, db, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Errorf("verify: %s", got)
	}
	if got := cli(t, db, "contract", "update", "../../testdata/runs/contract.yaml"); got != "contract small version 2\n" {
		t.Errorf("update with a clean name: %q", got)
	}
}

// TestTablesEscapeStoredControlText: a token name stored before names were
// checked (written here behind the check) is listed with its control
// characters escaped, not sent to the terminal as an escape sequence.
func TestTablesEscapeStoredControlText(t *testing.T) {
	db := newSQLite(t)
	createToken(t, db, "auditor", "--name", "audit")
	raw := rawDB(t, db)
	if _, err := raw.Exec("UPDATE api_tokens SET name = ?", "audit\n\x1b[2J"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	got := cli(t, db, "token", "list")
	if strings.ContainsAny(got, "\x1b") || !strings.Contains(got, `audit\n\x1b[2J`) {
		t.Errorf("token list:\n%q", got)
	}
}

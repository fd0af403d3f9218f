package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
)

// TestLedgerCommands drives balance, close and verify as a user would.
func TestLedgerCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "l.db")
	cli(t, db, "import", "usage", "../../testdata/runs/usage.csv")

	if got := cli(t, db, "balance", "--format", "csv"); !strings.Contains(got, "assets:receivable:openai:aws,asset,USD,200.00") ||
		!strings.Contains(got, "income:revenue:openai:aws,income,USD,-200.00") {
		t.Fatalf("balance csv:\n%s", got)
	}
	// --as-of filters by effective date: only January's events.
	if got := cli(t, db, "balance", "--as-of", "2026-01-31", "--format", "csv"); strings.Contains(got, "openai:aws") {
		t.Fatalf("balance --as-of 2026-01-31 shows a February event:\n%s", got)
	}
	// A period means its last day: --as-of 2026-01 is --as-of 2026-01-31.
	if a, b := cli(t, db, "balance", "--as-of", "2026-01", "--format", "csv"), cli(t, db, "balance", "--as-of", "2026-01-31", "--format", "csv"); a != b {
		t.Errorf("--as-of 2026-01:\n%s\n--as-of 2026-01-31:\n%s", a, b)
	}
	if _, errOut, _ := runCLI(t, "--db", db, "balance", "--as-of", "2026-02-31"); errOut != "revshare: --as-of: invalid date \"2026-02-31\": not a calendar date (2026-02 has 28 days)\n" {
		t.Errorf("--as-of 2026-02-31: %q", errOut)
	}
	// --known-at before the import sees nothing (the test clock is 2026-03-01T12:00Z).
	if got := cli(t, db, "balance", "--known-at", "2026-03-01T11:00:00Z", "--format", "csv"); strings.Contains(got, "receivable") {
		t.Fatalf("balance --known-at before the import:\n%s", got)
	}
	// A date is the end of that day (UTC), as in the REST API's known_at.
	if got := cli(t, db, "balance", "--known-at", "2026-02-28", "--format", "csv"); strings.Contains(got, "receivable") {
		t.Fatalf("balance --known-at 2026-02-28 (before the import):\n%s", got)
	}
	if got := cli(t, db, "balance", "--known-at", "2026-03-01", "--format", "csv"); !strings.Contains(got, "receivable") {
		t.Fatalf("balance --known-at 2026-03-01 (the day of the import):\n%s", got)
	}

	if got := cli(t, db, "close", "2026-01"); got != "closed 2026-01: nothing may be booked on or before 2026-01-31\n" {
		t.Fatalf("close: %q", got)
	}
	// A period that has not ended (the test clock says 2026-03-01) stays open.
	for _, p := range []string{"2026-03", "2026-Q1", "2026"} {
		_, errOut, err := runCLI(t, "--db", db, "close", p)
		if err == nil || !strings.HasPrefix(errOut, "revshare: cannot close "+p+": it ends on ") ||
			!strings.HasSuffix(errOut, ", and today is 2026-03-01 (a period is closed once it has ended)\n") {
			t.Fatalf("close %s: %v %q", p, err, errOut)
		}
	}
	_, errOut, err := runCLI(t, "--db", db, "pay", "--contract", "none", "--payer", "a", "--payee", "b", "--amount", "1", "--date", "2026-01-15")
	if err == nil || !strings.Contains(errOut, `contract "none" not found`) {
		t.Fatalf("pay to an unknown contract: %v %s", err, errOut)
	}
	if got := cli(t, db, "verify"); !strings.HasPrefix(got, "ok: 4 entries, chain head ") {
		t.Fatalf("verify: %q", got)
	}

	// Tamper with an amount behind the triggers' back: verify names the entry.
	raw, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	sqlitetest.DropTriggers(t, raw, "postings")
	if _, err := raw.Exec(`UPDATE postings SET amount = '999.00' WHERE entry_id = 1 AND seq = 1`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, errOut, err = runCLI(t, "--db", db, "verify")
	if err == nil || !strings.Contains(errOut, "entry 1") {
		t.Fatalf("verify after tampering: err %v, stderr %q", err, errOut)
	}
}

// TestBadDateFlagsNamed: a date flag that does not parse is refused with
// the flag's name and the reason, before the book is read.
func TestBadDateFlagsNamed(t *testing.T) {
	db := newRunsBook(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"balance", "--as-of", "2026-13"}, `--as-of: invalid date "2026-13": want YYYY-MM-DD, or a period (2026-02, 2026-Q1, 2026) for its last day`},
		{[]string{"balance", "--known-at", "yesterday"}, `--known-at: invalid timestamp "yesterday": want RFC 3339 (2026-04-01T09:00:00Z) or a date YYYY-MM-DD (the end of that day, UTC)`},
		{[]string{"export", "hledger", "--from", "2026-02-30"}, `--from: invalid date "2026-02-30": not a calendar date (2026-02 has 28 days)`},
		{[]string{"export", "hledger", "--to", "x"}, `--to: invalid date "x": want YYYY-MM-DD`},
		{[]string{"export", "hledger", "--known-at", "x"}, `--known-at: invalid timestamp "x": want RFC 3339 (2026-04-01T09:00:00Z) or a date YYYY-MM-DD (the end of that day, UTC)`},
	} {
		_, errOut, err := runCLI(t, append([]string{"--db", db}, tc.args...)...)
		if want := "revshare: " + tc.want + "\n"; err == nil || errOut != want {
			t.Errorf("%v: %v %q, want %q", tc.args, err, errOut, want)
		}
	}
}

package export

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite"
)

// TestExportCommandErrors runs `revshare export` with bad arguments: each
// exits non-zero with one line naming the problem, and -o leaves no file.
func TestExportCommandErrors(t *testing.T) {
	bin := revshareBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	out := filepath.Join(dir, "out.journal")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "revshare: export: want one format (hledger, ledger or beancount), got none"},
		{[]string{"hledger", "ledger"}, `revshare: export: want one format (hledger, ledger or beancount), got "hledger" "ledger"`},
		{[]string{"gnucash"}, `revshare: unknown export format "gnucash" (want hledger, ledger or beancount)`},
		{[]string{"hledgr"}, `revshare: unknown export format "hledgr": did you mean hledger? (want hledger, ledger or beancount)`},
		{[]string{"Beancount"}, `revshare: unknown export format "Beancount": did you mean beancount? (want hledger, ledger or beancount)`},
		{[]string{"ledger", "--from", "2026-02-30"}, `revshare: --from: invalid date "2026-02-30": not a calendar date (2026-02 has 28 days)`},
		{[]string{"ledger", "--to", "March"}, `revshare: --to: invalid date "March": want YYYY-MM-DD`},
		{[]string{"beancount", "--from", "2026-03-01", "--to", "2026-02-28"}, "revshare: export: --to 2026-02-28 is before --from 2026-03-01"},
		{[]string{"hledger", "--known-at", "yesterday"}, `revshare: --known-at: invalid timestamp "yesterday": want RFC 3339 (2026-04-01T09:00:00Z) or a date YYYY-MM-DD (the end of that day, UTC)`},
	}
	for _, tt := range tests {
		args := append([]string{"--db", db, "export", "-o", out}, tt.args...)
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil {
			t.Errorf("revshare %s: no error, want %q", strings.Join(tt.args, " "), tt.want)
			continue
		}
		if got := strings.TrimSpace(stderr.String()); got != tt.want {
			t.Errorf("revshare %s:\n got %q\nwant %q", strings.Join(tt.args, " "), got, tt.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("revshare %s left %s behind", strings.Join(tt.args, " "), out)
		}
	}
}

// TestExportCommandEmptyLedger exports a ledger with no entries: a valid,
// empty journal in every format.
func TestExportCommandEmptyLedger(t *testing.T) {
	bin := revshareBinary(t)
	db := filepath.Join(t.TempDir(), "empty.db")
	// A database with no entries (export, a read-only command, refuses a
	// missing one).
	sdb, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	want := map[Format]string{
		Hledger:   "; revshare ledger export, hledger format\n; entries dated any day\n\ndecimal-mark .\n",
		Ledger:    "; revshare ledger export, ledger format\n; entries dated any day\n",
		Beancount: "; revshare ledger export, beancount format\n; entries dated any day\n\noption \"title\" \"revshare ledger\"\n",
	}
	for _, f := range Formats {
		got := string(run(t, bin, "--db", db, "export", string(f)))
		if got != want[f] {
			t.Errorf("%s:\n got %q\nwant %q", f, got, want[f])
		}
	}
}

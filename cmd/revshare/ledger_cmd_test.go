package main

import (
	"path"
	"strings"
	"testing"
)

// TestLedgerCommands drives balance, close and verify as a user would.
func TestLedgerCommands(t *testing.T) { onBothBackends(t, testLedgerCommands) }

func testLedgerCommands(t *testing.T, newDB newDB) {
	db := newDB(t)
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
	tamper(t, db, `UPDATE postings SET amount = '999.00' WHERE entry_id = 1 AND seq = 1`)
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

// tamperedRows are changes to stored rows, the same SQL on both backends,
// each with what verify then says (the same on both).
var tamperedRows = []struct{ name, sql, want string }{
	{"posting amount", `UPDATE postings SET amount = '999.00' WHERE entry_id = 1 AND seq = 1`,
		"entry 1: does not balance: postings sum to 899 USD"},
	{"entry description", `UPDATE entries SET description = 'changed' WHERE id = 2`,
		"entry 2: hash does not match its content (stored d5f171a16f99, computed f8ccf5d191c7)"},
	{"last entry's postings removed", `DELETE FROM postings WHERE entry_id = (SELECT max(id) FROM entries)`,
		"entry 8: has 0 posting(s), needs at least 2"},
	{"booking amount", `UPDATE bookings SET amount = '1.00' WHERE entry_id = (SELECT min(entry_id) FROM bookings)`,
		`bookings entry_id=5: amount is "1.00", expected "20 (from its entry)"`},
	{"payment removed", `DELETE FROM payments`, "entry 8: payment entry has no payments row"},
	{"final statement body", `UPDATE statements SET body = replace(body, '20.00', '21.00')`,
		`statements contract=small period=2026-01: body is "one that hashes to 9104d69cb281: altered after its close", expected "a body whose hash recomputes to 0e1b714d996f"`},
	{"close removed", `DELETE FROM period_closes`,
		`statements contract=small period=2026-01: period is "2026-01", expected "a closed period (no period is closed)"`},
}

// TestVerifyNamesTamperedRows changes stored rows behind revshare's back,
// with the database's guards off (tamper), one change to a copy of a book
// with a run, a close and a payment: `revshare verify` fails naming the
// changed row, with the same words and figures on PostgreSQL as on SQLite.
func TestVerifyNamesTamperedRows(t *testing.T) {
	said := map[string]map[string]string{} // backend, case: verify's stderr
	onBothBackends(t, func(t *testing.T, newDB newDB) {
		fresh := bookCopies(t, newDB, func(db string) {
			addRunsFixture(t, db)
			cli(t, db, "run", "--through", "2026-02")
			cli(t, db, "close", "2026-01")
			cli(t, db, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10", "--reference", "B-1")
		})
		backend := path.Base(t.Name())
		said[backend] = map[string]string{}
		for _, tc := range tamperedRows {
			db := fresh(t)
			if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: ") {
				t.Fatalf("%s: verify before tampering: %s", tc.name, out)
			}
			tamper(t, db, tc.sql)
			_, errOut, err := runCLI(t, "--db", db, "verify")
			if err == nil {
				t.Errorf("%s: verify passed", tc.name)
			}
			said[backend][tc.name] = errOut
			if want := "revshare: verify failed: " + tc.want + "\n"; errOut != want {
				t.Errorf("%s: verify said\n%s\nwant\n%s", tc.name, errOut, want)
			}
		}
	})
	if len(said) == 2 {
		for _, tc := range tamperedRows {
			if lite, pg := said["sqlite"][tc.name], said["postgres"][tc.name]; lite != pg {
				t.Errorf("%s: verify on SQLite said\n%s\non PostgreSQL\n%s", tc.name, lite, pg)
			}
		}
	}
}

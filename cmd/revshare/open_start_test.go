package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openStartFile has a rule without `from` (open start, through February)
// and one that starts in March.
const openStartFile = "../../testdata/contracts/open-start.yaml"

// openStartBook is a new book (newDB) holding contract open, and usage a
// file of the given event rows (after the header), not imported yet.
func openStartBook(t *testing.T, newDB newDB, rows string) (db, usage string) {
	db = newDB(t)
	usage = filepath.Join(t.TempDir(), "usage.csv")
	if err := os.WriteFile(usage, []byte("event_id,occurred_at,seller,channel,amount,currency\n"+rows), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, db, "contract", "add", openStartFile)
	return db, usage
}

// TestOpenStartRuleStatements: a rule without `from` overlaps every period,
// so its statements exist from the period of the first event it counts
// (where the engine's lines begin, docs/contracts.md), with zeros in the
// periods without activity after it; a close finalizes them. Before, such a
// contract's periods before its first `from` had no statement at all (and a
// contract without any `from` none), though the run booked them.
func TestOpenStartRuleStatements(t *testing.T) { onBothBackends(t, testOpenStartRuleStatements) }

func testOpenStartRuleStatements(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	db, usage := openStartBook(t, newDB, "1,2025-12-10,a,direct,100.05,USD\n2,2026-02-03,a,direct,200,USD\n")
	_, errOut, err := runCLI(t, "--db", db, "statement", "open", "2026-01")
	if want := "revshare: contract open has no statement for 2026-01: its first period is 2026-03\n"; err == nil || errOut != want {
		t.Fatalf("statement before any event: %v %q, want %q", err, errOut, want)
	}
	cli(t, db, "import", "usage", usage)
	_, errOut, err = runCLI(t, "--db", db, "statement", "open", "2025-11")
	if want := "revshare: contract open has no statement for 2025-11: its first period is 2025-12\n"; err == nil || errOut != want {
		t.Fatalf("statement before the first event: %v %q, want %q", err, errOut, want)
	}
	if got, want := cli(t, db, "close", "2026-01"), "closed 2026-01"; !strings.Contains(got, want) {
		t.Fatalf("close: %q, want %q", got, want)
	}
	for _, c := range []struct{ period, status, base, gross, obligation, closing string }{
		{"2025-12", "final", "100.05", "10.01", "10.01", "10.01"}, // 10.005 rounds half up
		{"2026-01", "final", "0.00", "0.00", "0.00", "10.01"},     // no activity
		{"2026-02", "draft", "200.00", "20.00", "20.00", "10.01"}, // not run yet
	} {
		s, _ := statementJSONOf(t, db, "open", c.period)
		if s.Status != c.status || len(s.Rules) != 1 || s.Rules[0].Rule != "r1" || s.Rules[0].Base != c.base ||
			s.Rules[0].Gross != c.gross || s.Rules[0].Obligation != c.obligation ||
			len(s.Pairs) != 1 || s.Pairs[0].ClosingBalance != c.closing {
			t.Errorf("%s: status %s, rules %+v, pairs %+v; want %s, r1 base %s gross %s obligation %s, closing %s",
				c.period, s.Status, s.Rules, s.Pairs, c.status, c.base, c.gross, c.obligation, c.closing)
		}
	}
	// No rule with a start, and no event counted yet: no statement.
	bare := filepath.Join(dir, "bare.yaml")
	open, err := os.ReadFile(openStartFile)
	if err != nil {
		t.Fatal(err)
	}
	openOnly := string(open[:strings.Index(string(open), "  - id: r2")])
	if err := os.WriteFile(bare, []byte(strings.NewReplacer("id: open", "id: bare", "  - id: r1\n", "  - id: r1\n    match: {seller: z}\n").Replace(openOnly)), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, db, "contract", "add", bare)
	_, errOut, err = runCLI(t, "--db", db, "statement", "bare", "2026-01")
	if want := "revshare: contract bare has no statement for 2026-01: it has no rule with a start date, and no event counted by a rule without one on or before 2026-01-31\n"; err == nil || errOut != want {
		t.Errorf("statement of a contract without a start or an event: %v %q, want %q", err, errOut, want)
	}
	if got := cli(t, db, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Fatalf("verify: %q", got)
	}
	// A scenario's actual periods begin where the statements do: before,
	// they began at r2's from (2026-03), so 2025-12's actual obligation
	// was dropped with a warning and total_paid was 150.00.
	sc := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(sc, []byte("contract: open\nactuals_through: 2026-01\nhorizon: 2026-03\nstreams:\n  - match: {seller: a}\n    start: \"1000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := cli(t, db, "scenario", sc, "--format", "json")
	// Actual: 10.01 in 2025-12, 0 in 2026-01; projected: r1 100.00 in
	// 2026-02 (its last month), r2 50.00 in 2026-03.
	for _, want := range []string{`"total_paid": "160.01"`, `"actuals_paid": "10.01"`, `"first_projected": "2026-02"`} {
		if !strings.Contains(out, want) {
			t.Errorf("scenario: no %s in\n%s", want, out)
		}
	}
	bareSc := filepath.Join(dir, "bare-s.yaml")
	if err := os.WriteFile(bareSc, []byte("contract: bare\nactuals_through: 2026-01\nhorizon: 2026-03\nstreams:\n  - match: {seller: a}\n    start: \"1000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err = runCLI(t, "--db", db, "scenario", bareSc)
	if want := bareSc + ":2: actuals_through: the contract's rules have no start date and no event is counted through 2026-01, so its first period is unknown\nrevshare: " + bareSc + ": invalid scenario (1 problem(s) listed above)\n"; err == nil || errOut != want {
		t.Errorf("scenario over a contract without a start or an event: %v %q, want %q", err, errOut, want)
	}
	// A late event dated before the first statement opens an earlier period
	// (corrected in the open period); the close through January was right
	// not to store it, and verify judges each close by the events it saw.
	late := filepath.Join(dir, "late.csv")
	if err := os.WriteFile(late, []byte("event_id,occurred_at,seller,channel,amount,currency\n3,2025-11-20,a,direct,50,USD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, db, "import", "usage", late)
	if got := cli(t, db, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Fatalf("verify after a late event: %q", got)
	}
	// verify evaluates the rule to find where its statements begin, so the
	// first one's loss is found too, not only a gap after it.
	tamper(t, db, `DELETE FROM statements WHERE contract = 'open' AND period = '2025-12'`)
	_, errOut, err = runCLI(t, "--db", db, "verify")
	if want := "revshare: verify failed: statements contract=open period=2025-12: row is \"(missing)\", expected \"the final statement stored by the close through 2026-01-31\"\n"; err == nil || errOut != want {
		t.Errorf("verify without the first statement: %v %q, want %q", err, errOut, want)
	}
}

// TestStatementNeedsNoLaterRate: the statement of a period that a run booked
// is built from the periods up to it only. Before, a contract with a rule
// without `from` evaluated its draft statements through its earliest rule
// start (to name its first period), so a EUR event in a later period without
// an exchange rate stopped the 2025-12 statement that `run --through 2026-01`
// had booked (found by TestBooksDifferential, seed 10952).
func TestStatementNeedsNoLaterRate(t *testing.T) { onBothBackends(t, testStatementNeedsNoLaterRate) }

func testStatementNeedsNoLaterRate(t *testing.T, newDB newDB) {
	db, usage := openStartBook(t, newDB, "1,2025-12-10,a,direct,100.05,USD\n2,2026-02-03,a,direct,50,EUR\n")
	cli(t, db, "import", "usage", usage)
	cli(t, db, "run", "--through", "2026-01")
	s, _ := statementJSONOf(t, db, "open", "2025-12")
	// 0.10 × 100.05 = 10.005 -> 10.01 (half_up).
	if len(s.Rules) != 1 || s.Rules[0].Rule != "r1" || s.Rules[0].Base != "100.05" || s.Rules[0].Obligation != "10.01" {
		t.Fatalf("2025-12 rules: %+v", s.Rules)
	}
	// February needs the rate: its statement, like a run through it, says so.
	_, errOut, err := runCLI(t, "--db", db, "statement", "open", "2026-02")
	if want := "no FX rate from EUR to USD on or before 2026-02-03"; err == nil || !strings.Contains(errOut, want) {
		t.Fatalf("statement 2026-02: %v %q, want it to name %q", err, errOut, want)
	}
	// Before the first period the message still names it (2025-12, found by
	// evaluating through the earliest rule start when the rate allows).
	_, errOut, err = runCLI(t, "--db", db, "statement", "open", "2025-11")
	if want := "revshare: contract open has no statement for 2025-11: "; err == nil || !strings.HasPrefix(errOut, want) {
		t.Fatalf("statement 2025-11: %v %q, want %q...", err, errOut, want)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/reports"
)

// TestCloseWithoutRunBooksFirst: `close` books what a run would before it
// finalizes, so a close without a prior run cannot store a final statement
// whose rule lines show obligations while its settlement shows 0.00.
func TestCloseWithoutRunBooksFirst(t *testing.T) { onBothBackends(t, testCloseWithoutRunBooksFirst) }

func testCloseWithoutRunBooksFirst(t *testing.T, newDB newDB) {
	db := newDB(t)
	addRunsFixture(t, db)
	out := cli(t, db, "close", "2026-02", "--format", "json")
	want := `{"period":"2026-02","closed_through":"2026-02-28","run":{"through":"2026-02-28","contracts":[{"contract":"small","through":"2026-02","entries":3,"adjustments":0}]},"statements":["small 2026-01","small 2026-02"]}`
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(out)); err != nil || compact.String() != want {
		t.Fatalf("close --format json:\n%s\nwant\n%s", out, want)
	}
	s, _ := statementJSON(t, db, "2026-01")
	if s.Status != "final" || len(s.Rules) != 2 || s.Rules[0].Obligation != "20.00" || s.Rules[1].Obligation != "4.00" {
		t.Fatalf("2026-01: status %s, rules %+v", s.Status, s.Rules)
	}
	if len(s.Pairs) != 1 || s.Pairs[0].Obligations != "20.00" || s.Pairs[0].ReverseObligations != "4.00" ||
		s.Pairs[0].Net != "16.00" || s.Pairs[0].ClosingBalance != "16.00" {
		t.Fatalf("2026-01 pairs disagree with its rule lines: %+v", s.Pairs)
	}
	if got := cli(t, db, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Fatalf("verify: %q", got)
	}
}

// TestCloseFailureLeavesNothing: a close whose run or finalization fails
// (here a missing exchange rate) leaves the database as it was: no
// bookings, no close, no statement.
func TestCloseFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	eur := runsContractEdited(t, dir, "eur.yaml", replaceOnce("currency: USD", "currency: EUR"))
	cli(t, db, "contract", "add", eur)
	cli(t, db, "import", "usage", "../../testdata/runs/usage.csv")
	before := dumpDB(t, db)
	_, errOut, err := runCLI(t, "--db", db, "close", "2026-02")
	if err == nil || !strings.Contains(errOut, "USD") {
		t.Fatalf("close without the USD/EUR rate: %v %q", err, errOut)
	}
	if dumpDB(t, db) != before {
		t.Fatal("a failed close changed the database")
	}
}

// TestFinalStatementsOutliveFrequencyChange: a later contract version with
// another statement frequency leaves the earlier final statements
// retrievable, byte for byte, under their own labels.
func TestFinalStatementsOutliveFrequencyChange(t *testing.T) {
	onBothBackends(t, testFinalStatementsOutliveFrequencyChange)
}

func testFinalStatementsOutliveFrequencyChange(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	db := closedRunsBook(t, newDB, "2026-02")
	jan := cli(t, db, "statement", "small", "2026-01", "--format", "json")
	q := runsContractEdited(t, dir, "q.yaml", replaceOnce("period: month", "period: quarter"))
	cli(t, db, "contract", "update", q)
	if got := cli(t, db, "statement", "small", "2026-01", "--format", "json"); got != jan {
		t.Fatalf("2026-01 after the quarterly version:\n%s\nwant\n%s", got, jan)
	}
	if s, _ := statementJSONOf(t, db, "small", "2026-Q1"); s.Status != "draft" {
		t.Fatalf("2026-Q1 (March open) is %s", s.Status)
	}
	_, errOut, err := runCLI(t, "--db", db, "statement", "small", "2026-03")
	if want := "revshare: contract small has no statement for 2026-03: its statements are by quarter, and no final statement is stored under that label\n"; err == nil || errOut != want {
		t.Fatalf("statement 2026-03: %v %q, want %q", err, errOut, want)
	}
}

// TestStatementOutsideContract: a period the contract never had is a clear
// not-found, not a "final" statement with a hash that is not stored.
func TestStatementOutsideContract(t *testing.T) { onBothBackends(t, testStatementOutsideContract) }

func testStatementOutsideContract(t *testing.T, newDB newDB) {
	db := closedRunsBook(t, newDB, "2026-02")
	for _, p := range []string{"1999-01", "2025-12"} {
		_, errOut, err := runCLI(t, "--db", db, "statement", "small", p, "--format", "json")
		if want := "revshare: contract small has no statement for " + p + ": its first period is 2026-01\n"; err == nil || errOut != want {
			t.Errorf("statement small %s: %v %q, want %q", p, err, errOut, want)
		}
	}
}

func statementJSONOf(t *testing.T, db, contract, period string) (reports.Statement, string) {
	t.Helper()
	out := cli(t, db, "statement", contract, period, "--format", "json")
	var s reports.Statement
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	return s, out
}

// TestAdjustmentReasonsForPartiesAndRemovedRules: an amendment that gives a
// rule another payee and removes another rule explains each prior-period
// adjustment by what changed (before, the new payee's adjustment said
// "recomputed with the same base and contract version").
func TestAdjustmentReasonsForPartiesAndRemovedRules(t *testing.T) {
	onBothBackends(t, testAdjustmentReasonsForPartiesAndRemovedRules)
}

func testAdjustmentReasonsForPartiesAndRemovedRules(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	db := closedRunsBook(t, newDB, "2026-01")
	amended := runsContractEdited(t, dir, "v2.yaml", func(doc string) string {
		v2 := strings.Replace(doc, "parties: [openai, microsoft]", "parties: [openai, microsoft, google]", 1)
		v2 = strings.Replace(v2, "    payee: microsoft\n", "    payee: google\n", 1)
		return v2[:strings.Index(v2, "  - id: r2")] + "amendments:\n  - date: 2026-02-15\n    note: r1 now pays google; r2 removed.\n"
	})
	cli(t, db, "contract", "update", amended)
	cli(t, db, "run", "--through", "2026-02")
	s, _ := statementJSONOf(t, db, "small", "2026-02")
	got := map[string][]string{}
	for _, r := range s.Rules {
		for _, a := range r.Adjustments {
			got[r.Rule] = append(got[r.Rule], a.Period+" "+a.ObligationDelta+": "+a.Reason)
		}
	}
	want := map[string][]string{
		"r1": {"2026-01 0.00: the rule's payer or payee changed (contract version 2): what was booked from openai to microsoft goes back to zero; now owed by openai to google"},
		"r2": {"2026-01 -4.00: rule r2 was removed from the contract (version 2): what was booked for it goes back to zero"},
	}
	for rule, w := range want {
		if strings.Join(got[rule], "\n") != strings.Join(w, "\n") {
			t.Errorf("%s adjustments:\n%s\nwant\n%s", rule, strings.Join(got[rule], "\n"), strings.Join(w, "\n"))
		}
	}
}

// TestPayerChangeKeepsBaseDelta: a rule moved from a→b to c→b while a
// late December sale uses up its total cap, so closed January owes nothing
// under the new pair and the run only reverses a's 50.00; a late January
// sale moved January's base from 100.00 to 120.00. The adjustment says so
// (reading 14, docs/design/spec-audit.md). Before, the base delta went with
// the new pair's booking, which there was none of: it showed 0.00 and the
// reason named only the change of payer (found by hand while writing the
// books differential's payer changes).
func TestPayerChangeKeepsBaseDelta(t *testing.T) {
	onBothBackends(t, testPayerChangeKeepsBaseDelta)
}

func testPayerChangeKeepsBaseDelta(t *testing.T, newDB newDB) {
	db := newDB(t)
	write := fileWriter(t)
	contract := func(payer string) string {
		return fmt.Sprintf(`id: pc
currency: USD
parties: [a, b, c]
rules:
  - {id: r, payer: %s, payee: b, rate: "0.5", from: 2025-12-01, cap: {total: "50.00"}}
`, payer)
	}
	cli(t, db, "contract", "add", write("v1.yaml", contract("a")))
	closeJanuary(t, db, write)
	cli(t, db, "contract", "update", write("v2.yaml", contract("c")))
	cli(t, db, "import", "usage", write("late.csv", "event_id,occurred_at,seller,channel,amount,currency\n2,2025-12-10,s,direct,200,USD\n3,2026-01-12,s,direct,20,USD\n"))
	cli(t, db, "run", "--through", "2026-02")
	s, _ := statementJSONOf(t, db, "pc", "2026-02")
	var got []string
	for _, r := range s.Rules {
		for _, a := range r.Adjustments {
			got = append(got, fmt.Sprintf("%s %s %s %s: %s", r.Rule, a.Period, a.BaseDelta, a.ObligationDelta, a.Reason))
		}
	}
	want := []string{
		"r 2025-12 200.00 50.00: its base changed by 200.00 (events imported after it was booked: late events or corrections); the contract changed (version 1 to 2)",
		"r 2026-01 20.00 -50.00: its base changed by 20.00 (events imported after it was booked: late events or corrections); the rule's payer or payee changed (contract version 2): what was booked from a to b goes back to zero",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("2026-02 adjustments:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestContractIDsSharingAnAccountSegment: a second contract whose id names
// the same account segment as a stored one ("Small" and "small") is
// refused: their payables would share accounts.
func TestContractIDsSharingAnAccountSegment(t *testing.T) {
	onBothBackends(t, testContractIDsSharingAnAccountSegment)
}

func testContractIDsSharingAnAccountSegment(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	db := newDB(t)
	cli(t, db, "contract", "add", "../../testdata/runs/contract.yaml")
	other := runsContractEdited(t, dir, "other.yaml", replaceOnce("id: small", "id: Small"))
	_, errOut, err := runCLI(t, "--db", db, "contract", "add", other)
	if want := `revshare: contract "small" and contract "Small" would share the account name segment "small": choose another id` + "\n"; err == nil || errOut != want {
		t.Fatalf("contract add Small: %v %q, want %q", err, errOut, want)
	}
}

// TestCloseBeforeTheYear1000Refused: close follows the books' years
// (ledger.CheckBookYear): close 0500-01 was recorded, a close dated where
// nothing can be booked. Nothing is closed.
func TestCloseBeforeTheYear1000Refused(t *testing.T) {
	onBothBackends(t, testCloseBeforeTheYear1000Refused)
}

func testCloseBeforeTheYear1000Refused(t *testing.T, newDB newDB) {
	db := newDB(t)
	addRunsFixture(t, db)
	_, stderr, err := runCLI(t, "--db", db, "close", "0999-12")
	if want := "revshare: cannot close through 0999-12-31: out of range: years 1000 to 9999\n"; exitCode(err) != exitError || stderr != want {
		t.Errorf("close 0999-12: exit %d, stderr %q, want %q", exitCode(err), stderr, want)
	}
	if rows := rawRows(t, db, "SELECT count(*) FROM period_closes"); len(rows) != 1 || rows[0] != "[0]" {
		t.Errorf("period_closes after the refusal: %v, want no row", rows)
	}
	if got := cli(t, db, "close", "2026-01"); got != "closed 2026-01: nothing may be booked on or before 2026-01-31\n" {
		t.Errorf("close 2026-01 after the refusal: %q", got)
	}
}

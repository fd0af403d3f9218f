package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/reports"
)

var updateCaseStatements = flag.Bool("update-case-statements", false,
	"rewrite testdata/contracts/cases/*/statements.md.golden from the current output")

// caseEventsMapping imports a case's events.csv as it is: the engine test
// (contracts/engine_cases_test.go) reads its event numbers from a column
// named id, which is the usage CSV's event_id. The other columns already
// have their canonical names.
const caseEventsMapping = "columns:\n  event_id: id\n"

// TestCaseStatements books each hand-computed engine case of
// testdata/contracts/cases through the CLI (contract add, import rates and
// usage, run) and renders the Markdown statement of every period from the
// contract's first rule period through the case's `through`. The
// statements are compared with statements.md.golden in the case directory
// (rewrite with -update-case-statements and review the diff), and checked,
// independently of the goldens, against the engine's expected.json and the
// ledger's payable balances.
func TestCaseStatements(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "contracts", "cases", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no cases under testdata/contracts/cases")
	}
	mapping := filepath.Join(t.TempDir(), "events-mapping.yaml")
	if err := os.WriteFile(mapping, []byte(caseEventsMapping), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			testCaseStatements(t, dir, mapping)
		})
	}
}

func testCaseStatements(t *testing.T, dir, mapping string) {
	c := storetest.ParseContract(t, string(readCaseFile(t, dir, "contract.yaml")))
	through, err := ledger.ParsePeriod(strings.TrimSpace(string(readCaseFile(t, dir, "through"))))
	if err != nil {
		t.Fatal(err)
	}
	var expected caseExpected
	if err := json.Unmarshal(readCaseFile(t, dir, "expected.json"), &expected); err != nil {
		t.Fatalf("expected.json: %v", err)
	}

	db := filepath.Join(t.TempDir(), "case.db")
	cli(t, db, "contract", "add", filepath.Join(dir, "contract.yaml"))
	if rates := filepath.Join(dir, "rates.csv"); fileExists(t, rates) {
		cli(t, db, "import", "rates", rates)
	}
	cli(t, db, "import", "usage", filepath.Join(dir, "events.csv"), "--mapping", mapping)
	cli(t, db, "run", "--through", through.Label())

	first, ok := c.FirstPeriod()
	if !ok {
		t.Fatal("the contract has no rule with a start date")
	}
	last := c.PeriodOf(through.Last())
	var mds []string
	seen := 0                      // expected lines matched by a statement line
	closing := map[string]string{} // "payer payee" -> the previous period's closing balance
	for p := first; !last.Before(p); p = p.Next() {
		mds = append(mds, cli(t, db, "statement", c.ID, p.Label(), "--format", "md"))
		var s reports.Statement
		if err := json.Unmarshal([]byte(cli(t, db, "statement", c.ID, p.Label(), "--format", "json")), &s); err != nil {
			t.Fatalf("%s: statement JSON: %v", p, err)
		}
		seen += checkStatementLines(t, p.Label(), s, expected.linesOf(p.Label()))
		checkClosingBalances(t, db, s)
		checkPairs(t, s, closing)
	}
	if seen != len(expected.Lines) {
		t.Errorf("statements show %d of the %d lines of expected.json (periods %s..%s)", seen, len(expected.Lines), first, last)
	}

	got := strings.Join(mds, "\n---\n\n")
	checkGolden(t, filepath.Join(dir, "statements.md.golden"), got, *updateCaseStatements, "update-case-statements")
}

// caseExpected is the part of a case's expected.json (the engine's
// contracts.Result) that a statement shows, decoded as the strings the
// engine wrote.
type caseExpected struct {
	Lines []caseLine `json:"lines"`
}

type caseLine struct {
	Rule          string            `json:"rule"`
	Payer         string            `json:"payer"`
	Payee         string            `json:"payee"`
	Period        string            `json:"period"`
	Base          string            `json:"base"`
	Events        int               `json:"events"`
	ByChannel     map[string]string `json:"by_channel"`
	ByProduct     map[string]string `json:"by_product"`
	Gross         string            `json:"gross"`
	Caps          []caseCap         `json:"caps"`
	Obligation    string            `json:"obligation"`
	MinimumTrueUp string            `json:"minimum_true_up"`
	EventIDs      []int64           `json:"event_ids"`
}

type caseCap struct {
	Kind           string `json:"kind"`
	Limit          string `json:"limit"`
	ConsumedBefore string `json:"consumed_before"`
	Applied        string `json:"applied"`
	RemainingAfter string `json:"remaining_after"`
	Bound          bool   `json:"bound"`
}

func (e caseExpected) linesOf(period string) []caseLine {
	var out []caseLine
	for _, l := range e.Lines {
		if l.Period == period {
			out = append(out, l)
		}
	}
	return out
}

// checkStatementLines compares the statement's rule lines with the
// engine's lines of the same period, field by field, and returns how many
// expected lines it matched.
func checkStatementLines(t *testing.T, period string, s reports.Statement, want []caseLine) int {
	t.Helper()
	got := map[string]reports.RuleLine{}
	for _, r := range s.Rules {
		if _, dup := got[r.Rule]; dup {
			t.Errorf("%s: rule %s has two lines", period, r.Rule)
		}
		got[r.Rule] = r
	}
	if len(s.Rules) != len(want) {
		t.Errorf("%s: statement has %d rule lines, expected.json %d", period, len(s.Rules), len(want))
	}
	matched := 0
	for _, w := range want {
		g, ok := got[w.Rule]
		if !ok {
			t.Errorf("%s %s: no statement line", period, w.Rule)
			continue
		}
		matched++
		where := period + " " + w.Rule
		eq := func(field, got, want string) {
			if got != want {
				t.Errorf("%s: %s = %q on the statement, %q in expected.json", where, field, got, want)
			}
		}
		eq("payer", g.Payer, w.Payer)
		eq("payee", g.Payee, w.Payee)
		// The engine keeps a base exactly as summed ("2000", "180.0120");
		// a statement shows it exactly with at least the currency's minor
		// units ("2000.00", "180.012"): the values must be equal.
		eqDec := func(field, got, want string) {
			if !decimal.RequireFromString(got).Equal(decimal.RequireFromString(want)) {
				t.Errorf("%s: %s = %q on the statement, %q in expected.json", where, field, got, want)
			}
		}
		eqDec("base", g.Base, w.Base)
		eq("events", fmt.Sprint(g.Events), fmt.Sprint(w.Events))
		eqBreakdown := func(field string, got []reports.Breakdown, want map[string]string) {
			if len(got) != len(want) {
				t.Errorf("%s: %s = %v on the statement, %v in expected.json", where, field, got, want)
			}
			for _, b := range got {
				if wb, ok := want[b.Key]; !ok {
					t.Errorf("%s: %s %q on the statement, not in expected.json %v", where, field, b.Key, want)
				} else {
					eqDec(field+" "+b.Key, b.Base, wb)
				}
			}
		}
		eqBreakdown("base_by_channel", g.BaseByChannel, w.ByChannel)
		eqBreakdown("base_by_product", g.BaseByProduct, w.ByProduct)
		eq("gross", g.Gross, w.Gross)
		eq("obligation", g.Obligation, w.Obligation)
		eq("minimum_true_up", g.MinimumTrueUp, w.MinimumTrueUp)
		// The CSV's id column is imported first and in order, so the
		// database's event row IDs are the engine's event IDs.
		eq("event_ids", fmt.Sprint(g.EventIDs), fmt.Sprint(w.EventIDs))
		if len(g.Caps) != len(w.Caps) {
			t.Errorf("%s: %d caps on the statement, %d in expected.json", where, len(g.Caps), len(w.Caps))
			continue
		}
		for i, wc := range w.Caps {
			gc := g.Caps[i]
			cw := fmt.Sprintf("cap %d (%s) ", i, wc.Kind)
			eq(cw+"kind", gc.Kind, wc.Kind)
			eq(cw+"limit", gc.Limit, wc.Limit)
			eq(cw+"consumed_before", gc.ConsumedBefore, wc.ConsumedBefore)
			eq(cw+"applied", gc.Applied, wc.Applied)
			eq(cw+"remaining_after", gc.RemainingAfter, wc.RemainingAfter)
			eq(cw+"binds", fmt.Sprint(gc.Binds), fmt.Sprint(wc.Bound))
		}
	}
	return matched
}

// checkClosingBalances checks that each pair's closing balance is the
// ledger's net payable from payer to payee at the period's end: what the
// payer's liability account to the payee holds, less the reverse one
// (liabilities are credit balances, so negative in the trial balance).
func checkClosingBalances(t *testing.T, db string, s reports.Statement) {
	t.Helper()
	var tb struct {
		Accounts []struct{ Account, Currency, Balance string }
	}
	if err := json.Unmarshal([]byte(cli(t, db, "balance", "--as-of", s.Period.End, "--format", "json")), &tb); err != nil {
		t.Fatal(err)
	}
	bal := map[string]decimal.Decimal{}
	for _, a := range tb.Accounts {
		// Usage accounts hold the events' currencies; payables the contract's.
		if strings.HasPrefix(a.Account, "liabilities:revshare:") && a.Currency != s.Currency {
			t.Errorf("%s: account %s holds %s %s, not the contract's %s", s.Period.Label, a.Account, a.Balance, a.Currency, s.Currency)
		}
		bal[a.Account] = decimal.RequireFromString(a.Balance)
	}
	for _, p := range s.Pairs {
		owed := ledger.SharePayableAccount(p.Payer, p.Payee, s.Contract)
		reverse := ledger.SharePayableAccount(p.Payee, p.Payer, s.Contract)
		net := bal[reverse].Sub(bal[owed])
		if want := ledger.FormatMoney(net, s.Currency); p.ClosingBalance != want {
			t.Errorf("%s %s → %s: closing balance %s on the statement, ledger net payable %s (%s %s, %s %s) at %s",
				s.Period.Label, p.Payer, p.Payee, p.ClosingBalance, want, owed, bal[owed], reverse, bal[reverse], s.Period.End)
		}
	}
}

// checkPairs checks each pair's figures against the statement's own rule
// lines: obligations are what the rule lines book from payer to payee
// (obligation, true-up, adjustments), reverse obligations the same the
// other way, net their difference, the closing balance opening + net -
// payments, and the opening balance the previous period's closing balance
// (read in either orientation). closing carries the closing balances from
// one period to the next.
func checkPairs(t *testing.T, s reports.Statement, closing map[string]string) {
	t.Helper()
	dec := decimal.RequireFromString
	booked := map[[2]string]decimal.Decimal{}
	for _, r := range s.Rules {
		if len(r.Splits) > 0 {
			// A split rule books each payee's part; its parts sum to the
			// rule's obligation and true-up.
			sum := decimal.Zero
			for _, sp := range r.Splits {
				k := [2]string{r.Payer, sp.Payee}
				booked[k] = booked[k].Add(dec(sp.Amount))
				sum = sum.Add(dec(sp.Amount))
			}
			if want := dec(r.Obligation).Add(dec(r.MinimumTrueUp)); !sum.Equal(want) {
				t.Errorf("%s %s: splits sum to %s, obligation + true-up %s", s.Period.Label, r.Rule, sum, want)
			}
			if len(r.Adjustments) > 0 {
				t.Errorf("%s %s: a case with adjustments on a split rule needs per-payee checks", s.Period.Label, r.Rule)
			}
			continue
		}
		k := [2]string{r.Payer, r.Payee}
		booked[k] = booked[k].Add(dec(r.Obligation)).Add(dec(r.MinimumTrueUp))
		for _, a := range r.Adjustments {
			booked[k] = booked[k].Add(dec(a.ObligationDelta))
		}
	}
	// What the advances recouped in the period, per payer and payee, from
	// the statement's advances list.
	recouped := map[[2]string]decimal.Decimal{}
	for _, a := range s.AdvanceList() {
		k := [2]string{a.Payer, a.Payee}
		recouped[k] = recouped[k].Add(dec(a.Recouped))
		if got, want := dec(a.UnrecoupedAfter), dec(a.Amount).Sub(dec(a.RecoupedBefore)).Sub(dec(a.Recouped)); !got.Equal(want) {
			t.Errorf("%s advance %s: unrecouped_after %s, amount - recouped_before - recouped = %s", s.Period.Label, a.ID, got, want)
		}
	}
	m := func(d decimal.Decimal) string { return ledger.FormatMoney(d, s.Currency) }
	for _, p := range s.Pairs {
		where := fmt.Sprintf("%s %s → %s", s.Period.Label, p.Payer, p.Payee)
		eq := func(field, got, want string) {
			if got != want {
				t.Errorf("%s: %s %s on the statement, %s from its rule lines and the previous period", where, field, got, want)
			}
		}
		out, back := booked[[2]string{p.Payer, p.Payee}], booked[[2]string{p.Payee, p.Payer}]
		eq("obligations", p.Obligations, m(out))
		eq("reverse_obligations", p.ReverseObligations, m(back))
		eq("net", p.Net, m(out.Sub(back)))
		rec := recouped[[2]string{p.Payer, p.Payee}].Sub(recouped[[2]string{p.Payee, p.Payer}])
		if p.Recouped != "" || !rec.IsZero() {
			eq("recouped", p.Recouped, m(rec))
		}
		eq("closing_balance", p.ClosingBalance, m(dec(p.OpeningBalance).Add(dec(p.Net)).Sub(dec(p.Payments)).Sub(rec)))
		opening := decimal.Zero
		if c, ok := closing[p.Payer+" "+p.Payee]; ok {
			opening = dec(c)
		} else if c, ok := closing[p.Payee+" "+p.Payer]; ok {
			opening = dec(c).Neg()
		}
		eq("opening_balance", p.OpeningBalance, m(opening))
		delete(closing, p.Payee+" "+p.Payer)
		closing[p.Payer+" "+p.Payee] = p.ClosingBalance
	}
}

func readCaseFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fileExists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/reports"
)

// TestDealLateEvents follows testdata/deals/late (a split rule and a plain
// rule under a shared total cap of 100.00, and a 60.00 advance to the
// artist) through a run, a close of January, a payment, a late January
// event and a second run. Every figure is computed by hand in the comments.
func TestDealLateEvents(t *testing.T) { onBothBackends(t, testDealLateEvents) }

func testDealLateEvents(t *testing.T, newDB newDB) {
	dir := filepath.Join("..", "..", "testdata", "deals", "late")
	db := newDB(t)
	addFixture(t, db, dir)
	// Record's two parts in January and February, sync's January (its
	// February is zero: nothing to book), the advance and the two months'
	// recoupments: 4 + 1 + 1 + 2.
	if out := cli(t, db, "run", "--through", "2026-02"); out != "run late-deal through 2026-02: 8 entries booked (0 prior-period adjustments, 1 advance payment, 2 recoupments)\n" {
		t.Errorf("run: %q", out)
	}
	cli(t, db, "close", "2026-01")

	// January: record 10% of 300.00 = 30.00, split 15.00 / 15.00; sync 20%
	// of 100.00 = 20.00 in the 70.00 the shared cap has left. The artist's
	// 15.00 + 20.00 recoups 35.00 of the 60.00 advance.
	jan := dealStatement(t, db, "2026-01")
	janJSON := cli(t, db, "statement", "late-deal", "2026-01", "--format", "json")
	want := []string{
		"status final",
		"rule record payee= obligation 30.00 true-up 0.00 | cap shared label-total total 100.00 before 0.00 applied 30.00 after 70.00 binds=false | split artist 0.5 15.00 | split producer 0.5 15.00",
		"rule sync payee=artist obligation 20.00 true-up 0.00 | cap shared label-total total 100.00 before 30.00 applied 20.00 after 50.00 binds=false",
		"pair label→artist obligations 35.00 reverse 0.00 net 35.00 opening 0.00 payments 0.00 recouped 35.00 closing 0.00",
		"pair label→producer obligations 15.00 reverse 0.00 net 15.00 opening 0.00 payments 0.00 recouped 0.00 closing 15.00",
		"advance adv label→artist 2026-01-10 60.00 before 0.00 recouped 35.00 unrecouped 25.00",
	}
	checkDealSummary(t, jan, want)

	cli(t, db, "pay", "--contract", "late-deal", "--payer", "label", "--payee", "producer", "--amount", "15.00", "--date", "2026-02-10")
	cli(t, db, "import", "usage", filepath.Join(dir, "late.csv"))
	cli(t, db, "run", "--through", "2026-02")

	// The late 501.00 makes January's record base 801.00: 80.10, split
	// 40.05 / 40.05, booked on 2026-02-01 as adjustments of +25.05 each;
	// sync then has 100 - 80.10 = 19.90 left (-0.10). February's record
	// (gross 20.00) finds the shared cap used up (its first run booked
	// 10.00 / 10.00, now taken back). The artist's February bookings are
	// 10.00 - 10.00 + 25.05 - 0.10 = 24.95, all recouped (January's 35.00
	// stays as booked; 25.00 was left): 0.05 of the advance remains.
	feb := dealStatement(t, db, "2026-02")
	want = []string{
		"status draft",
		"rule record payee= obligation 0.00 true-up 0.00 | cap shared label-total total 100.00 before 100.00 applied 0.00 after 0.00 binds=true | split artist 0.5 0.00 | split producer 0.5 0.00 | adjustment 2026-01 base 501.00 obligation 50.10",
		"rule sync payee=artist obligation 0.00 true-up 0.00 | cap shared label-total total 100.00 before 100.00 applied 0.00 after 0.00 binds=false | adjustment 2026-01 base 0.00 obligation -0.10",
		"pair label→artist obligations 24.95 reverse 0.00 net 24.95 opening 0.00 payments 0.00 recouped 24.95 closing 0.00",
		"pair label→producer obligations 25.05 reverse 0.00 net 25.05 opening 15.00 payments 15.00 recouped 0.00 closing 25.05",
		"advance adv label→artist 2026-01-10 60.00 before 35.00 recouped 24.95 unrecouped 0.05",
	}
	checkDealSummary(t, feb, want)
	checkClosingBalances(t, db, feb)
	checkClosingBalances(t, db, jan)

	// January's final statement did not change.
	if got := cli(t, db, "statement", "late-deal", "2026-01", "--format", "json"); got != janJSON {
		t.Errorf("January's final statement changed:\n%s\nwas:\n%s", got, janJSON)
	}
	// The advances asset holds what is not recouped: 60.00 - 35.00 - 24.95.
	var tb struct {
		Accounts []struct{ Account, Currency, Balance string }
	}
	if err := json.Unmarshal([]byte(cli(t, db, "balance", "--format", "json")), &tb); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range tb.Accounts {
		got[a.Account] = a.Balance
	}
	for acct, want := range map[string]string{
		"assets:advances:label:artist:late-deal": "0.05",
		"assets:cash:label":                      "-75.00", // the 60.00 advance and the 15.00 payment
	} {
		if !decimal.RequireFromString(got[acct]).Equal(decimal.RequireFromString(want)) {
			t.Errorf("%s = %q, want %s", acct, got[acct], want)
		}
	}
	// A run with nothing new books nothing.
	if out := cli(t, db, "run", "--through", "2026-02", "--format", "json"); !strings.Contains(out, `"entries": 0`) || strings.Contains(out, "recoupments") {
		t.Errorf("second run booked something: %s", out)
	}
	cli(t, db, "verify")

	// An amendment splits record 60/40 from now on, January included:
	// 80.10 splits 48.06 / 32.04, so January's parts move by +8.01 and
	// -8.01 (prior-period adjustments in February, summing to zero on the
	// rule). The artist's February bookings grow to 32.96, enough to recoup
	// the last 25.00 of the advance (January's 35.00 stays as booked).
	doc, err := os.ReadFile(filepath.Join(dir, "contract.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	amended := strings.NewReplacer(`{party: artist, share: "0.5"}`, `{party: artist, share: "0.6"}`,
		`{party: producer, share: "0.5"}`, `{party: producer, share: "0.4"}`).Replace(string(doc))
	path := filepath.Join(t.TempDir(), "amended.yaml")
	if err := os.WriteFile(path, []byte(amended), 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, db, "contract", "update", path)
	cli(t, db, "run", "--through", "2026-02")
	feb = dealStatement(t, db, "2026-02")
	checkDealSummary(t, feb, []string{
		"status draft",
		"rule record payee= obligation 0.00 true-up 0.00 | cap shared label-total total 100.00 before 100.00 applied 0.00 after 0.00 binds=true | split artist 0.6 0.00 | split producer 0.4 0.00 | adjustment 2026-01 base 501.00 obligation 50.10",
		"rule sync payee=artist obligation 0.00 true-up 0.00 | cap shared label-total total 100.00 before 100.00 applied 0.00 after 0.00 binds=false | adjustment 2026-01 base 0.00 obligation -0.10",
		"pair label→artist obligations 32.96 reverse 0.00 net 32.96 opening 0.00 payments 0.00 recouped 25.00 closing 7.96",
		"pair label→producer obligations 17.04 reverse 0.00 net 17.04 opening 15.00 payments 15.00 recouped 0.00 closing 17.04",
		"advance adv label→artist 2026-01-10 60.00 before 35.00 recouped 25.00 unrecouped 0.00",
	})
	checkClosingBalances(t, db, feb)
	cli(t, db, "verify")
}

func dealStatement(t *testing.T, db, period string) reports.Statement {
	t.Helper()
	var s reports.Statement
	if err := json.Unmarshal([]byte(cli(t, db, "statement", "late-deal", period, "--format", "json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkDealSummary compares a compact rendering of the statement's rules,
// pairs and advances with want.
func checkDealSummary(t *testing.T, s reports.Statement, want []string) {
	t.Helper()
	got := []string{"status " + s.Status}
	for _, r := range s.Rules {
		line := "rule " + r.Rule + " payee=" + r.Payee + " obligation " + r.Obligation + " true-up " + r.MinimumTrueUp
		for _, c := range r.Caps {
			line += " | cap " + c.Name() + " " + c.Limit + " before " + c.ConsumedBefore + " applied " + c.Applied + " after " + c.RemainingAfter
			if c.Binds {
				line += " binds=true"
			} else {
				line += " binds=false"
			}
		}
		for _, sp := range r.Splits {
			line += " | split " + sp.Payee + " " + sp.Share + " " + sp.Amount
		}
		for _, a := range r.Adjustments {
			line += " | adjustment " + a.Period + " base " + a.BaseDelta + " obligation " + a.ObligationDelta
		}
		got = append(got, line)
	}
	for _, p := range s.Pairs {
		got = append(got, "pair "+p.Payer+"→"+p.Payee+" obligations "+p.Obligations+" reverse "+p.ReverseObligations+" net "+p.Net+
			" opening "+p.OpeningBalance+" payments "+p.Payments+" recouped "+p.Recouped+" closing "+p.ClosingBalance)
	}
	for _, a := range s.AdvanceList() {
		got = append(got, "advance "+a.ID+" "+a.Payer+"→"+a.Payee+" "+a.Date+" "+a.Amount+" before "+a.RecoupedBefore+" recouped "+a.Recouped+" unrecouped "+a.UnrecoupedAfter)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("statement %s:\n%s\nwant:\n%s", s.Period.Label, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

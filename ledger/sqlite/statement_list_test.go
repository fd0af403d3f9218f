package sqlite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
)

// TestStatementListNeedsNoLaterRate: the list of a contract's statements
// (GET /contracts/{id}/statements, the web view) finds the first period of
// a rule without `from` from the usage aggregates, without exchange rates.
// Before, it evaluated the contract through today's period, so a EUR event
// of February without a rate made the list fail in June, while the run
// through January and every statement through it were fine (found by
// TestBooksDifferential's seed 10952, docs/design/spec-audit.md).
func TestStatementListNeedsNoLaterRate(t *testing.T) {
	ctx := context.Background()
	clock := fixedClock{time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}
	db := openTestDB(t, clock)
	doc, err := os.ReadFile("../../testdata/contracts/open-start.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := storetest.SaveContract(t, db, string(doc), false)
	csv := "event_id,occurred_at,seller,channel,amount,currency\n1,2025-12-10,a,direct,100.05,USD\n2,2026-02-03,a,direct,50,EUR\n"
	importCSV(t, db, "usage.csv", csv, usage.ImportOptions{})
	if _, err := booksOf(db).Run(ctx, date("2026-01-31")); err != nil {
		t.Fatal(err)
	}
	list, err := reports.Books{Store: db.Books(), Clock: clock}.StatementPeriods(ctx, "open")
	if err != nil {
		t.Fatalf("statement list: %v", err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.Period+" "+s.Status)
	}
	want := "[2025-12 draft 2026-01 draft 2026-02 draft 2026-03 draft 2026-04 draft 2026-05 draft 2026-06 draft]"
	if fmt.Sprint(got) != want {
		t.Errorf("statement list: %v\nwant %s", got, want)
	}
	// February itself needs the rate, as a run through it does.
	_, err = reports.Books{Store: db.Books(), Clock: clock}.Statement(ctx, "open", c.PeriodOf(date("2026-02-03")))
	if want := "no FX rate from EUR to USD on or before 2026-02-03"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("statement 2026-02: %v, want it to name %q", err, want)
	}
}

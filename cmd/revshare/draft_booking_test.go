package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDraftBehindBeyondItsOwnLines: the cases TestDraftBookingMatchesRun
// found where a draft said the books agree (no `booking` field) while a run
// would book in its period, or said "behind" or "none" while a run would
// book nothing there. Before, a draft compared only its rules' totals with
// the accruals booked in the period, and a closed period's corrections.
func TestDraftBehindBeyondItsOwnLines(t *testing.T) {
	onBothBackends(t, testDraftBehindBeyondItsOwnLines)
}

func testDraftBehindBeyondItsOwnLines(t *testing.T, newDB newDB) {
	db := newDB(t)
	dir := t.TempDir()
	booking := func(when, period, want string) {
		t.Helper()
		if s, _ := statementJSON(t, db, period); s.Booking != want {
			t.Errorf("%s: draft %s booking %q, want %q", when, period, s.Booking, want)
		}
	}
	addRunsFixture(t, db)
	cli(t, db, "run", "--through", "2026-02")
	// r1 pays google: its January total (20.00) stays, its pair changes
	// (was "": a run books -20.00 to microsoft and 20.00 to google).
	payee := func(doc string) string {
		doc = strings.Replace(doc, "parties: [openai, microsoft]", "parties: [openai, microsoft, google]", 1)
		return strings.Replace(doc, "    payee: microsoft\n", "    payee: google\n", 1)
	}
	cli(t, db, "contract", "update", runsContractEdited(t, dir, "v2.yaml", payee))
	booking("r1 pays google", "2026-01", "behind")
	cli(t, db, "run", "--through", "2026-02")
	booking("run after r1 pays google", "2026-01", "")
	// r2 removed: January has no line for it, a run takes back its 4.00
	// (was "").
	removed := func(doc string) string { doc = payee(doc); return doc[:strings.Index(doc, "  - id: r2")] }
	cli(t, db, "contract", "update", runsContractEdited(t, dir, "v3.yaml", removed))
	booking("r2 removed", "2026-01", "behind")
	cli(t, db, "close", "2026-02")
	// An advance dated in open March, recouped from r1: the rules' bookings
	// stand, a run books the advance (r1's March is capped at zero: nothing
	// to recoup) (was "").
	mar := filepath.Join(dir, "mar.csv")
	writeFile(t, mar, "event_id,occurred_at,seller,channel,product,amount,currency\ne9,2026-03-03,openai,aws,api,40.00,USD\n")
	cli(t, db, "import", "usage", mar)
	cli(t, db, "run", "--through", "2026-03")
	booking("run through March", "2026-03", "")
	advance := func(doc string) string {
		return removed(doc) + "advances:\n  - {id: a1, payer: openai, payee: google, date: 2026-03-10, amount: \"5.00\", recoup_from: [r1]}\n"
	}
	cli(t, db, "contract", "update", runsContractEdited(t, dir, "v4.yaml", advance))
	booking("advance added", "2026-03", "behind")
	cli(t, db, "run", "--through", "2026-03")
	booking("run after the advance", "2026-03", "")
	// Quarterly from here on: 2026-Q1 is closed through February only, and
	// a run reverses March's monthly bookings and books the quarter in it
	// (was "": the draft took Q1 for closed; and once the run booked it,
	// "behind": its lines were compared with the months' accruals too).
	quarterly := func(doc string) string { return strings.Replace(advance(doc), "period: month", "period: quarter", 1) }
	cli(t, db, "contract", "update", runsContractEdited(t, dir, "v5.yaml", quarterly))
	s, _ := statementJSON(t, db, "2026-Q1")
	if s.Status != "draft" || s.Booking != "behind" {
		t.Errorf("quarterly: 2026-Q1 %s, booking %q; want draft, behind", s.Status, s.Booking)
	}
	cli(t, db, "run", "--through", "2026-Q1")
	booking("run through 2026-Q1", "2026-Q1", "")
	// A contract added after the close: its closed January is a draft
	// (closed before it existed) that no run can book in (was "none").
	other := runsContractEdited(t, dir, "other.yaml", func(doc string) string { return strings.Replace(doc, "id: small", "id: other", 1) })
	cli(t, db, "contract", "add", other)
	if s, _ := statementJSONOf(t, db, "other", "2026-01"); s.Status != "draft" || s.Booking != "" {
		t.Errorf("contract added after the close: 2026-01 %s, booking %q; want draft, no booking", s.Status, s.Booking)
	}
}

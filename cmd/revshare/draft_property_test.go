package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
)

// TestDraftBookingMatchesRun checks, after every step of realistic
// sequences, the property a draft's `booking` field promises (docs/guide.md,
// "Review" step): for each period P with a draft statement,
// the draft of P has no `booking` field exactly when `run --through P`
// books nothing dated in P: no accrual, minimum true-up, prior-period
// adjustment, advance or recoupment entry. The sequences are the audit16
// cases (testdata/audit16: caps, tiers, shared caps, splits, advances,
// late events into closed periods, an amendment, quarterly and yearly
// contracts) and a walk of the runs fixture through amendments that move
// a rule to another payee, remove and add rules, split a rule, add and
// raise an advance, and make the contract quarterly.
//
// Drafts of closed periods are checked too (a contract added after a
// close has no final statement for them): a run books nothing in them, so
// they must have no `booking` field.
//
// What a run books in P is measured, not computed: on SQLite each period's
// run is made on a fresh copy of the book file, and the entries dated in P
// (the hledger export) are counted before and after. PostgreSQL has no
// cheap copy: runs through each draft's period, in order, are made in the
// book itself, and the entries each period gained over all of them are
// counted: those a single run through it would book (each run brings what
// is dated in the periods it reaches to the same engine values, and a run
// through an earlier period may reach a later one already booked); the
// walk goes on from the booked state.
func TestDraftBookingMatchesRun(t *testing.T) { onBothBackends(t, testDraftBookingMatchesRun) }

func testDraftBookingMatchesRun(t *testing.T, newDB newDB) {
	for _, c := range audit16Cases {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			playAudit16(t, db, c.name, c.rates, c.steps, func(done string) {
				checkDraftBooking(t, db, done, c.contract, c.periods)
			})
		})
	}
	t.Run("amendments", func(t *testing.T) {
		db := newDB(t)
		write, dir := fileWriter(t), t.TempDir()
		periods := []string{"2026-01", "2026-02", "2026-03"}
		step := func(name string, args ...string) {
			t.Helper()
			cli(t, db, args...)
			checkDraftBooking(t, db, name, "small", periods)
		}
		contract := func(name string, edit func(string) string) string {
			return runsContractEdited(t, dir, name, edit)
		}
		step("contract add", "contract", "add", "../../testdata/runs/contract.yaml")
		step("import", "import", "usage", "../../testdata/runs/usage.csv")
		step("run --through 2026-01", "run", "--through", "2026-01")
		// r1 pays google instead of microsoft: its total is unchanged, its pair is not.
		payee := func(doc string) string {
			doc = strings.Replace(doc, "parties: [openai, microsoft]", "parties: [openai, microsoft, google]", 1)
			return strings.Replace(doc, "    payee: microsoft\n", "    payee: google\n", 1)
		}
		step("r1 pays google", "contract", "update", contract("v2.yaml", payee))
		step("run --through 2026-02", "run", "--through", "2026-02")
		// r2 (booked in open January) removed, r3 added (openai's aws sales, 5%).
		swap := func(doc string) string {
			doc = payee(doc)
			doc = doc[:strings.Index(doc, "  - id: r2")]
			return doc + "  - {id: r3, payer: openai, payee: microsoft, match: {seller: openai, channel: aws}, rate: \"0.05\", from: 2026-01-01}\n"
		}
		step("r2 removed, r3 added", "contract", "update", contract("v3.yaml", swap))
		step("run --through 2026-03", "run", "--through", "2026-03")
		step("close 2026-01", "close", "2026-01")
		step("late refund", "import", "usage", "../../testdata/runs/late.csv")
		step("run --through 2026-03", "run", "--through", "2026-03")
		// r1 split between google and microsoft: its totals stay.
		split := func(doc string) string {
			doc = swap(doc)
			return strings.Replace(doc, "    payee: google\n", "    payees: [{party: google, share: \"0.5\"}, {party: microsoft, share: \"0.5\"}]\n", 1)
		}
		step("r1 split", "contract", "update", contract("v4.yaml", split))
		step("run --through 2026-03", "run", "--through", "2026-03")
		// An advance from openai to microsoft, recouped from r3, dated in a
		// booked open period: the rules' bookings stay as they are.
		advance := func(doc string) string {
			return split(doc) + "advances:\n  - {id: a1, payer: openai, payee: microsoft, date: 2026-02-10, amount: \"5.00\", recoup_from: [r3]}\n"
		}
		step("advance added", "contract", "update", contract("v5.yaml", advance))
		step("late march sale", "import", "usage", write("mar.csv", "event_id,occurred_at,seller,channel,product,amount,currency\ne9,2026-03-03,openai,aws,api,40.00,USD\n"))
		step("close 2026-02", "close", "2026-02")
		// The advance raised: only what is booked for it changes.
		raised := func(doc string) string { return strings.Replace(advance(doc), `amount: "5.00"`, `amount: "9.00"`, 1) }
		step("advance raised", "contract", "update", contract("v6.yaml", raised))
		step("run --through 2026-03", "run", "--through", "2026-03")
		// Quarterly statements from here on: March's monthly bookings go
		// back to zero and 2026-Q1 is booked instead.
		quarterly := func(doc string) string { return strings.Replace(raised(doc), "period: month", "period: quarter", 1) }
		periods = []string{"2026-Q1", "2026-Q2"}
		step("quarterly", "contract", "update", contract("v7.yaml", quarterly))
		step("run --through 2026-Q1", "run", "--through", "2026-Q1")
	})
}

// checkDraftBooking checks the property of TestDraftBookingMatchesRun for
// each of periods that is open, after step.
func checkDraftBooking(t *testing.T, db, step, contract string, periods []string) {
	t.Helper()
	type draft struct{ period, booking string }
	var drafts []draft
	if _, _, err := runCLI(t, "--db", db, "contract", "show", contract); err != nil {
		return // not added yet (a case that adds it in a step)
	}
	for _, p := range periods {
		s, _ := statementJSONOf(t, db, contract, p)
		if s.Status != "draft" {
			continue
		}
		drafts = append(drafts, draft{p, s.Booking})
	}
	fail := func(d draft, booked int, how string) {
		t.Helper()
		t.Errorf("after %s: draft %s %s says booking %q, but %s booked %d entries dated in it", step, contract, d.period, d.booking, how, booked)
	}
	periods = nil
	for _, d := range drafts {
		periods = append(periods, d.period)
	}
	if !strings.HasPrefix(db, "postgres") {
		for _, d := range drafts {
			book := copySQLiteBook(t, db)
			before := entriesDatedIn(t, book, d.period)
			cli(t, book, "run", "--through", d.period)
			if booked := entriesDatedIn(t, book, d.period) - before; (d.booking == "") != (booked == 0) {
				fail(d, booked, "run --through "+d.period)
			}
		}
		return
	}
	before := map[string]int{}
	for _, d := range drafts {
		before[d.period] = entriesDatedIn(t, db, d.period)
	}
	for _, d := range drafts {
		cli(t, db, "run", "--through", d.period)
	}
	for _, d := range drafts {
		if booked := entriesDatedIn(t, db, d.period) - before[d.period]; (d.booking == "") != (booked == 0) {
			fail(d, booked, "runs through "+strings.Join(periods, ", "))
		}
	}
}

// copySQLiteBook copies the SQLite book db (and its WAL, if any) into a
// fresh directory and returns the copy's path.
func copySQLiteBook(t *testing.T, db string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy.db")
	copyDB(t, db, dst)
	return dst
}

// entriesDatedIn counts the journal's entries dated in p (the hledger
// export through p's last day: one transaction per entry).
func entriesDatedIn(t *testing.T, db, period string) int {
	t.Helper()
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	from, to := p.Start().String(), p.Last().String()
	for _, line := range strings.Split(cli(t, db, "export", "hledger", "--to", to, "--assert-closed=false"), "\n") {
		if len(line) < 11 || line[4] != '-' || line[10] != ' ' {
			continue
		}
		if d := line[:10]; d >= from && d <= to {
			n++
		}
	}
	return n
}

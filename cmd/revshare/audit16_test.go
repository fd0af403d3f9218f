package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/reports"
)

// TestSpecAudit16 runs the session-16 audit's cases (testdata/audit16/<case>,
// docs/design/spec-audit.md) through the command line and compares every
// statement with figures computed by hand from the spec's sections 1, 3, 4
// and 5. Each case's arithmetic is in the comment above it. A statement is
// summed up one line per rule, pair and advance (auditLines):
//
//	rule base=B n=EVENTS gross=G ob=OBLIGATION mtu=TRUE_UP caps=[shared]KIND:LIMIT/cbBEFORE/apAPPLIED/raREMAINING[*=binds] splits=PAYEE:AMOUNT adj=PERIOD:bdBASE_DELTA:odOBLIGATION_DELTA
//	pair PAYER->PAYEE ob= rev= net= open= pay= rec= close=
//	adv ID DATE amt= rb=RECOUPED_BEFORE r=RECOUPED ua=UNRECOUPED_AFTER
//
// and every pair's closing balance is checked against the ledger.
func TestSpecAudit16(t *testing.T) {
	for _, c := range audit16Cases {
		t.Run(c.name, func(t *testing.T) {
			db := newSQLite(t)
			playAudit16(t, db, c.name, c.rates, c.steps, nil)
			for _, period := range c.periods {
				s, _ := statementJSONOf(t, db, c.contract, period)
				got := strings.Join(auditLines(s), "\n")
				if want := strings.Join(c.want[period], "\n"); got != want {
					t.Errorf("%s %s:\ngot:\n%s\nwant:\n%s", c.contract, period, got, want)
				}
				checkClosingBalances(t, db, s)
			}
			if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: ") {
				t.Errorf("verify: %q", out)
			}
		})
	}
}

// playAudit16 builds the book of audit16 case name in db through the
// command line: its contract, its rates when it has them, its usage, then
// its steps (a file named in a step is the case's). after, when set, is
// called with what was done once the contract, the usage and each step
// are in.
func playAudit16(t *testing.T, db, name string, rates bool, steps []string, after func(done string)) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "audit16", name)
	done := func(what string) {
		if after != nil {
			after(what)
		}
	}
	cli(t, db, "contract", "add", filepath.Join(dir, "contract.yaml"))
	if rates {
		cli(t, db, "import", "rates", filepath.Join(dir, "rates.csv"))
	}
	done("contract add")
	cli(t, db, "import", "usage", filepath.Join(dir, "usage.csv"))
	done("import usage.csv")
	for _, step := range steps {
		args := strings.Fields(step)
		for i, a := range args {
			if strings.HasSuffix(a, ".csv") || strings.HasSuffix(a, ".yaml") {
				args[i] = filepath.Join(dir, a)
			}
		}
		cli(t, db, args...)
		done(step)
	}
}

// auditLines sums up a statement as TestSpecAudit16 compares it.
func auditLines(s reports.Statement) []string {
	lines := []string{"== " + s.Period.Label + " " + s.Status}
	for _, r := range s.Rules {
		l := fmt.Sprintf("  %s base=%s n=%d gross=%s ob=%s mtu=%s", r.Rule, r.Base, r.Events, r.Gross, r.Obligation, r.MinimumTrueUp)
		var parts []string
		for _, c := range r.Caps {
			star := ""
			if c.Binds {
				star = "*"
			}
			parts = append(parts, fmt.Sprintf("%s%s:%s/cb%s/ap%s/ra%s%s", c.Shared, c.Kind, c.Limit, c.ConsumedBefore, c.Applied, c.RemainingAfter, star))
		}
		if len(parts) > 0 {
			l += " caps=" + strings.Join(parts, ",")
		}
		parts = nil
		for _, sp := range r.Splits {
			parts = append(parts, sp.Payee+":"+sp.Amount)
		}
		if len(parts) > 0 {
			l += " splits=" + strings.Join(parts, ",")
		}
		parts = nil
		for _, a := range r.Adjustments {
			parts = append(parts, fmt.Sprintf("%s:bd%s:od%s", a.Period, a.BaseDelta, a.ObligationDelta))
		}
		if len(parts) > 0 {
			l += " adj=" + strings.Join(parts, ",")
		}
		lines = append(lines, l)
	}
	for _, p := range s.Pairs {
		rec := p.Recouped
		if rec == "" {
			rec = "-"
		}
		lines = append(lines, fmt.Sprintf("  pair %s->%s ob=%s rev=%s net=%s open=%s pay=%s rec=%s close=%s",
			p.Payer, p.Payee, p.Obligations, p.ReverseObligations, p.Net, p.OpeningBalance, p.Payments, rec, p.ClosingBalance))
	}
	for _, a := range s.AdvanceList() {
		lines = append(lines, fmt.Sprintf("  adv %s %s amt=%s rb=%s r=%s ua=%s", a.ID, a.Date, a.Amount, a.RecoupedBefore, a.Recouped, a.UnrecoupedAfter))
	}
	return lines
}

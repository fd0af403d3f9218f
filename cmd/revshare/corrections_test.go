package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// correctionDeal is a one-rule deal: a pays b half of a's sales. The
// amendment tests swap the rule's payee or add a rule.
const correctionDeal = `id: am
currency: USD
timezone: UTC
period: month
parties: [a, b, c]
rules:
  - id: r
    payer: a
    payee: %s
    rate: "0.5"
    from: 2026-01-01
%s`

const usageHeader = "event_id,occurred_at,seller,channel,product,amount,currency\n"

// writeCase writes name=content files into a temporary directory and
// returns the directory and a database path in it.
func writeCase(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, filepath.Join(dir, "c.db")
}

// pairLines prints a statement's pairs one a line, field by field.
func pairLines(t *testing.T, db, contract, period string) string {
	t.Helper()
	s, _ := statementJSONOf(t, db, contract, period)
	var out []string
	for _, p := range s.Pairs {
		out = append(out, fmt.Sprintf("%s->%s obligations %s reverse %s net %s opening %s payments %s closing %s",
			p.Payer, p.Payee, p.Obligations, p.ReverseObligations, p.Net, p.OpeningBalance, p.Payments, p.ClosingBalance))
	}
	return strings.Join(out, "\n")
}

// adjustmentLines prints a statement's prior-period adjustments one a line.
func adjustmentLines(t *testing.T, db, contract, period string) string {
	t.Helper()
	s, _ := statementJSONOf(t, db, contract, period)
	var out []string
	for _, r := range s.Rules {
		for _, a := range r.Adjustments {
			out = append(out, fmt.Sprintf("%s %s base %s obligation %s: %s", r.Rule, a.Period, a.BaseDelta, a.ObligationDelta, a.Reason))
		}
	}
	return strings.Join(out, "\n")
}

// amendedPairCase writes the deal as c1.yaml (r pays a->b) and its
// amendment as c2.yaml (r pays a->c), adds c1 and imports one sale of a,
// 100.00 on 2026-01-10. It returns the case directory and the database.
func amendedPairCase(t *testing.T) (string, string) {
	t.Helper()
	dir, db := writeCase(t, map[string]string{
		"c1.yaml": fmt.Sprintf(correctionDeal, "b", ""),
		"c2.yaml": fmt.Sprintf(correctionDeal, "c", ""),
		"e.csv":   usageHeader + "1,2026-01-10,a,x,p,100.00,USD\n",
	})
	cli(t, db, "contract", "add", filepath.Join(dir, "c1.yaml"))
	cli(t, db, "import", "usage", filepath.Join(dir, "e.csv"))
	return dir, db
}

// TestAmendedPairKeepsItsLine: rule r pays a->b 50% and January (sales
// 100.00, so 50.00 owed to b) is closed; an amendment moves r to a->c. The
// February run books a->b -50.00 and a->c +50.00. February's statement
// shows the a-b pair, whose balance goes from 50.00 to 0.00 (before, the
// pair was missing: no statement ever showed that balance go back, spec §5
// "the closing balance equals the ledger's net payable"). Oriented by §5:
// a's obligations to b (-50.00) are smaller than b's to a (0.00), so b is
// the payer: net 0.00 - (-50.00) = 50.00, opening -50.00, closing 0.00.
// March has nothing between a and b: the pair is gone again.
func TestAmendedPairKeepsItsLine(t *testing.T) {
	dir, db := amendedPairCase(t)
	cli(t, db, "close", "2026-01")
	if got, want := pairLines(t, db, "am", "2026-01"), "a->b obligations 50.00 reverse 0.00 net 50.00 opening 0.00 payments 0.00 closing 50.00"; got != want {
		t.Fatalf("2026-01 pairs:\n%s\nwant\n%s", got, want)
	}
	cli(t, db, "contract", "update", filepath.Join(dir, "c2.yaml"))
	cli(t, db, "run", "--through", "2026-03")
	want := "b->a obligations 0.00 reverse -50.00 net 50.00 opening -50.00 payments 0.00 closing 0.00\n" +
		"a->c obligations 50.00 reverse 0.00 net 50.00 opening 0.00 payments 0.00 closing 50.00"
	if got := pairLines(t, db, "am", "2026-02"); got != want {
		t.Fatalf("2026-02 pairs:\n%s\nwant\n%s", got, want)
	}
	if got, want := pairLines(t, db, "am", "2026-03"), "a->c obligations 0.00 reverse 0.00 net 0.00 opening 50.00 payments 0.00 closing 50.00"; got != want {
		t.Fatalf("2026-03 pairs:\n%s\nwant\n%s", got, want)
	}
	// The closing balances are the ledger's.
	bal := cli(t, db, "balance", "--as-of", "2026-02-28")
	for _, w := range []string{"liabilities:revshare:a:b:am  liability  USD          0.00", "liabilities:revshare:a:c:am  liability  USD        -50.00"} {
		if !strings.Contains(bal, w) {
			t.Errorf("balance as of 2026-02-28 has no line %q:\n%s", w, bal)
		}
	}
}

// TestAmendedPairWithPaymentStaysUntilSettled: the same amendment after a
// paid its 50.00 to b in January: February books a->b -50.00, so b now
// owes a 50.00 back, and the pair stays on every statement until a payment
// settles it (March: opening 50.00 owed by b, b pays 50.00, closing 0.00);
// April has nothing between them and no line.
func TestAmendedPairWithPaymentStaysUntilSettled(t *testing.T) {
	dir, db := amendedPairCase(t)
	cli(t, db, "pay", "--contract", "am", "--payer", "a", "--payee", "b", "--amount", "50.00", "--date", "2026-01-31")
	cli(t, db, "close", "2026-01")
	cli(t, db, "contract", "update", filepath.Join(dir, "c2.yaml"))
	cli(t, db, "run", "--through", "2026-02")
	cli(t, db, "pay", "--contract", "am", "--payer", "b", "--payee", "a", "--amount", "50.00", "--date", "2026-03-05")
	cli(t, db, "run", "--through", "2026-04")
	for _, c := range []struct{ period, want string }{
		{"2026-02", "b->a obligations 0.00 reverse -50.00 net 50.00 opening 0.00 payments 0.00 closing 50.00\n" +
			"a->c obligations 50.00 reverse 0.00 net 50.00 opening 0.00 payments 0.00 closing 50.00"},
		{"2026-03", "a->b obligations 0.00 reverse 0.00 net 0.00 opening -50.00 payments -50.00 closing 0.00\n" +
			"a->c obligations 0.00 reverse 0.00 net 0.00 opening 50.00 payments 0.00 closing 50.00"},
		{"2026-04", "a->c obligations 0.00 reverse 0.00 net 0.00 opening 50.00 payments 0.00 closing 50.00"},
	} {
		if got := pairLines(t, db, "am", c.period); got != c.want {
			t.Errorf("%s pairs:\n%s\nwant\n%s", c.period, got, c.want)
		}
	}
}

// TestAdjustmentBaseDeltaAgainstFinalStatement: a prior-period adjustment's
// base delta is measured against the base the period was closed with (its
// final statement), also when nothing was booked for it. The deal pays b
// half of a's sales; February has only a refund of -100.00: its obligation
// is floored at 0.00 (nothing consumed before), nothing is booked, and
// February is closed with base -100.00.
func TestAdjustmentBaseDeltaAgainstFinalStatement(t *testing.T) {
	for _, c := range []struct {
		name, late, want string
	}{
		// Late events: January +100.00, February +300.00. January: base
		// 100.00, obligation 50.00. February: base -100.00 + 300.00 =
		// 200.00, gross 100.00, obligation 100.00 (no cap): base delta
		// 200.00 - (-100.00) = 300.00 (it said 200.00, measured from 0).
		{"base changed", "2,2026-01-10,a,x,p,100.00,USD\n3,2026-02-11,a,x,p,300.00,USD\n",
			"r 2026-01 base 100.00 obligation 50.00: its base changed by 100.00 (events imported after it was booked: late events or corrections)\n" +
				"r 2026-02 base 300.00 obligation 100.00: its base changed by 300.00 (events imported after it was booked: late events or corrections)"},
		// Late event: January +100.00 only. February's base stays -100.00
		// but its floor moves: -(50.00 consumed by January) = -50.00, so
		// its obligation goes 0.00 -> -50.00 with a base delta of 0.00 (it
		// said -100.00, "events imported after it was booked").
		{"floor changed", "2,2026-01-10,a,x,p,100.00,USD\n",
			"r 2026-01 base 100.00 obligation 50.00: its base changed by 100.00 (events imported after it was booked: late events or corrections)\n" +
				"r 2026-02 base 0.00 obligation -50.00: recomputed with the same base and contract version: exchange rates imported after it was booked, or caps consumed by earlier periods changed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, db := writeCase(t, map[string]string{
				"c.yaml": strings.Replace(fmt.Sprintf(correctionDeal, "b", ""), "[a, b, c]", "[a, b]", 1),
				"e1.csv": usageHeader + "1,2026-02-10,a,x,p,-100.00,USD\n",
				"e2.csv": usageHeader + c.late,
			})
			cli(t, db, "contract", "add", filepath.Join(dir, "c.yaml"))
			cli(t, db, "import", "usage", filepath.Join(dir, "e1.csv"))
			cli(t, db, "close", "2026-02")
			feb, _ := statementJSONOf(t, db, "am", "2026-02")
			if r := feb.Rules[0]; r.Base != "-100.00" || r.Obligation != "0.00" || len(feb.Pairs) != 1 || feb.Pairs[0].ClosingBalance != "0.00" {
				t.Fatalf("final 2026-02: base %s obligation %s pairs %+v", r.Base, r.Obligation, feb.Pairs)
			}
			cli(t, db, "import", "usage", filepath.Join(dir, "e2.csv"))
			cli(t, db, "run", "--through", "2026-03")
			if got := adjustmentLines(t, db, "am", "2026-03"); got != c.want {
				t.Fatalf("2026-03 adjustments:\n%s\nwant\n%s", got, c.want)
			}
			// Running again books nothing.
			if out := cli(t, db, "run", "--through", "2026-03"); !strings.Contains(out, ": 0 entries booked") {
				t.Fatalf("second run: %s", out)
			}
		})
	}
}

// TestAdjustmentReasonRuleAdded: an amendment adds rule r2 (a pays c 10%)
// from 2026-01-01, after January (sales 100.00) was closed without it. Its
// January adjustment (base 100.00, obligation 10.00) says the rule was
// added, not that events were imported after it was booked.
func TestAdjustmentReasonRuleAdded(t *testing.T) {
	r2 := "  - id: r2\n    payer: a\n    payee: c\n    rate: \"0.1\"\n    from: 2026-01-01\n"
	dir, db := writeCase(t, map[string]string{
		"c1.yaml": fmt.Sprintf(correctionDeal, "b", ""),
		"c2.yaml": fmt.Sprintf(correctionDeal, "b", r2),
		"e.csv":   usageHeader + "1,2026-01-10,a,x,p,100.00,USD\n",
	})
	cli(t, db, "contract", "add", filepath.Join(dir, "c1.yaml"))
	cli(t, db, "import", "usage", filepath.Join(dir, "e.csv"))
	cli(t, db, "close", "2026-01")
	cli(t, db, "contract", "update", filepath.Join(dir, "c2.yaml"))
	cli(t, db, "close", "2026-02")
	want := "r2 2026-01 base 100.00 obligation 10.00: rule r2 was added to the contract (version 2; the period was closed under version 1)"
	if got := adjustmentLines(t, db, "am", "2026-02"); got != want {
		t.Fatalf("2026-02 adjustments:\n%s\nwant\n%s", got, want)
	}
	if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("verify: %s", out)
	}
}

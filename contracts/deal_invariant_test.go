package contracts

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// TestDealInvariants evaluates random contracts with splits, shared caps
// and advances over random bases (refunds included) and checks what must
// always hold: a split's parts sum to its total; a shared cap's lines chain
// (each member starts where the one before left off) and its consumption
// never passes its limit; each advance's recouped-to-date stays within
// [0, amount]; and per period the advances (all recouping from the same
// rules) recoup min(recoupable, unrecouped) or give back max(recoupable,
// −recouped). A failure prints the seed.
func TestDealInvariants(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		rng := rand.New(rand.NewPCG(seed, 17))
		doc := randomDeal(rng)
		c, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, doc)
		}
		first := ledger.Period{Freq: c.Period, Year: 2026, Index: 1}
		periods := 14
		through := first
		for i := 1; i < periods; i++ {
			through = through.Next()
		}
		bases := make([][]decimal.Decimal, len(c.Rules))
		for i := range bases {
			bases[i] = make([]decimal.Decimal, periods)
			for k := range bases[i] {
				bases[i][k] = decimal.New(rng.Int64N(200000)-50000, -2) // -500.00 .. 1500.00
			}
		}
		res, err := EvaluateBases(c, first, through, bases)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if why := dealViolation(c, res); why != "" {
			t.Fatalf("seed %d: %s\n%s", seed, why, doc)
		}
	}
}

func randomDeal(rng *rand.Rand) string {
	var b strings.Builder
	cur := []string{"USD", "JPY", "BHD"}[rng.IntN(3)]
	amt := func(x int) string {
		switch cur {
		case "JPY":
			return fmt.Sprint(x)
		case "BHD":
			return fmt.Sprintf("%d.000", x)
		}
		return fmt.Sprintf("%d.00", x)
	}
	fmt.Fprintf(&b, "id: rnd\ncurrency: %s\nperiod: %s\nrounding: %s\nparties: [p, a, b, c]\nrules:\n", cur,
		[]string{"month", "quarter"}[rng.IntN(2)], []string{"half_up", "half_even"}[rng.IntN(2)])
	nr := 2 + rng.IntN(3)
	var members []string
	for i := 0; i < nr; i++ {
		fmt.Fprintf(&b, "  - id: r%d\n    payer: p\n", i)
		if rng.IntN(2) == 0 {
			s1 := 1 + rng.IntN(98)
			fmt.Fprintf(&b, "    payees: [{party: a, share: \"0.%02d\"}, {party: b, share: \"%s\"}]\n", s1,
				decimal.NewFromInt(1).Sub(decimal.New(int64(s1), -2)).String())
		} else {
			fmt.Fprintf(&b, "    payee: a\n")
		}
		fmt.Fprintf(&b, "    rate: \"0.%03d\"\n    from: 2026-01-01\n", 1+rng.IntN(999))
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&b, "    cap: {per_period: \"%s\"}\n", amt(50+rng.IntN(300)))
		}
		if rng.IntN(4) == 0 {
			fmt.Fprintf(&b, "    minimum: {per_year: \"%s\"}\n", amt(100+rng.IntN(2000)))
		}
		if rng.IntN(3) > 0 {
			members = append(members, fmt.Sprintf("r%d", i))
		}
	}
	if len(members) > 0 {
		fmt.Fprintf(&b, "shared_caps:\n  - id: s\n    rules: [%s]\n", strings.Join(members, ", "))
		switch rng.IntN(3) {
		case 0:
			fmt.Fprintf(&b, "    total: \"%s\"\n", amt(500+rng.IntN(5000)))
		case 1:
			fmt.Fprintf(&b, "    per_year: \"%s\"\n", amt(300+rng.IntN(3000)))
		default:
			fmt.Fprintf(&b, "    per_period: \"%s\"\n    total: \"%s\"\n", amt(100+rng.IntN(500)), amt(1000+rng.IntN(5000)))
		}
	}
	b.WriteString("advances:\n")
	for i := 0; i < 1+rng.IntN(3); i++ {
		fmt.Fprintf(&b, "  - {id: adv%d, payer: p, payee: a, date: 2026-%02d-%02d, amount: \"%s\", recoup_from: [%s]}\n",
			i, 1+rng.IntN(12), 1+rng.IntN(28), amt(50+rng.IntN(2000)), "r0, r1")
	}
	return b.String()
}

func dealViolation(c *Contract, res *Result) string {
	for _, ln := range res.Lines {
		if len(ln.Splits) > 0 {
			sum := decimal.Zero
			for _, sp := range ln.Splits {
				sum = sum.Add(sp.Amount)
			}
			if !sum.Equal(ln.Total) {
				return fmt.Sprintf("%s %s: splits sum to %s, total %s", ln.Period, ln.Rule, sum, ln.Total)
			}
		}
	}
	// Shared cap lines, per period in contract order, chain and stay within
	// the limit.
	for p := res.First; !res.Through.Before(p); p = p.Next() {
		next := map[CapKind]decimal.Decimal{}
		seen := map[CapKind]bool{}
		for _, ln := range res.PeriodLines(p) {
			for _, cl := range ln.Caps {
				if cl.Shared == "" {
					continue
				}
				if seen[cl.Kind] && !cl.ConsumedBefore.Equal(next[cl.Kind]) {
					return fmt.Sprintf("%s %s: shared %s consumed before %s, the rule before left %s", p, ln.Rule, cl.Kind, cl.ConsumedBefore, next[cl.Kind])
				}
				if !cl.Limit.Sub(cl.ConsumedBefore).Sub(cl.Applied).Equal(cl.RemainingAfter) {
					return fmt.Sprintf("%s %s: shared %s remaining %s inconsistent", p, ln.Rule, cl.Kind, cl.RemainingAfter)
				}
				if cl.ConsumedBefore.Add(cl.Applied).GreaterThan(cl.Limit) && cl.Applied.IsPositive() {
					return fmt.Sprintf("%s %s: shared %s consumed %s past its limit %s", p, ln.Rule, cl.Kind, cl.ConsumedBefore.Add(cl.Applied), cl.Limit)
				}
				seen[cl.Kind], next[cl.Kind] = true, cl.ConsumedBefore.Add(cl.Applied)
			}
		}
	}
	// Recoupments: per period, against the recoupable amount of r0 and r1
	// for payee a (every advance recoups from both).
	toDate := map[string]decimal.Decimal{}
	rcs := res.Recoupments(nil)
	i := 0
	for p := res.First; !res.Through.Before(p); p = p.Next() {
		recoupable := decimal.Zero
		for _, ln := range res.PeriodLines(p) {
			if ln.Rule != "r0" && ln.Rule != "r1" {
				continue
			}
			for _, part := range ln.Parts() {
				if part.Payee == "a" {
					recoupable = recoupable.Add(part.Amount)
				}
			}
		}
		got, unrecouped, recouped := decimal.Zero, decimal.Zero, decimal.Zero
		for ; i < len(rcs) && rcs[i].Period == p; i++ {
			rc := rcs[i]
			a := c.Advance(rc.Advance)
			if !rc.RecoupedBefore.Equal(toDate[a.ID]) {
				return fmt.Sprintf("%s %s: recouped before %s, to date %s", p, a.ID, rc.RecoupedBefore, toDate[a.ID])
			}
			unrecouped = unrecouped.Add(a.Amount.Sub(toDate[a.ID]))
			recouped = recouped.Add(toDate[a.ID])
			toDate[a.ID] = toDate[a.ID].Add(rc.Recouped)
			if toDate[a.ID].Sign() < 0 || toDate[a.ID].GreaterThan(a.Amount) {
				return fmt.Sprintf("%s %s: recouped to date %s outside [0, %s]", p, a.ID, toDate[a.ID], a.Amount)
			}
			got = got.Add(rc.Recouped)
		}
		want := decimal.Min(recoupable, unrecouped)
		if recoupable.Sign() < 0 {
			want = decimal.Max(recoupable, recouped.Neg())
		}
		if !got.Equal(want) {
			return fmt.Sprintf("%s: recouped %s in all, want %s (recoupable %s, unrecouped %s, recouped %s)", p, got, want, recoupable, unrecouped, recouped)
		}
	}
	return ""
}

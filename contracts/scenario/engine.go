package scenario

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// evaluate runs the contract obligation engine (contracts.EvaluateBases, the
// same evaluation as real statements) over bases per (rule, period) and
// reports, per rule, each period's obligation (obligation plus minimum
// true-up, what the caps consume) and what each cap did. A period where the
// rule's window does not reach has no engine line and counts zero.
//
// A cap binds in the first period in which the engine says it reduced the
// obligation or the true-up (CapLine.Bound), or in which it is used up
// exactly (nothing remains after a positive amount applied).
func evaluate(c *contracts.Contract, periods []ledger.Period, bases [][]decimal.Decimal) ([]ruleOutcome, evalExtra, error) {
	res, err := contracts.EvaluateBases(c, periods[0], periods[len(periods)-1], bases)
	if err != nil {
		return nil, evalExtra{}, err
	}
	out := make([]ruleOutcome, len(c.Rules))
	var extra evalExtra
	sharedAt := map[sharedLimit]int{} // index in extra.shared
	for _, sc := range c.SharedCaps {
		for _, l := range sc.Caps() {
			sharedAt[sharedLimit{sc.ID, l.Kind}] = len(extra.shared)
			extra.shared = append(extra.shared, sharedOutcome{id: sc.ID, rules: sc.Rules,
				capOutcome: capOutcome{kind: l.Kind, limit: l.Limit, bindsAt: -1, remaining: l.Limit}})
		}
	}
	for i := range c.Rules {
		out[i].obligations = make([]decimal.Decimal, len(periods))
		out[i].parts = make([][]decimal.Decimal, len(c.Rules[i].PayeeParties()))
		for j := range out[i].parts {
			out[i].parts[j] = make([]decimal.Decimal, len(periods))
		}
		for _, cl := range c.Rules[i].Caps() {
			out[i].caps = append(out[i].caps, capOutcome{kind: cl.Kind, limit: cl.Limit, bindsAt: -1, remaining: cl.Limit})
		}
	}
	k, first := 0, periods[0]
	for li := range res.Lines {
		ln := &res.Lines[li]
		for k < len(periods) && periods[k] != ln.Period {
			k++
		}
		if k == len(periods) || ln.RuleIndex >= len(out) {
			return nil, evalExtra{}, fmt.Errorf("scenario: engine line %s %s outside %s..%s", ln.Rule, ln.Period.Label(), first.Label(), periods[len(periods)-1].Label())
		}
		ro := &out[ln.RuleIndex]
		ro.obligations[k] = ln.Total
		for j, part := range ln.Parts() {
			if j < len(ro.parts) {
				ro.parts[j][k] = part.Amount
			}
		}
		// The rule's own caps come first in the line's caps; shared caps
		// follow them.
		if len(ln.Caps) < len(ro.caps) {
			return nil, evalExtra{}, fmt.Errorf("scenario: engine line %s %s has %d caps, the rule %d", ln.Rule, ln.Period.Label(), len(ln.Caps), len(ro.caps))
		}
		for j := range ro.caps {
			cl, co := &ln.Caps[j], &ro.caps[j]
			if co.bindsAt < 0 && binds(cl) {
				co.bindsAt = k
			}
			co.remaining = cl.RemainingAfter
		}
		for j := len(ro.caps); j < len(ln.Caps); j++ {
			cl := &ln.Caps[j]
			i, ok := sharedAt[sharedLimit{cl.Shared, cl.Kind}]
			if !ok {
				continue
			}
			so := &extra.shared[i]
			if so.bindsAt < 0 && binds(cl) {
				so.bindsAt = k
			}
			so.remaining = cl.RemainingAfter // the last member line leaves what remains
		}
	}
	extra.recoup = res.Recoupments(nil)
	return out, extra, nil
}

// evalExtra is what an evaluation gives beyond the rules: each shared cap
// limit's outcome (in the order of shared_caps, then per_period, per_year,
// total) and the advances' recoupments.
type evalExtra struct {
	shared []sharedOutcome
	recoup []contracts.Recoupment
}

// sharedOutcome is what one limit of a shared cap did.
type sharedOutcome struct {
	id    string
	rules []string
	capOutcome
}

// binds reports whether a cap binds in its line's period: the engine says
// it reduced the obligation or the true-up, or a positive amount used it up
// exactly.
func binds(cl *contracts.CapLine) bool {
	return cl.Bound || (cl.RemainingAfter.IsZero() && cl.Applied.IsPositive())
}

// runSummary is evaluate for a Monte Carlo run: only the first binding
// period of each cap (in CapResult order: Rule.Caps rule by rule, then each
// shared cap's limits), the total of all obligations and the total per
// payer → payee pair, read straight off the engine's lines.
func runSummary(vp *variantPlan, periods []ledger.Period, bases [][]decimal.Decimal, sc *scratch) (runOutcome, error) {
	c := vp.contract
	res, err := contracts.EvaluateBases(c, periods[0], periods[len(periods)-1], bases)
	if err != nil {
		return runOutcome{}, err
	}
	if sc.capIndex == nil {
		sc.capIndex, sc.sharedAt = capIndexes(c)
	}
	ro := runOutcome{bindsAt: make([]int, sc.capIndex[len(c.Rules)]+len(sc.sharedAt))}
	for i := range ro.bindsAt {
		ro.bindsAt[i] = -1
	}
	var total contracts.Sum
	if len(sc.pairSums) != len(vp.pairs) {
		sc.pairSums = make([]contracts.Sum, len(vp.pairs))
	}
	for i := range sc.pairSums {
		sc.pairSums[i] = contracts.Sum{}
	}
	k := 0
	for li := range res.Lines {
		ln := &res.Lines[li]
		for k < len(periods) && periods[k] != ln.Period {
			k++
		}
		total.Add(ln.Total)
		for j, part := range ln.Parts() {
			sc.pairSums[vp.pairOf[ln.RuleIndex][j]].Add(part.Amount)
		}
		base := sc.capIndex[ln.RuleIndex]
		own := sc.capIndex[ln.RuleIndex+1] - base
		for j := range own {
			if ro.bindsAt[base+j] < 0 && binds(&ln.Caps[j]) {
				ro.bindsAt[base+j] = k
			}
		}
		// Shared caps follow the rule's own in the line's caps.
		for j := own; j < len(ln.Caps); j++ {
			cl := &ln.Caps[j]
			i, ok := sc.sharedAt[sharedLimit{cl.Shared, cl.Kind}]
			if ok && ro.bindsAt[i] < 0 && binds(cl) {
				ro.bindsAt[i] = k
			}
		}
	}
	ro.total = total.Value()
	ro.pairs = make([]decimal.Decimal, len(vp.pairs))
	for i := range sc.pairSums {
		ro.pairs[i] = sc.pairSums[i].Value()
	}
	return ro, nil
}

// sharedLimit names one limit of a shared cap.
type sharedLimit struct {
	id   string
	kind contracts.CapKind
}

// capIndexes numbers the caps of c in CapResult order: capIndex[i] is the
// index of rule i's first cap (capIndex[len(c.Rules)] counts the rules'
// caps), and sharedAt the index of each shared cap limit after them.
func capIndexes(c *contracts.Contract) (capIndex []int, sharedAt map[sharedLimit]int) {
	capIndex = make([]int, len(c.Rules)+1)
	for i := range c.Rules {
		capIndex[i+1] = capIndex[i] + len(c.Rules[i].Caps())
	}
	sharedAt = map[sharedLimit]int{}
	for _, sc := range c.SharedCaps {
		for _, l := range sc.Caps() {
			sharedAt[sharedLimit{sc.ID, l.Kind}] = capIndex[len(c.Rules)] + len(sharedAt)
		}
	}
	return capIndex, sharedAt
}

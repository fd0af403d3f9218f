package scenario

import (
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// TEMPORARY scaffolding until the contracts engine lands: rate and total cap only.
func init() {
	evaluate = func(c *contracts.Contract, periods []ledger.Period, bases [][]decimal.Decimal) ([]ruleOutcome, error) {
		out := make([]ruleOutcome, len(c.Rules))
		for r := range c.Rules {
			rule := &c.Rules[r]
			out[r].obligations = make([]decimal.Decimal, len(periods))
			consumed := decimal.Zero
			for _, cl := range rule.Caps() {
				out[r].caps = append(out[r].caps, capOutcome{kind: cl.Kind, limit: cl.Limit, bindsAt: -1})
			}
			for i := range periods {
				g, _ := ledger.RoundMinor(rule.Rate.Mul(bases[r][i]), c.Currency, c.Rounding)
				o := g
				for ci := range out[r].caps {
					co := &out[r].caps[ci]
					rem := co.limit.Sub(consumed)
					if o.GreaterThanOrEqual(rem) && g.IsPositive() {
						o = rem
						if co.bindsAt < 0 {
							co.bindsAt = i
						}
					}
				}
				consumed = consumed.Add(o)
				out[r].obligations[i] = o
			}
			for ci := range out[r].caps {
				out[r].caps[ci].remaining = out[r].caps[ci].limit.Sub(consumed)
			}
		}
		return out, nil
	}
}

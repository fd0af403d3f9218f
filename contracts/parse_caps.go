package contracts

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

// capKeys are the limits of a cap: a rule's cap mapping holds them, and a
// shared cap holds them beside its id and rules.
var capKeys = []string{"total", "per_year", "per_period"}

var sharedCapKeys = append([]string{"id", "rules"}, capKeys...)

// capLimits reads the limits of a cap from m, each an optional amount in
// the contract currency (see amount).
func (p *parser) capLimits(m map[string]*yaml.Node, path, currency string) Cap {
	return Cap{
		Total:     p.amount(m, path, "total", currency),
		PerYear:   p.amount(m, path, "per_year", currency),
		PerPeriod: p.amount(m, path, "per_period", currency),
	}
}

// sharedCaps reads shared_caps: ids unique, rules known, distinct and of one
// payer, at least one limit, limits as a rule's cap.
func (p *parser) sharedCaps(n *yaml.Node, c *Contract, rulesOK bool) []SharedCap {
	if !p.list(n, "shared_caps", "a list of {id, rules, total, per_year, per_period}", 0, MaxRules, "shared caps") {
		return nil
	}
	var out []SharedCap
	for it := range p.identifiedItems(n, "shared_caps", "shared cap", sharedCapKeys) {
		sn, path, m := it.n, it.path, it.m
		sc := SharedCap{ID: it.id}
		sc.Rules = p.ruleRefs(m, sn, path, "rules", c, rulesOK)
		var first *Rule
		for j, id := range sc.Rules {
			r := c.Rule(id)
			if r == nil || r.Payer == "" {
				continue
			}
			if first == nil {
				first = r
			} else if r.Payer != first.Payer {
				p.add(resolve(m["rules"]).Content[j], index(path+".rules", j), "rule %q is paid by %q, rule %q by %q: a shared cap covers rules of one payer",
					r.ID, r.Payer, first.ID, first.Payer)
			}
		}
		sc.Rules = slices.DeleteFunc(sc.Rules, func(id string) bool { return id == "" })
		sc.Cap = p.capLimits(m, path, c.Currency)
		_, t := present(m, "total")
		_, y := present(m, "per_year")
		_, pp := present(m, "per_period")
		if !t && !y && !pp {
			p.add(sn, path, "needs a limit: total, per_year or per_period")
		}
		out = append(out, sc)
	}
	return out
}

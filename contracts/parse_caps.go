package contracts

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

var sharedCapKeys = []string{"id", "rules", "total", "per_year", "per_period"}

// sharedCaps reads shared_caps: ids unique, rules known, distinct and of one
// payer, at least one limit, limits as a rule's cap.
func (p *parser) sharedCaps(n *yaml.Node, c *Contract, rulesOK bool) []SharedCap {
	if n.Kind != yaml.SequenceNode {
		p.add(n, "shared_caps", "must be a list of {id, rules, total, per_year, per_period}")
		return nil
	}
	if len(n.Content) > MaxRules {
		p.add(n, "shared_caps", "has %d shared caps, at most %d allowed", len(n.Content), MaxRules)
		return nil
	}
	var out []SharedCap
	seen := map[string]int{}
	for i, sn := range n.Content {
		sn = resolve(sn)
		path := index("shared_caps", i)
		m := p.mapping(sn, path, sharedCapKeys)
		if m == nil {
			continue
		}
		var sc SharedCap
		sc.ID = p.listItemID(m, sn, path, "shared cap", "shared_caps", i, seen)
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
		sc.Cap.Total = p.amount(m, path, "total", c.Currency)
		sc.Cap.PerYear = p.amount(m, path, "per_year", c.Currency)
		sc.Cap.PerPeriod = p.amount(m, path, "per_period", c.Currency)
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

package contracts

import (
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

// payees reads a split: a non-empty list of {party, share}, parties known,
// distinct and not the payer, shares above zero and summing to exactly 1.
func (p *parser) payees(n *yaml.Node, path, payer string, c *Contract, partiesOK bool) []Split {
	if !p.list(n, path, "a non-empty list of {party, share}", 1, MaxListValues, "payees") {
		return nil
	}
	var out []Split
	sum := decimal.Zero
	sharesOK := true
	seen := map[string]int{}
	for i, sn := range n.Content {
		sn = resolve(sn)
		sp := index(path, i)
		sm := p.mapping(sn, sp, []string{"party", "share"})
		if sm == nil {
			sharesOK = false
			continue
		}
		var s Split
		if party, ok := p.requiredStr(sm, sn, sp, "party"); ok {
			s.Party = party
			switch j, dup := seen[party]; {
			case partiesOK && !slices.Contains(c.Parties, party):
				p.add(sm["party"], sp+".party", "%q is not one of the parties (%s)", party, strings.Join(c.Parties, ", "))
			case party == payer:
				p.add(sm["party"], sp+".party", "%q is also the payer: a rule needs two different parties", party)
			case dup:
				p.add(sm["party"], sp+".party", "duplicate payee %q (also %s)", party, index(path, j))
			default:
				seen[party] = i
			}
		}
		if shn, ok := present(sm, "share"); !ok {
			p.add(sn, sp+".share", "required")
			sharesOK = false
		} else if d, ok := p.dec(shn, sp+".share"); !ok {
			sharesOK = false
		} else if d.Sign() <= 0 || d.GreaterThan(decimal.NewFromInt(1)) {
			p.add(shn, sp+".share", "%s is outside (0, 1]: a share must be above 0 and at most 1", strings.TrimSpace(shn.Value))
			sharesOK = false
		} else {
			s.Share = d
			sum = sum.Add(d)
		}
		out = append(out, s)
	}
	if sharesOK && !sum.Equal(decimal.NewFromInt(1)) {
		p.add(n, path, "shares sum to %s, not exactly 1", sum.String())
	}
	return out
}

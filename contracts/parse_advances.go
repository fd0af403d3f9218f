package contracts

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

var advanceKeys = []string{"id", "payer", "payee", "date", "amount", "recoup_from"}

// advances reads advances: ids unique, two different known parties, a date,
// a positive amount in minor units, and recoup_from rules that run from the
// advance's payer to its payee (for a split rule: the payee is one of its
// payees).
func (p *parser) advances(n *yaml.Node, c *Contract, partiesOK, rulesOK bool) []Advance {
	if !p.list(n, "advances", "a list of {id, payer, payee, date, amount, recoup_from}", 0, MaxListValues, "advances") {
		return nil
	}
	var out []Advance
	for it := range p.identifiedItems(n, "advances", "advance", advanceKeys) {
		an, path, m := it.n, it.path, it.m
		a := Advance{ID: it.id}
		a.Payer = p.party(m, an, path, "payer", c, partiesOK)
		a.Payee = p.party(m, an, path, "payee", c, partiesOK)
		if a.Payer != "" && a.Payer == a.Payee {
			p.add(m["payee"], path+".payee", "%q is also the payer: an advance needs two different parties", a.Payee)
		}
		if dn, ok := present(m, "date"); !ok {
			p.add(an, path+".date", "required")
		} else {
			a.Date, _ = p.date(dn, path+".date")
		}
		if _, ok := present(m, "amount"); !ok {
			p.add(an, path+".amount", "required")
		} else if d := p.amount(m, path, "amount", c.Currency); d != nil {
			if d.Sign() == 0 {
				p.add(m["amount"], path+".amount", "must be above zero")
			}
			a.Amount = *d
		}
		refs := p.ruleRefs(m, an, path, "recoup_from", c, rulesOK)
		for j, id := range refs {
			r := c.Rule(id)
			if r == nil || a.Payer == "" || a.Payee == "" {
				continue
			}
			if r.Payer != a.Payer || !r.Pays(a.Payee) {
				p.add(resolve(m["recoup_from"]).Content[j], index(path+".recoup_from", j),
					"rule %q runs from %q to %q, not from the advance's payer %q to its payee %q",
					r.ID, r.Payer, strings.Join(r.PayeeParties(), ", "), a.Payer, a.Payee)
			}
		}
		for _, id := range refs {
			if id != "" {
				a.RecoupFrom = append(a.RecoupFrom, id)
			}
		}
		out = append(out, a)
	}
	return out
}

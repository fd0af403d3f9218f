package contracts

import (
	"strings"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/revshare/revshare/ledger"
)

var ruleKeys = []string{"id", "payer", "payee", "payees", "match", "rate", "tiers", "tier_window", "from", "through", "until", "cap", "minimum", "fx_rule"}

func (p *parser) rule(n *yaml.Node, path string, c *Contract, partiesOK bool) *Rule {
	m := p.mapping(n, path, ruleKeys)
	if m == nil {
		return nil
	}
	r := &Rule{TierWindow: TierYear, FXRule: FXEventDate}
	if s, ok := p.requiredStr(m, n, path, "id"); ok {
		if validID(s) {
			r.ID = s
		} else {
			p.add(m["id"], path+".id", "%q is not a valid id: %s", s, idRule)
		}
	}
	pn, hasPayees := present(m, "payees")
	if _, hasPayee := present(m, "payee"); hasPayees && hasPayee {
		p.add(pn, path+".payees", "payee and payees are mutually exclusive: give one")
	}
	r.Payer = p.party(m, n, path, "payer", c, partiesOK)
	if !hasPayees {
		r.Payee = p.party(m, n, path, "payee", c, partiesOK)
	}
	if r.Payer != "" && r.Payer == r.Payee {
		p.add(m["payee"], path+".payee", "%q is also the payer: a rule needs two different parties", r.Payee)
	}
	if hasPayees {
		r.Payees = p.payees(pn, path+".payees", r.Payer, c, partiesOK)
	}
	if mn, ok := present(m, "match"); ok {
		p.match(mn, path+".match", &r.Match)
	}
	p.rates(m, n, path, r)
	p.window(m, n, path, r)
	if cn, ok := present(m, "cap"); ok {
		cm := p.mapping(cn, path+".cap", capKeys)
		r.Cap = p.capLimits(cm, path+".cap", c.Currency)
	}
	if mn, ok := present(m, "minimum"); ok {
		mm := p.mapping(mn, path+".minimum", []string{"per_year"})
		r.Minimum.PerYear = p.amount(mm, path+".minimum", "per_year", c.Currency)
	}
	if fn, ok := present(m, "fx_rule"); ok {
		if s, ok := p.str(fn, path+".fx_rule"); ok {
			switch f := FXRule(s); f {
			case FXEventDate, FXPeriodEnd:
				r.FXRule = f
			default:
				p.add(fn, path+".fx_rule", "%q must be event_date or period_end", s)
			}
		}
	}
	return r
}

func (p *parser) match(n *yaml.Node, path string, dst *Match) {
	m := p.mapping(n, path, []string{"seller", "channel", "customer", "product", "region"})
	for _, f := range []struct {
		key string
		dst *[]string
	}{{"seller", &dst.Seller}, {"channel", &dst.Channel}, {"customer", &dst.Customer}, {"product", &dst.Product}, {"region", &dst.Region}} {
		if v, ok := present(m, f.key); ok {
			*f.dst = p.strList(v, path+"."+f.key)
		}
	}
}

// rateIn01 reads a rate and checks it lies in [0, 1]. A rate written as a
// percentage ("20%", or 20) is told the fraction it likely means.
func (p *parser) rateIn01(n *yaml.Node, path string) (decimal.Decimal, bool) {
	text := strings.TrimSpace(n.Value)
	if pct, ok := strings.CutSuffix(text, "%"); ok && n.Kind == yaml.ScalarNode {
		if d, err := ledger.ParseDecimal(strings.TrimSpace(pct)); err == nil {
			p.add(n, path, "%q: a rate is a fraction, not a percentage: write %s", text, d.Shift(-2).String())
			return decimal.Decimal{}, false
		}
	}
	d, ok := p.dec(n, path)
	if !ok {
		return d, false
	}
	switch {
	case d.GreaterThan(decimal.NewFromInt(1)) && !d.GreaterThan(decimal.NewFromInt(100)):
		p.add(n, path, "%s is outside [0, 1] (a rate is a fraction: if %s%% is meant, write %s)", text, text, d.Shift(-2).String())
		return d, false
	case d.Sign() < 0 || d.GreaterThan(decimal.NewFromInt(1)):
		p.add(n, path, "%s is outside [0, 1]", text)
		return d, false
	}
	return d, true
}

func (p *parser) rates(m map[string]*yaml.Node, n *yaml.Node, path string, r *Rule) {
	rn, hasRate := present(m, "rate")
	tn, hasTiers := present(m, "tiers")
	switch {
	case hasRate && hasTiers:
		p.add(tn, path+".tiers", "rate and tiers are mutually exclusive: give one")
	case !hasRate && !hasTiers:
		p.add(n, path+".rate", "required (or tiers)")
	case hasRate:
		if d, ok := p.rateIn01(rn, path+".rate"); ok {
			r.Rate = &d
		}
	default:
		r.Tiers = p.tiers(tn, path+".tiers")
	}
	if wn, ok := present(m, "tier_window"); ok {
		s, ok := p.str(wn, path+".tier_window")
		switch w := TierWindow(s); {
		case !ok:
		case w != TierLifetime && w != TierYear && w != TierPeriod:
			p.add(wn, path+".tier_window", "%q must be lifetime, year or period", s)
		case !hasTiers:
			p.add(wn, path+".tier_window", "applies only to a rule with tiers")
		default:
			r.TierWindow = w
		}
	}
}

func (p *parser) tiers(n *yaml.Node, path string) []Tier {
	if !p.list(n, path, "a non-empty list of {up_to, rate}", 1, MaxTiers, "tiers") {
		return nil
	}
	var out []Tier
	var prev *decimal.Decimal
	for i, tn := range n.Content {
		tn = resolve(tn)
		tp := index(path, i)
		tm := p.mapping(tn, tp, []string{"up_to", "rate"})
		if tm == nil {
			continue
		}
		var t Tier
		if rn, ok := present(tm, "rate"); !ok {
			p.add(tn, tp+".rate", "required")
		} else {
			t.Rate, _ = p.rateIn01(rn, tp+".rate")
		}
		un, ok := present(tm, "up_to")
		last := i == len(n.Content)-1
		switch {
		case !ok && !last:
			p.add(tn, tp+".up_to", "required: only the last tier may omit up_to")
		case ok:
			d, ok := p.dec(un, tp+".up_to")
			if !ok {
				break
			}
			v := strings.TrimSpace(un.Value)
			switch {
			case d.Sign() <= 0:
				p.add(un, tp+".up_to", "%s must be positive", v)
			case prev != nil && !d.GreaterThan(*prev):
				p.add(un, tp+".up_to", "%s must be above the previous tier's up_to %s: tiers overlap or are out of order", v, prev.String())
			}
			t.UpTo, prev = &d, &d
		}
		out = append(out, t)
	}
	return out
}

func (p *parser) window(m map[string]*yaml.Node, n *yaml.Node, path string, r *Rule) {
	var fromOK bool
	if fn, ok := present(m, "from"); ok {
		r.From, fromOK = p.date(fn, path+".from")
	}
	tn, hasThrough := present(m, "through")
	un, hasUntil := present(m, "until")
	if hasThrough && hasUntil {
		p.add(un, path+".until", "through and until are mutually exclusive: give one")
		return
	}
	if hasThrough {
		if d, ok := p.date(tn, path+".through"); ok {
			r.Through, r.Until = d, d.AddDays(1)
			if fromOK && d.Before(r.From) {
				p.add(tn, path+".through", "%s is before from %s", d, r.From)
			}
		}
	}
	if hasUntil {
		if d, ok := p.date(un, path+".until"); ok {
			r.Until = d
			if fromOK && !r.From.Before(d) {
				p.add(un, path+".until", "%s must be after from %s (until is exclusive)", d, r.From)
			}
		}
	}
}

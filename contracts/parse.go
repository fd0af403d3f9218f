package contracts

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

// Limits on what a contract document may hold.
const (
	MaxDocumentBytes = 1 << 20 // 1 MiB
	MaxRules         = 1000
	MaxTiers         = 100
	MaxListValues    = 1000 // parties, amendments, values of one match field
	MaxIDLength      = 64
)

// Parse parses and validates a contract document, YAML or JSON (JSON is
// read as YAML). Decimals may be written as strings or numbers; they are
// read exactly from the document's text, never through a float. Every
// problem found comes back at once in a *ValidationError (EINVALID).
func Parse(data []byte) (*Contract, error) {
	if len(data) > MaxDocumentBytes {
		return nil, &ValidationError{Problems: []Problem{{Reason: fmt.Sprintf("document is %d bytes, at most %d allowed", len(data), MaxDocumentBytes)}}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, &ValidationError{Problems: []Problem{{Reason: strings.TrimPrefix(err.Error(), "yaml: ")}}}
	}
	// A second document (after ---) would be ignored: refuse it.
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, &ValidationError{Problems: []Problem{{Line: extra.Line, Reason: "more than one YAML document in the file (a second one starts after ---)"}}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &ValidationError{Problems: []Problem{{Reason: "empty document: want a contract mapping"}}}
	}
	p := &parser{}
	c := p.contract(doc.Content[0])
	if len(p.problems) > 0 {
		sort.SliceStable(p.problems, func(i, j int) bool {
			a, b := p.problems[i], p.problems[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Column < b.Column
		})
		return nil, &ValidationError{Problems: p.problems}
	}
	return c, nil
}

type parser struct {
	problems []Problem
}

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	pr := Problem{Path: path, Reason: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, pr)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// mapping returns the keys of a mapping node, reporting unknown and
// duplicate keys. A nil result means n was not a mapping (reported).
func (p *parser) mapping(n *yaml.Node, path string, allowed []string) map[string]*yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "must be a mapping")
		return nil
	}
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		key := k.Value
		switch {
		case !slices.Contains(allowed, key):
			p.add(k, join(path, key), "unknown key (want one of %s)", strings.Join(allowed, ", "))
		case m[key] != nil:
			p.add(k, join(path, key), "duplicate key")
		default:
			m[key] = v
		}
	}
	return m
}

// present returns the value of key if it is given and not null.
func present(m map[string]*yaml.Node, key string) (*yaml.Node, bool) {
	n := m[key]
	if isNull(n) {
		return nil, false
	}
	return n, true
}

func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.add(n, path, "must be a single value")
		return "", false
	}
	return n.Value, true
}

func (p *parser) requiredStr(m map[string]*yaml.Node, parent *yaml.Node, path, key string) (string, bool) {
	n, ok := present(m, key)
	if !ok {
		p.add(parent, join(path, key), "required")
		return "", false
	}
	s, ok := p.str(n, join(path, key))
	if ok && strings.TrimSpace(s) == "" {
		p.add(n, join(path, key), "must not be empty")
		return "", false
	}
	return s, ok
}

// dec reads a decimal from a string or number scalar, exactly.
func (p *parser) dec(n *yaml.Node, path string) (decimal.Decimal, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float") {
		p.add(n, path, "must be a decimal number")
		return decimal.Decimal{}, false
	}
	// The one decimal grammar of every input (ledger.ParseDecimal): no
	// exponent (2e6), no bare '.' (.1), no '+'.
	d, err := ledger.ParseDecimal(strings.TrimSpace(n.Value))
	if err != nil {
		p.add(n, path, "%s", ledger.ErrorMessage(err))
		return decimal.Decimal{}, false
	}
	return d, true
}

func (p *parser) date(n *yaml.Node, path string) (ledger.Date, bool) {
	if n.Kind != yaml.ScalarNode {
		p.add(n, path, "must be a date YYYY-MM-DD")
		return ledger.Date{}, false
	}
	d, err := ledger.ParseDate(n.Value)
	if err != nil {
		p.add(n, path, "%q is not a valid date YYYY-MM-DD", n.Value)
		return ledger.Date{}, false
	}
	return d, true
}

// strList reads a value or a list of values.
func (p *parser) strList(n *yaml.Node, path string) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			p.add(n, path, "must not be empty")
			return nil
		}
		return []string{n.Value}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.add(n, path, "must not be an empty list")
			return nil
		}
		if len(n.Content) > MaxListValues {
			p.add(n, path, "has %d values, at most %d allowed", len(n.Content), MaxListValues)
			return nil
		}
		out := make([]string, 0, len(n.Content))
		for i, v := range n.Content {
			v = resolve(v)
			if isNull(v) || v.Kind != yaml.ScalarNode || v.Value == "" {
				p.add(v, index(path, i), "must be a non-empty single value")
				continue
			}
			out = append(out, v.Value)
		}
		return out
	}
	p.add(n, path, "must be a value or a list of values")
	return nil
}

// validID reports whether s is a URL-safe identifier.
func validID(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '_') {
			return false
		}
	}
	return true
}

const idRule = "use 1-64 characters a-z, A-Z, 0-9, '-' and '_', starting with a letter or digit"

var contractKeys = []string{"id", "name", "currency", "timezone", "period", "rounding", "parties", "rules", "shared_caps", "advances", "amendments"}

func (p *parser) contract(root *yaml.Node) *Contract {
	m := p.mapping(root, "", contractKeys)
	if m == nil {
		return nil
	}
	root = resolve(root)
	c := &Contract{Timezone: "UTC", Period: ledger.Month, Rounding: ledger.HalfUp, loc: time.UTC}
	if s, ok := p.requiredStr(m, root, "", "id"); ok {
		if validID(s) {
			c.ID = s
		} else {
			p.add(m["id"], "id", "%q is not a valid id: %s", s, idRule)
		}
	}
	if n, ok := present(m, "name"); ok {
		c.Name, _ = p.str(n, "name")
	}
	if s, ok := p.requiredStr(m, root, "", "currency"); ok {
		if ledger.IsCurrency(s) {
			c.Currency = s
		} else {
			p.add(m["currency"], "currency", "%q is not an ISO 4217 currency code", s)
		}
	}
	if n, ok := present(m, "timezone"); ok {
		if s, ok := p.str(n, "timezone"); ok {
			loc, err := time.LoadLocation(s)
			if err != nil || s == "" || s == "Local" {
				p.add(n, "timezone", "%q is not a known IANA time zone", s)
			} else {
				c.Timezone, c.loc = s, loc
			}
		}
	}
	if n, ok := present(m, "period"); ok {
		if s, ok := p.str(n, "period"); ok {
			switch f := ledger.Frequency(s); f {
			case ledger.Month, ledger.Quarter, ledger.Year:
				c.Period = f
			default:
				p.add(n, "period", "%q must be month, quarter or year", s)
			}
		}
	}
	if n, ok := present(m, "rounding"); ok {
		if s, ok := p.str(n, "rounding"); ok {
			switch r := ledger.Rounding(s); r {
			case ledger.HalfUp, ledger.HalfEven:
				c.Rounding = r
			default:
				p.add(n, "rounding", "%q must be half_up or half_even", s)
			}
		}
	}
	partiesOK := false
	if n, ok := present(m, "parties"); !ok {
		p.add(root, "parties", "required")
	} else if n.Kind != yaml.SequenceNode {
		p.add(n, "parties", "must be a list of party names")
	} else {
		c.Parties = p.parties(n)
		partiesOK = len(c.Parties) > 0
	}
	if n, ok := present(m, "rules"); !ok {
		p.add(root, "rules", "required")
	} else if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, "rules", "must be a non-empty list of rules")
	} else if len(n.Content) > MaxRules {
		p.add(n, "rules", "has %d rules, at most %d allowed", len(n.Content), MaxRules)
	} else {
		seen := map[string]int{}
		for i, rn := range n.Content {
			path := index("rules", i)
			r := p.rule(resolve(rn), path, c, partiesOK)
			if r == nil {
				continue
			}
			if r.ID != "" {
				if j, dup := seen[r.ID]; dup {
					p.add(resolve(rn), path+".id", "duplicate rule id %q (also rules[%d])", r.ID, j)
				} else {
					seen[r.ID] = i
				}
			}
			c.Rules = append(c.Rules, *r)
		}
	}
	rulesOK := len(c.Rules) > 0
	if n, ok := present(m, "shared_caps"); ok {
		c.SharedCaps = p.sharedCaps(n, c, rulesOK)
	}
	if n, ok := present(m, "advances"); ok {
		c.Advances = p.advances(n, c, partiesOK, rulesOK)
	}
	if n, ok := present(m, "amendments"); ok {
		if n.Kind != yaml.SequenceNode {
			p.add(n, "amendments", "must be a list")
		} else if len(n.Content) > MaxListValues {
			p.add(n, "amendments", "has %d amendments, at most %d allowed", len(n.Content), MaxListValues)
		} else {
			for i, an := range n.Content {
				if a, ok := p.amendment(resolve(an), index("amendments", i)); ok {
					c.Amendments = append(c.Amendments, a)
				}
			}
		}
	}
	return c
}

// parties returns the distinct party names given, reporting bad ones.
func (p *parser) parties(n *yaml.Node) []string {
	if len(n.Content) == 0 {
		p.add(n, "parties", "must name at least one party")
		return nil
	}
	if len(n.Content) > MaxListValues {
		p.add(n, "parties", "has %d parties, at most %d allowed", len(n.Content), MaxListValues)
		return nil
	}
	var out []string
	segments := map[string]string{} // account segment -> the party it names
	for i, v := range n.Content {
		v = resolve(v)
		path := index("parties", i)
		if isNull(v) || v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			p.add(v, path, "must be a non-empty party name")
			continue
		}
		if slices.Contains(out, v.Value) {
			p.add(v, path, "duplicate party %q", v.Value)
			continue
		}
		// Accounts name parties by their segment: two parties with one
		// segment would share accounts, and their statements would disagree
		// with the ledger.
		seg := ledger.AccountSegment(v.Value)
		if other, ok := segments[seg]; ok {
			p.add(v, path, "party %q and party %q would share the account name segment %q (lowercased, characters other than a-z, 0-9, '-', '_' and '.' become '_'): rename one", other, v.Value, seg)
			continue
		}
		segments[seg] = v.Value
		out = append(out, v.Value)
	}
	return out
}

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
	sides := []struct {
		key string
		dst *string
	}{{"payer", &r.Payer}, {"payee", &r.Payee}}
	pn, hasPayees := present(m, "payees")
	if _, hasPayee := present(m, "payee"); hasPayees && hasPayee {
		p.add(pn, path+".payees", "payee and payees are mutually exclusive: give one")
	}
	if hasPayees {
		sides = sides[:1]
	}
	for _, side := range sides {
		s, ok := p.requiredStr(m, n, path, side.key)
		if !ok {
			continue
		}
		*side.dst = s
		if partiesOK && !slices.Contains(c.Parties, s) {
			p.add(m[side.key], path+"."+side.key, "%q is not one of the parties (%s)", s, strings.Join(c.Parties, ", "))
		}
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
		cm := p.mapping(cn, path+".cap", []string{"total", "per_year", "per_period"})
		r.Cap.Total = p.amount(cm, path+".cap", "total", c.Currency)
		r.Cap.PerYear = p.amount(cm, path+".cap", "per_year", c.Currency)
		r.Cap.PerPeriod = p.amount(cm, path+".cap", "per_period", c.Currency)
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

// rateIn01 reads a rate and checks it lies in [0, 1].
func (p *parser) rateIn01(n *yaml.Node, path string) (decimal.Decimal, bool) {
	d, ok := p.dec(n, path)
	if !ok {
		return d, false
	}
	if d.Sign() < 0 || d.GreaterThan(decimal.NewFromInt(1)) {
		p.add(n, path, "%s is outside [0, 1]", strings.TrimSpace(n.Value))
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
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, path, "must be a non-empty list of {up_to, rate}")
		return nil
	}
	if len(n.Content) > MaxTiers {
		p.add(n, path, "has %d tiers, at most %d allowed", len(n.Content), MaxTiers)
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

// amount reads an optional non-negative money amount in the contract
// currency's minor units.
func (p *parser) amount(m map[string]*yaml.Node, path, key, currency string) *decimal.Decimal {
	n, ok := present(m, key)
	if !ok {
		return nil
	}
	path = path + "." + key
	d, ok := p.dec(n, path)
	if !ok {
		return nil
	}
	v := strings.TrimSpace(n.Value)
	if d.Sign() < 0 {
		p.add(n, path, "%s is negative", v)
		return nil
	}
	if places, err := ledger.MinorUnits(currency); err == nil && !d.Equal(d.Truncate(places)) {
		p.add(n, path, "%s has more decimals than %s allows (%s)", v, currency, strconv.Itoa(int(places)))
		return nil
	}
	return &d
}

func (p *parser) amendment(n *yaml.Node, path string) (Amendment, bool) {
	m := p.mapping(n, path, []string{"date", "note"})
	if m == nil {
		return Amendment{}, false
	}
	var a Amendment
	ok := true
	if dn, has := present(m, "date"); !has {
		p.add(n, path+".date", "required")
		ok = false
	} else if a.Date, has = p.date(dn, path+".date"); !has {
		ok = false
	}
	if s, has := p.requiredStr(m, n, path, "note"); has {
		a.Note = s
	} else {
		ok = false
	}
	return a, ok
}

// payees reads a split: a non-empty list of {party, share}, parties known,
// distinct and not the payer, shares above zero and summing to exactly 1.
func (p *parser) payees(n *yaml.Node, path, payer string, c *Contract, partiesOK bool) []Split {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, path, "must be a non-empty list of {party, share}")
		return nil
	}
	if len(n.Content) > MaxListValues {
		p.add(n, path, "has %d payees, at most %d allowed", len(n.Content), MaxListValues)
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

// listItemID reads the required id of item i of list (a shared cap or an
// advance): a valid id, unique in the list (seen maps ids to their index).
// It returns "" after adding the problem when there is one.
func (p *parser) listItemID(m map[string]*yaml.Node, n *yaml.Node, path, what, list string, i int, seen map[string]int) string {
	s, ok := p.requiredStr(m, n, path, "id")
	if !ok {
		return ""
	}
	switch j, dup := seen[s]; {
	case !validID(s):
		p.add(m["id"], path+".id", "%q is not a valid id: %s", s, idRule)
	case dup:
		p.add(m["id"], path+".id", "duplicate %s id %q (also %s[%d])", what, s, list, j)
	default:
		seen[s] = i
		return s
	}
	return ""
}

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

// ruleRefs reads a required, non-empty list of distinct rule ids of c,
// reporting unknown ids (when the rules themselves parsed). A bad or
// repeated entry comes back as "" so that positions match the document.
func (p *parser) ruleRefs(m map[string]*yaml.Node, parent *yaml.Node, path, key string, c *Contract, rulesOK bool) []string {
	n, ok := present(m, key)
	path = path + "." + key
	if !ok {
		p.add(parent, path, "required")
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, path, "must be a non-empty list of rule ids")
		return nil
	}
	var out []string
	for j, v := range n.Content {
		v = resolve(v)
		vp := index(path, j)
		if isNull(v) || v.Kind != yaml.ScalarNode || v.Value == "" {
			p.add(v, vp, "must be a rule id")
			out = append(out, "")
			continue
		}
		switch {
		case slices.Contains(out, v.Value):
			p.add(v, vp, "rule %q is listed twice", v.Value)
			out = append(out, "")
			continue
		case rulesOK && c.Rule(v.Value) == nil:
			p.add(v, vp, "%q is not a rule of the contract", v.Value)
		}
		out = append(out, v.Value)
	}
	return out // blanks keep the positions for the callers' error paths
}

var advanceKeys = []string{"id", "payer", "payee", "date", "amount", "recoup_from"}

// advances reads advances: ids unique, two different known parties, a date,
// a positive amount in minor units, and recoup_from rules that run from the
// advance's payer to its payee (for a split rule: the payee is one of its
// payees).
func (p *parser) advances(n *yaml.Node, c *Contract, partiesOK, rulesOK bool) []Advance {
	if n.Kind != yaml.SequenceNode {
		p.add(n, "advances", "must be a list of {id, payer, payee, date, amount, recoup_from}")
		return nil
	}
	if len(n.Content) > MaxListValues {
		p.add(n, "advances", "has %d advances, at most %d allowed", len(n.Content), MaxListValues)
		return nil
	}
	var out []Advance
	seen := map[string]int{}
	for i, an := range n.Content {
		an = resolve(an)
		path := index("advances", i)
		m := p.mapping(an, path, advanceKeys)
		if m == nil {
			continue
		}
		var a Advance
		a.ID = p.listItemID(m, an, path, "advance", "advances", i, seen)
		for _, side := range []struct {
			key string
			dst *string
		}{{"payer", &a.Payer}, {"payee", &a.Payee}} {
			s, ok := p.requiredStr(m, an, path, side.key)
			if !ok {
				continue
			}
			*side.dst = s
			if partiesOK && !slices.Contains(c.Parties, s) {
				p.add(m[side.key], path+"."+side.key, "%q is not one of the parties (%s)", s, strings.Join(c.Parties, ", "))
			}
		}
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

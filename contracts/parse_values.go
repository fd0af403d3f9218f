package contracts

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

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
			if ledger.HasControl(key) { // the message goes to a terminal
				key = strconv.Quote(key)
			}
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
	if !p.text(n, path, n.Value) {
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
	if err := ledger.CheckBookYear(d.Year); err != nil && !p.stored {
		// An advance, or a minimum true-up of a rule's year, is booked on
		// such a date; the books hold years 1000 to 9999 only.
		p.add(n, path, "%s: %v", n.Value, err)
		return ledger.Date{}, false
	}
	return d, true
}

// list reports whether n is a list of minItems to maxItems items. When it
// is not, it adds the problem: "must be <want>" (not a list, or too few
// items) or "has N <items>, at most M allowed".
func (p *parser) list(n *yaml.Node, path, want string, minItems, maxItems int, items string) bool {
	if n.Kind != yaml.SequenceNode || len(n.Content) < minItems {
		p.add(n, path, "must be %s", want)
		return false
	}
	if len(n.Content) > maxItems {
		p.add(n, path, "has %d %s, at most %d allowed", len(n.Content), items, maxItems)
		return false
	}
	return true
}

// party reads the required party name at key, reporting a name that is not
// one of the contract's parties (when the parties themselves parsed). It
// returns "" when the name is missing or empty.
func (p *parser) party(m map[string]*yaml.Node, n *yaml.Node, path, key string, c *Contract, partiesOK bool) string {
	s, ok := p.requiredStr(m, n, path, key)
	if ok && partiesOK && !slices.Contains(c.Parties, s) {
		p.add(m[key], path+"."+key, "%q is not one of the parties (%s)", s, strings.Join(c.Parties, ", "))
	}
	return s
}

// strList reads a value or a list of values.
func (p *parser) strList(n *yaml.Node, path string) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			p.add(n, path, "must not be empty")
			return nil
		}
		if !p.text(n, path, n.Value) {
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
			if !p.text(v, index(path, i), v.Value) {
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

// identified is one item of a list of mappings that carry ids (shared caps,
// advances).
type identified struct {
	n    *yaml.Node            // the item
	path string                // its path, such as advances[2]
	m    map[string]*yaml.Node // its keys
	id   string                // "" when missing, invalid or a duplicate (reported)
}

// identifiedItems yields the items of the list n (named list in paths) that
// are mappings of the allowed keys, skipping the others (reported), each
// with its required id: a valid id, unique in the list (what names an item
// in the duplicate's problem).
func (p *parser) identifiedItems(n *yaml.Node, list, what string, allowed []string) iter.Seq[identified] {
	return func(yield func(identified) bool) {
		seen := map[string]int{} // id -> index of the item that has it
		for i, item := range n.Content {
			it := identified{n: resolve(item), path: index(list, i)}
			if it.m = p.mapping(it.n, it.path, allowed); it.m == nil {
				continue
			}
			if s, ok := p.requiredStr(it.m, it.n, it.path, "id"); ok {
				switch j, dup := seen[s]; {
				case !validID(s):
					p.add(it.m["id"], it.path+".id", "%q is not a valid id: %s", s, idRule)
				case dup:
					p.add(it.m["id"], it.path+".id", "duplicate %s id %q (also %s[%d])", what, s, list, j)
				default:
					seen[s] = i
					it.id = s
				}
			}
			if !yield(it) {
				return
			}
		}
	}
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

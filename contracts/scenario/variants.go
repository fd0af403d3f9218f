package scenario

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/revshare/revshare/contracts"
)

// Expanded is one variant to evaluate: its name and every override, the
// variant's own first, then the sweep grid point's.
type Expanded struct {
	Name string
	Set  []Override

	line int // of the variant in the file (or of the sweep), for its problems
}

// Expand returns the variants to evaluate, in order. Without variants the
// scenario has one, named "base". With a sweep, every listed variant is
// crossed with every point of the grid: variants outermost (in file
// order), then the sweep keys, the first key outermost, values in list
// order. A swept variant is named "<variant>, <path>=<value>, ..." (or,
// when the file lists no variants, "<path>=<value>, ...").
func (s *Scenario) Expand() []Expanded {
	base := make([]Expanded, 0, max(len(s.Variants), 1))
	for _, v := range s.Variants {
		base = append(base, Expanded{Name: v.Name, Set: v.Set, line: v.line})
	}
	named := len(base) > 0
	if !named {
		base = append(base, Expanded{Name: "base", line: s.lines["sweep"]})
	}
	if len(s.Sweep) == 0 {
		return base
	}
	var out []Expanded
	for _, b := range base {
		points := [][]Override{nil}
		for _, ax := range s.Sweep {
			var next [][]Override
			for _, pt := range points {
				for j, v := range ax.Values {
					o := Override{Path: ax.Path, Value: v}
					if j < len(ax.lines) {
						o.line = ax.lines[j]
					}
					p := append(append([]Override(nil), pt...), o)
					next = append(next, p)
				}
			}
			points = next
		}
		for _, pt := range points {
			parts := make([]string, 0, len(pt)+1)
			if named {
				parts = append(parts, b.Name)
			}
			for _, o := range pt {
				parts = append(parts, o.Path+"="+o.Value)
			}
			out = append(out, Expanded{
				Name: strings.Join(parts, ", "),
				Set:  append(append([]Override(nil), b.Set...), pt...),
				line: b.line,
			})
		}
	}
	return out
}

// applyContractOverrides returns the contract document with the rule
// overrides of set applied, parsed and validated by contracts.ParseStored:
// the document is the base contract, which Prepare checked as a user's
// (inline) or read as stored (by id), and a scenario writes nothing.
// Setting through removes until and setting until removes through (a rule
// has one end); a null value removes the field. Problems name the variant.
func applyContractOverrides(doc []byte, set []Override, where string) (*contracts.Contract, []Problem) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil || root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		c, err := contracts.ParseStored(doc)
		return c, contractProblems(err, where)
	}
	var probs []Problem
	changed := false
	for _, o := range set {
		pp, _ := parsePath(o.Path, 0)
		if pp.kind != pathRule {
			continue
		}
		if why := setRuleField(root.Content[0], pp.list, pp.rest, o); why != "" {
			probs = append(probs, Problem{Path: where + ".set[" + o.Path + "]", Reason: why, Line: o.line})
			continue
		}
		changed = true
	}
	if len(probs) > 0 {
		return nil, probs
	}
	if changed {
		b, err := yaml.Marshal(&root)
		if err != nil {
			return nil, []Problem{{Path: where, Reason: fmt.Sprintf("cannot re-encode the contract: %v", err)}}
		}
		doc = b
	}
	c, err := contracts.ParseStored(doc)
	return c, contractProblems(err, where)
}

// contractProblems turns a contract validation error into scenario
// problems, each naming the variant and the contract path.
func contractProblems(err error, where string) []Problem {
	if err == nil {
		return nil
	}
	var ve *contracts.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Path: where, Reason: "contract: " + err.Error()}}
	}
	out := make([]Problem, len(ve.Problems))
	for i, p := range ve.Problems {
		if where == "contract" { // the scenario's own contract: a path inside it
			out[i] = Problem{Path: join("contract", p.Path), Reason: p.Reason}
			continue
		}
		out[i] = Problem{Path: where, Reason: "contract: " + p.String()}
	}
	return out
}

// setRuleField applies one override "<id>.<field>[.<field>...]" of an item
// of the contract's list (rules, shared_caps or advances) to the contract
// mapping. It returns the reason when the item does not exist or the path
// runs through something that is not a mapping.
func setRuleField(contract *yaml.Node, list, rest string, o Override) string {
	id, field, _ := strings.Cut(rest, ".")
	rules := mapValue(contract, list)
	var rule *yaml.Node
	if rules != nil && rules.Kind == yaml.SequenceNode {
		for _, r := range rules.Content {
			if idn := mapValue(r, "id"); idn != nil && idn.Value == id {
				rule = r
				break
			}
		}
	}
	if rule == nil || rule.Kind != yaml.MappingNode {
		what := map[string]string{"rules": "rule", "shared_caps": "shared cap", "advances": "advance"}[list]
		return fmt.Sprintf("the contract has no %s %q", what, id)
	}
	keys := strings.Split(field, ".")
	n := rule
	for i, k := range keys[:len(keys)-1] {
		next := mapValue(n, k)
		if next == nil || isNull(next) {
			if o.Delete {
				return "" // removing a field under an absent mapping: nothing to do
			}
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			setMapValue(n, k, next)
		}
		if next.Kind != yaml.MappingNode {
			return fmt.Sprintf("rule %q: %s is not a mapping", id, strings.Join(keys[:i+1], "."))
		}
		n = next
	}
	last := keys[len(keys)-1]
	if len(keys) == 1 && (last == "through" || last == "until") {
		other := map[string]string{"through": "until", "until": "through"}[last]
		deleteMapKey(n, other)
	}
	if o.Delete {
		deleteMapKey(n, last)
		return ""
	}
	setMapValue(n, last, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: o.Value, Style: yaml.DoubleQuotedStyle})
	return ""
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setMapValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func deleteMapKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

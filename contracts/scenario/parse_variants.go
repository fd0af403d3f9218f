package scenario

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

func (p *parser) variants(n *yaml.Node, streams []Stream) []Variant {
	if n.Kind != yaml.SequenceNode {
		p.add("variants", "must be a list")
		return nil
	}
	if len(n.Content) > MaxVariants {
		p.add("variants", "has %d variants, at most %d allowed", len(n.Content), MaxVariants)
		return nil
	}
	seen := map[string]int{}
	out := make([]Variant, len(n.Content))
	for i, vn := range n.Content {
		path := fmt.Sprintf("variants[%d]", i)
		p.at(path, vn)
		f := p.fields(path, vn, "name", "set")
		if vn.Kind != yaml.MappingNode {
			continue
		}
		if v := f["name"]; v != nil {
			if name, ok := p.scalar(join(path, "name"), v); ok {
				if name == "" {
					p.add(join(path, "name"), "must not be empty")
				} else if j, dup := seen[name]; dup {
					p.add(join(path, "name"), "%q is also the name of variants[%d]", name, j)
				}
				seen[name] = i
				out[i].Name = name
			}
			out[i].line = vn.Line
		} else {
			p.add(join(path, "name"), "required")
		}
		if v := f["set"]; v != nil {
			out[i].Set = p.overrides(join(path, "set"), v, streams)
		}
	}
	return out
}

func (p *parser) overrides(path string, n *yaml.Node, streams []Stream) []Override {
	if n.Kind != yaml.MappingNode {
		p.add(path, "must be a mapping of path: value")
		return nil
	}
	var out []Override
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := path + "[" + k.Value + "]"
		p.at(kp, k)
		if seen[k.Value] {
			p.add(kp, "duplicate path")
			continue
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			p.add(kp, "must be a single value (or null to remove the field)")
			continue
		}
		o := Override{Path: k.Value, Value: v.Value, Delete: isNull(v), line: k.Line}
		if why := checkOverride(o, streams); why != "" {
			p.add(kp, "%s", why)
			continue
		}
		out = append(out, o)
	}
	return out
}

func (p *parser) sweep(n *yaml.Node, streams []Stream, nVariants int) []SweepAxis {
	if n.Kind != yaml.MappingNode {
		p.add("sweep", "must be a mapping of path: [values...]")
		return nil
	}
	var out []SweepAxis
	grid := 1
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := "sweep[" + k.Value + "]"
		p.at(kp, k)
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			p.add(kp, "must be a non-empty list of values")
			continue
		}
		for _, a := range out {
			if a.Path == k.Value {
				p.add(kp, "duplicate path")
			}
		}
		ax := SweepAxis{Path: k.Value}
		ok := true
		for j, e := range v.Content {
			ep := fmt.Sprintf("%s[%d]", kp, j)
			p.at(ep, e)
			if e.Kind != yaml.ScalarNode || isNull(e) {
				p.add(ep, "must be a single value")
				ok = false
				continue
			}
			if why := checkOverride(Override{Path: k.Value, Value: e.Value}, streams); why != "" {
				p.add(ep, "%s", why)
				ok = false
				if strings.HasPrefix(why, "unknown path") {
					break
				}
				continue
			}
			ax.Values = append(ax.Values, e.Value)
			ax.lines = append(ax.lines, e.Line)
		}
		if ok {
			grid *= len(ax.Values)
			if grid > MaxVariants {
				grid = MaxVariants + 1
			}
			out = append(out, ax)
		}
	}
	if total := grid * max(nVariants, 1); total > MaxVariants {
		p.add("sweep", "makes more than %d variants", MaxVariants)
	}
	return out
}

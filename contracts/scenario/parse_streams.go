package scenario

import (
	"fmt"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

func (p *parser) streams(n *yaml.Node) []Stream {
	if n.Kind != yaml.SequenceNode {
		p.add("streams", "must be a list")
		return nil
	}
	if len(n.Content) == 0 {
		p.add("streams", "needs at least one stream")
	}
	if len(n.Content) > MaxStreams {
		p.add("streams", "has %d streams, at most %d allowed", len(n.Content), MaxStreams)
		return nil
	}
	out := make([]Stream, len(n.Content))
	for i, sn := range n.Content {
		p.at(fmt.Sprintf("streams[%d]", i), sn)
		out[i] = p.stream(fmt.Sprintf("streams[%d]", i), sn)
	}
	return out
}

func (p *parser) stream(path string, n *yaml.Node) Stream {
	var s Stream
	f := p.fields(path, n, "name", "match", "start", "growth", "forecast")
	if n.Kind != yaml.MappingNode {
		return s
	}
	if v := f["name"]; v != nil {
		p.scalar(join(path, "name"), v)
	}
	if v := f["forecast"]; v != nil {
		for _, k := range []string{"match", "start", "growth"} {
			if f[k] != nil {
				p.add(join(path, k), "not allowed with forecast (the CSV gives match and amount per row)")
			}
		}
		name, ok := p.scalar(join(path, "forecast"), v)
		if !ok {
			return s
		}
		s.Forecast = name
		s.Rows = p.forecast(join(path, "forecast"), name)
		return s
	}
	if v := f["match"]; v != nil {
		s.Match = p.match(join(path, "match"), v)
	} else {
		p.add(join(path, "match"), "required")
	}
	if v := f["start"]; v != nil {
		if d, ok := p.decimal(join(path, "start"), v); ok {
			if d.IsNegative() {
				p.add(join(path, "start"), "%q is negative", v.Value)
			}
			s.Start = d
		}
	} else {
		p.add(join(path, "start"), "required (revenue in the first projected period), or give forecast instead")
	}
	if v := f["growth"]; v != nil {
		s.Growth = p.growth(join(path, "growth"), v)
	} else {
		s.Growth = Growth{Basis: "monthly", Rate: decimal.Zero}
	}
	return s
}

func (p *parser) match(path string, n *yaml.Node) Match {
	m := Match{}
	f := p.fields(path, n, MatchFields...)
	for _, k := range MatchFields {
		v := f[k]
		if v == nil {
			continue
		}
		if v.Kind == yaml.SequenceNode {
			p.add(join(path, k), "a stream fixes one value per field (use one stream per value)")
			continue
		}
		if s, ok := p.scalar(join(path, k), v); ok {
			if s == "" {
				p.add(join(path, k), "must not be empty")
				continue
			}
			m[k] = s
		}
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 0 {
		p.add(path, "must fix at least one field (seller, channel, customer, product, region)")
	}
	return m
}

func (p *parser) growth(path string, n *yaml.Node) Growth {
	f := p.fields(path, n, "monthly", "annual")
	if n.Kind != yaml.MappingNode {
		return Growth{}
	}
	if f["monthly"] != nil && f["annual"] != nil {
		p.add(path, "give monthly or annual, not both")
		return Growth{}
	}
	for _, basis := range []string{"monthly", "annual"} {
		if v := f[basis]; v != nil {
			d, ok := p.decimal(join(path, basis), v)
			if ok && d.LessThanOrEqual(decimal.NewFromInt(-1)) {
				p.add(join(path, basis), "%q must be above -1", v.Value)
			}
			return Growth{Basis: basis, Rate: d}
		}
	}
	p.add(path, "needs monthly or annual")
	return Growth{}
}

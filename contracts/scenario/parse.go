package scenario

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/revshare/revshare/ledger"
)

// ParseOptions says how Parse reaches files a scenario names.
type ParseOptions struct {
	// ReadFile reads a forecast CSV named in the scenario (a relative name is
	// the caller's business, usually relative to the scenario file). Nil
	// refuses forecast files: the REST API, for one, does not read server files.
	ReadFile func(name string) ([]byte, error)
}

// Parse reads a scenario document. Every problem is reported, each with its
// path, in one *ValidationError.
func Parse(data []byte, opts ParseOptions) (*Scenario, error) {
	if len(data) > MaxDocumentBytes {
		return nil, invalid(Problem{Reason: fmt.Sprintf("document is %d bytes, at most %d allowed", len(data), MaxDocumentBytes)})
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, invalid(Problem{Reason: "not a YAML document: " + strings.TrimPrefix(err.Error(), "yaml: ")})
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, invalid(Problem{Reason: "more than one YAML document in the file"})
	}
	p := &parser{opts: opts}
	s := p.scenario(&doc)
	sort.SliceStable(p.list, func(i, j int) bool { return p.lineOf(p.list[i].Path) < p.lineOf(p.list[j].Path) })
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct {
	problems
	opts  ParseOptions
	lines map[string]int // path → line of its node, to list problems in document order
}

// at records where path is in the document.
func (p *parser) at(path string, n *yaml.Node) {
	if p.lines == nil {
		p.lines = map[string]int{}
	}
	if _, ok := p.lines[path]; !ok {
		p.lines[path] = n.Line
	}
}

// lineOf is the line of path, or of its nearest recorded ancestor (a
// missing key is reported where its parent is); 0 when unknown.
func (p *parser) lineOf(path string) int {
	for path != "" {
		if l, ok := p.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// parentPath strips the last segment of a path: ".key", "[3]" or
// "[some.path[1]]" (brackets nest).
func parentPath(path string) string {
	depth := 0
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case ']':
			depth++
		case '[':
			depth--
			if depth == 0 {
				return path[:i]
			}
		case '.':
			if depth == 0 {
				return path[:i]
			}
		}
	}
	return ""
}

// fields walks a mapping node: it refuses keys outside allowed (each named
// by its path) and returns the value node of each known key.
func (p *parser) fields(path string, n *yaml.Node, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		if path == "" {
			p.add("", "the scenario must be a mapping")
		} else {
			p.add(path, "must be a mapping")
		}
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join(path, k.Value)
		p.at(kp, k)
		if !slices.Contains(allowed, k.Value) {
			p.add(kp, "unknown key")
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.add(kp, "duplicate key")
			continue
		}
		out[k.Value] = v
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// scalar returns the text of a scalar node, or reports that it is not one.
func (p *parser) scalar(path string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.add(path, "must be a single value")
		return "", false
	}
	return n.Value, true
}

// parseDecimal parses a plain decimal ("0.04", "-12", "1000000.00"): no
// exponent, at most MaxFracDigits fractional digits. It returns the reason
// when s is not one.
func parseDecimal(s string) (decimal.Decimal, string) {
	d, err := ledger.ParseDecimal(s) // the one decimal grammar of every input
	if err != nil {
		return decimal.Decimal{}, ledger.ErrorMessage(err)
	}
	return d, ""
}

func (p *parser) decimal(path string, n *yaml.Node) (decimal.Decimal, bool) {
	s, ok := p.scalar(path, n)
	if !ok {
		return decimal.Decimal{}, false
	}
	d, why := parseDecimal(s)
	if why != "" {
		p.add(path, "%s", why)
		return decimal.Decimal{}, false
	}
	return d, true
}

func (p *parser) period(path string, n *yaml.Node) (*ledger.Period, bool) {
	s, ok := p.scalar(path, n)
	if !ok {
		return nil, false
	}
	per, err := ledger.ParsePeriod(s)
	if err != nil {
		p.add(path, "%q is not a period (want YYYY-MM, YYYY-Qn or YYYY)", s)
		return nil, false
	}
	return &per, true
}

func (p *parser) scenario(doc *yaml.Node) *Scenario {
	s := &Scenario{}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	f := p.fields("", root, "name", "description", "contract", "actuals_through", "start_period",
		"horizon", "streams", "variants", "sweep", "monte_carlo")
	if root.Kind != yaml.MappingNode {
		return s
	}
	if n := f["name"]; n != nil {
		s.Name, _ = p.scalar("name", n)
	}
	if n := f["description"]; n != nil {
		p.scalar("description", n)
	}
	if n := f["contract"]; n != nil {
		s.Contract = p.contract(n)
	} else {
		p.add("contract", "required (a contract id or an inline contract document)")
	}
	if n := f["actuals_through"]; n != nil {
		s.ActualsThrough, _ = p.period("actuals_through", n)
	}
	if n := f["start_period"]; n != nil {
		s.StartPeriod, _ = p.period("start_period", n)
	}
	if s.ActualsThrough != nil && s.StartPeriod != nil {
		p.add("start_period", "not allowed with actuals_through (the projection starts the period after it)")
	}
	if n := f["horizon"]; n != nil {
		if h, ok := p.period("horizon", n); ok {
			s.Horizon = *h
		}
	} else {
		p.add("horizon", "required (the last projected period, e.g. 2030-12)")
	}
	if n := f["streams"]; n != nil {
		s.Streams = p.streams(n)
	} else {
		p.add("streams", "required (at least one revenue stream)")
	}
	if n := f["variants"]; n != nil {
		s.Variants = p.variants(n, s.Streams)
	}
	if n := f["sweep"]; n != nil {
		s.Sweep = p.sweep(n, s.Streams, len(s.Variants))
	}
	if n := f["monte_carlo"]; n != nil {
		s.MonteCarlo = p.monteCarlo(n, s.Streams)
	}
	return s
}

func (p *parser) contract(n *yaml.Node) ContractRef {
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n) && n.Value != "":
		return ContractRef{ID: n.Value}
	case n.Kind == yaml.MappingNode:
		b, err := yaml.Marshal(n)
		if err != nil {
			p.add("contract", "cannot re-encode the inline contract: %v", err)
			return ContractRef{}
		}
		return ContractRef{Document: b}
	}
	p.add("contract", "must be a contract id or an inline contract document")
	return ContractRef{}
}

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
		o := Override{Path: k.Value, Value: v.Value, Delete: isNull(v)}
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

func (p *parser) monteCarlo(n *yaml.Node, streams []Stream) *MonteCarlo {
	mc := &MonteCarlo{}
	if n.Kind != yaml.MappingNode {
		p.add("monte_carlo", "must be a mapping")
		return nil
	}
	hasRuns, hasSeed, hasDraws := false, false, false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join("monte_carlo", k.Value)
		p.at(kp, k)
		switch k.Value {
		case "runs":
			hasRuns = true
			s, ok := p.scalar(kp, v)
			if !ok {
				continue
			}
			r, err := strconv.Atoi(s)
			if err != nil || r < 1 || r > MaxRuns {
				p.add(kp, "%q must be a whole number from 1 to %d", s, MaxRuns)
				continue
			}
			mc.Runs = r
		case "seed":
			hasSeed = true
			s, ok := p.scalar(kp, v)
			if !ok {
				continue
			}
			seed, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				p.add(kp, "%q must be a whole number from 0 to %d", s, uint64(math.MaxUint64))
				continue
			}
			mc.Seed = seed
		default:
			hasDraws = true
			if d, ok := p.draw(kp, k.Value, v, streams); ok {
				for _, o := range mc.Draws {
					if o.Path == d.Path {
						p.add(kp, "duplicate path")
					}
				}
				mc.Draws = append(mc.Draws, d)
			}
		}
	}
	if !hasRuns {
		p.add("monte_carlo.runs", "required")
	}
	if !hasSeed {
		p.add("monte_carlo.seed", "required (results are reproducible from it)")
	}
	if !hasDraws {
		p.add("monte_carlo", "draws nothing: add a growth path, e.g. growth.monthly: {dist: normal, mean: \"0.04\", sd: \"0.015\"}")
	}
	return mc
}

func (p *parser) draw(path, key string, n *yaml.Node, streams []Stream) (Draw, bool) {
	pp, why := parsePath(key, len(streams))
	if why != "" {
		p.add(path, "%s", why)
		return Draw{}, false
	}
	if pp.kind != pathGrowth {
		p.add(path, "Monte Carlo draws growth only: want growth.monthly, growth.annual or streams[<i>].growth.monthly|annual")
		return Draw{}, false
	}
	if pp.stream >= 0 && streams[pp.stream].IsForecast() {
		p.add(path, "streams[%d] is a forecast and has no growth", pp.stream)
		return Draw{}, false
	}
	d := Draw{Path: key}
	f := p.fields(path, n, "dist", "mean", "sd")
	if n.Kind != yaml.MappingNode {
		return d, false
	}
	ok := true
	if v := f["dist"]; v != nil {
		if s, good := p.scalar(join(path, "dist"), v); good {
			if s != "normal" && s != "lognormal" {
				p.add(join(path, "dist"), "%q is not a distribution (want normal or lognormal)", s)
				ok = false
			}
			d.Dist = s
		} else {
			ok = false
		}
	} else {
		p.add(join(path, "dist"), "required (normal or lognormal)")
		ok = false
	}
	for _, k := range []string{"mean", "sd"} {
		v := f[k]
		if v == nil {
			p.add(join(path, k), "required")
			ok = false
			continue
		}
		x, good := p.decimal(join(path, k), v)
		if !good {
			ok = false
			continue
		}
		switch {
		case k == "sd" && x.IsNegative():
			p.add(join(path, k), "%q is negative", v.Value)
			ok = false
		case k == "mean" && x.LessThanOrEqual(decimal.NewFromInt(-1)):
			p.add(join(path, k), "%q must be above -1", v.Value)
			ok = false
		}
		if k == "mean" {
			d.Mean = x
		} else {
			d.SD = x
		}
	}
	return d, ok
}

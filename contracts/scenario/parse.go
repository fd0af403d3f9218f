package scenario

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
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
	p := &parser{opts: opts, lines: lineIndex{}}
	s := p.scenario(&doc)
	sort.SliceStable(p.list, func(i, j int) bool { return p.lines.of(p.list[i].Path) < p.lines.of(p.list[j].Path) })
	p.lines.fill(p.list)
	if err := p.err(); err != nil {
		return nil, err
	}
	s.lines = p.lines
	return s, nil
}

type parser struct {
	problems
	opts  ParseOptions
	lines lineIndex
}

// lineIndex maps a path in the scenario file to the line of its node: every
// problem is printed as FILE:LINE: path: reason, as a contract file's are,
// and listed in document order.
type lineIndex map[string]int

// at records where path is in the document.
func (p *parser) at(path string, n *yaml.Node) {
	if _, ok := p.lines[path]; !ok {
		p.lines[path] = n.Line
	}
}

// atAll records path and every node below n, with the paths the contracts
// package names them by (rules[0].cap.total): an inline contract's
// problems come back with such paths under "contract".
func (p *parser) atAll(path string, n *yaml.Node) {
	p.at(path, n)
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			kp := join(path, n.Content[i].Value)
			p.at(kp, n.Content[i])
			p.atAll(kp, n.Content[i+1])
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			p.atAll(fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}

// of is the line of path, or of its nearest recorded ancestor (a missing
// key is reported where its parent is); 0 when unknown.
func (ix lineIndex) of(path string) int {
	for path != "" {
		if l, ok := ix[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// fill gives each problem without a line the line of its path.
func (ix lineIndex) fill(ps []Problem) {
	for i := range ps {
		if ps[i].Line == 0 {
			ps[i].Line = ix.of(ps[i].Path)
		}
	}
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
			p.add(kp, "unknown key (want one of %s)", strings.Join(allowed, ", "))
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
	if ledger.HasControl(n.Value) {
		// Names are printed in the result's tables: an escape sequence in
		// a variant's name reached the terminal (and cleared it).
		p.add(path, "%q %s", n.Value, ledger.TextRule(n.Value))
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
		p.atAll("contract", n)
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

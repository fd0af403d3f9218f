package contracts

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
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

// MaxNameLength bounds a contract's name: it is printed in tables and
// statement titles.
const MaxNameLength = 200

// Parse parses and validates a contract document, YAML or JSON (JSON is
// read as YAML), as given by a user (contract add and update, POST
// /contracts, a scenario's inline contract). Decimals may be written as
// strings or numbers; they are read exactly from the document's text, never
// through a float. Every problem found comes back at once in a
// *ValidationError (EINVALID).
//
// Free text (the name, amendment notes, party names, match values, every
// other string) may not hold control characters, bidirectional controls
// (ledger.IsBidiControl) or invalid UTF-8: a line break or an escape
// sequence in a name reached terminals, statements and exported journals,
// and a right-to-left override shows a name in another order than stored. Dates are in the years 1000 to 9999, as the books'
// (ledger.CheckBookYear).
func Parse(data []byte) (*Contract, error) { return parse(data, false) }

// ParseStored parses a document that revshare stored (a contract version,
// a statement's contract). It checks what Parse checks, except the rules
// added after documents were stored under older ones (the free-text and
// date-range rules above): a stored contract stays readable, and a final
// statement renders again as it was hashed. Its text is shown as stored;
// the outputs that print it to a terminal or a journal escape control
// characters (ledger.Printable).
func ParseStored(data []byte) (*Contract, error) { return parse(data, true) }

func parse(data []byte, stored bool) (*Contract, error) {
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
	p := &parser{stored: stored}
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
	// stored: the document is one revshare stored (ParseStored), read
	// without the rules newer than it.
	stored bool
}

// text reports whether the string s at n is acceptable free text: a
// document given by a user (not stored) may not hold control characters
// or invalid UTF-8 (ledger.HasControl). It adds the problem when not.
func (p *parser) text(n *yaml.Node, path, s string) bool {
	if p.stored || !ledger.HasControl(s) {
		return true
	}
	p.add(n, path, "%q %s", s, ledger.TextRule(s))
	return false
}

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	pr := Problem{Path: path, Reason: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, pr)
}

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
		if s, ok := p.str(n, "name"); ok && !p.stored && len(s) > MaxNameLength {
			p.add(n, "name", "is %d bytes long, at most %d allowed", len(s), MaxNameLength)
		} else if ok {
			c.Name = s
		}
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
			loc, err := ledger.LoadZone(s)
			if err != nil {
				p.add(n, "timezone", "%v", err)
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
	} else if p.list(n, "parties", "a list of party names", 0, MaxListValues, "parties") {
		c.Parties = p.parties(n)
		partiesOK = len(c.Parties) > 0
	}
	if n, ok := present(m, "rules"); !ok {
		p.add(root, "rules", "required")
	} else if p.list(n, "rules", "a non-empty list of rules", 1, MaxRules, "rules") {
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
	if n, ok := present(m, "amendments"); ok && p.list(n, "amendments", "a list", 0, MaxListValues, "amendments") {
		for i, an := range n.Content {
			if a, ok := p.amendment(resolve(an), index("amendments", i)); ok {
				c.Amendments = append(c.Amendments, a)
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
	var out []string
	segments := map[string]string{} // account segment -> the party it names
	for i, v := range n.Content {
		v = resolve(v)
		path := index("parties", i)
		if isNull(v) || v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			p.add(v, path, "must be a non-empty party name")
			continue
		}
		if !p.text(v, path, v.Value) {
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

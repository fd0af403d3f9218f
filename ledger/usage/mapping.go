package usage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/revshare/revshare/ledger"
)

// Mapping adapts another CSV layout to the canonical columns. It is read
// from a YAML file (see docs/import.md); unknown keys are refused.
//
//	source: billing            # default source when --source is not given
//	delimiter: ";"             # "," ";" tab or "|" (default: detected from the header)
//	columns:                   # canonical name: the file's column name
//	  event_id: Transaction ID
//	  occurred_at: Date
//	fixed:                     # canonical name: value when the file has no such column
//	  currency: USD            #   (or when the cell is empty)
//	dates:
//	  layouts: ["DD/MM/YYYY", "YYYY-MM-DD hh:mm:ss"]   # tried in order; Go layouts too
//	  timezone: UTC            # for layouts without a zone
//	amount:
//	  negate: false            # flip the sign of every amount
//	  sign_column: Type        # a column whose value gives the sign
//	  negative: [refund, credit]
//	  positive: [sale, charge]
//	number:
//	  decimal: ","             # decimal separator (default ".")
//	  thousands: "."           # thousands separator (default: none allowed)
type Mapping struct {
	Source    string            `yaml:"source"`
	Delimiter string            `yaml:"delimiter"`
	Columns   map[string]string `yaml:"columns"`
	Fixed     map[string]string `yaml:"fixed"`
	Dates     struct {
		Layouts  []string `yaml:"layouts"`
		Timezone string   `yaml:"timezone"`
	} `yaml:"dates"`
	Amount struct {
		Negate     bool     `yaml:"negate"`
		SignColumn string   `yaml:"sign_column"`
		Negative   []string `yaml:"negative"`
		Positive   []string `yaml:"positive"`
	} `yaml:"amount"`
	Number struct {
		Decimal   string `yaml:"decimal"`
		Thousands string `yaml:"thousands"`
	} `yaml:"number"`

	// file is the mapping file's name (ParseMapping), for messages.
	file string

	// Compiled by Validate.
	delimiter rune // 0: detect from the header
	number    Number
	loc       *time.Location
	layouts   []layout
	negative  map[string]bool
	positive  map[string]bool
	validated bool
}

type layout struct {
	layout   string
	dateOnly bool // the layout carries no time of day
}

// MaxMappingBytes bounds a mapping file.
const MaxMappingBytes = 1 << 20

// ParseMapping reads and validates a mapping document. Every problem is
// listed in the returned error (prefixed by name), one per line.
func ParseMapping(name string, r io.Reader) (*Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMappingBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxMappingBytes {
		return nil, fmt.Errorf("%s: mapping file larger than %d bytes", name, MaxMappingBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document in the file (a second one starts after ---)", name)
	}
	// Every problem is listed: unknown keys (by their path, with the keys
	// that are known there), values of the wrong type, then Validate's.
	var m Mapping
	problems := unknownKeys(&doc, reflect.TypeOf(m), "")
	if doc.Kind != 0 {
		if err := doc.Decode(&m); err != nil {
			var te *yaml.TypeError
			if errors.As(err, &te) {
				problems = append(problems, te.Errors...)
			} else {
				problems = append(problems, strings.TrimPrefix(err.Error(), "yaml: "))
			}
		}
	}
	if err := m.Validate(); err != nil {
		problems = append(problems, strings.Split(err.Error(), "\n")...)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", name, strings.Join(problems, "\n"+name+": "))
	}
	m.file = name
	return &m, nil
}

// unknownKeys lists the keys of node that t (a struct, through its yaml
// tags, and its struct fields in turn) does not have, as "line N: PATH:
// unknown key (want one of ...)". Maps (columns, fixed) are Validate's.
func unknownKeys(node *yaml.Node, t reflect.Type, path string) []string {
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	if node.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" {
			fields[tag] = t.Field(i).Type
			names = append(names, tag)
		}
	}
	var problems []string
	for i := 0; i+1 < len(node.Content); i += 2 {
		key := node.Content[i]
		ft, ok := fields[key.Value]
		if !ok {
			problems = append(problems, fmt.Sprintf("line %d: %s%s: unknown key (want one of %s)", key.Line, path, key.Value, strings.Join(names, ", ")))
			continue
		}
		problems = append(problems, unknownKeys(node.Content[i+1], ft, path+key.Value+".")...)
	}
	return problems
}

// mappedBy names the mapping's entry that maps a or b to a column, as in
// "m.yaml: columns.customer", for messages about a column both read.
func (m *Mapping) mappedBy(a, b field) string {
	f := fieldNames[b]
	if _, ok := m.Columns[f]; !ok {
		f = fieldNames[a]
	}
	if m.file == "" {
		return "the mapping's columns." + f
	}
	return m.file + ": columns." + f
}

// Validate checks the mapping and compiles it. A nil or zero Mapping is the
// canonical layout.
func (m *Mapping) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	mappedTo := map[string]string{} // the file's column, lowercased -> the first field mapped to it
	for _, k := range ledger.SortedKeys(m.Columns) {
		if _, ok := fieldByName(k); !ok {
			bad("columns: %q is not a canonical column (want one of %s)", k, strings.Join(fieldNames[:], ", "))
		}
		col := strings.TrimSpace(m.Columns[k])
		if col == "" {
			bad("columns.%s: empty column name", k)
			continue
		}
		// Column names match case-insensitively. Two fields read from one
		// column (a seller's name booked as its customer too) was taken
		// without a word.
		if other, dup := mappedTo[strings.ToLower(col)]; dup {
			bad("columns.%s and columns.%s both map the column %q: a column is read as one field (map one of them to another column, or give it under fixed:)", other, k, col)
			continue
		}
		mappedTo[strings.ToLower(col)] = k
	}
	for _, k := range ledger.SortedKeys(m.Fixed) {
		if _, ok := fieldByName(k); !ok {
			bad("fixed: %q is not a canonical column (want one of %s)", k, strings.Join(fieldNames[:], ", "))
		}
	}
	m.delimiter = 0
	if m.Delimiter != "" {
		d, ok := delimiterNames[strings.ToLower(m.Delimiter)]
		if !ok {
			bad("delimiter: %q: want \",\", \";\", tab or \"|\"", m.Delimiter)
		}
		m.delimiter = d
	}
	m.number = DefaultNumber
	switch m.Number.Decimal {
	case "", ".":
	case ",":
		m.number.Decimal = ','
	default:
		bad("number.decimal: %q: want \".\" or \",\"", m.Number.Decimal)
	}
	switch m.Number.Thousands {
	case "":
	case ",", ".", " ", "'", "_":
		m.number.Thousands = m.Number.Thousands[0]
		if m.number.Thousands == m.number.Decimal {
			bad("number.thousands: %q is also the decimal separator", m.Number.Thousands)
		}
	default:
		bad("number.thousands: %q: want one of \",\" \".\" \" \" \"'\" \"_\"", m.Number.Thousands)
	}
	m.loc = time.UTC
	if m.Dates.Timezone != "" {
		loc, err := ledger.LoadZone(m.Dates.Timezone)
		switch {
		case m.Dates.Timezone == "Local":
			bad("dates.timezone: %v", err)
		case err != nil:
			bad("dates.timezone: unknown time zone %q", m.Dates.Timezone)
		default:
			m.loc = loc
		}
	}
	m.layouts = nil
	ref := time.Date(2001, 2, 3, 16, 5, 6, 0, time.UTC)
	for _, written := range m.Dates.Layouts {
		if strings.TrimSpace(written) == "" {
			bad("dates.layouts: empty layout")
			continue
		}
		l := goLayout(written)
		s := ref.Format(l)
		t, err := time.Parse(l, s)
		if err != nil || t.Year() != 2001 || t.Month() != 2 || t.Day() != 3 {
			bad("dates.layouts: %q is not a layout with a year, month and day (write DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD hh:mm:ss, or a Go layout such as 02/01/2006)", written)
			continue
		}
		// A layout without a time of day formats midnight and 16:05 alike.
		dateOnly := s == time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC).Format(l)
		m.layouts = append(m.layouts, layout{l, dateOnly})
	}
	m.negative = map[string]bool{}
	m.positive = map[string]bool{}
	for _, v := range m.Amount.Negative {
		m.negative[strings.ToLower(strings.TrimSpace(v))] = true
	}
	for _, v := range m.Amount.Positive {
		k := strings.ToLower(strings.TrimSpace(v))
		if m.negative[k] {
			bad("amount: %q is both positive and negative", v)
		}
		m.positive[k] = true
	}
	if m.Amount.SignColumn == "" && (len(m.negative) > 0 || len(m.positive) > 0) {
		bad("amount: negative/positive values need a sign_column")
	}
	if m.Amount.SignColumn != "" && len(m.negative) == 0 {
		bad("amount.sign_column: needs a list of negative values")
	}
	if m.Source != "" && strings.TrimSpace(m.Source) != m.Source && !ledger.HasControl(m.Source) {
		bad("source: %q has surrounding spaces", m.Source)
	}
	// Free text that becomes an event's fields (fixed values, the source)
	// or names the file's columns: a line break or an escape sequence in it
	// reached terminals and exports. The delimiter may be a tab.
	text := func(path, v string) {
		if ledger.HasControl(v) {
			bad("%s: %q %s", path, v, ledger.TextRule(v))
		}
	}
	text("source", m.Source)
	for _, k := range ledger.SortedKeys(m.Columns) {
		text("columns."+k, m.Columns[k])
	}
	for _, k := range ledger.SortedKeys(m.Fixed) {
		text("fixed."+k, m.Fixed[k])
	}
	for i, l := range m.Dates.Layouts {
		text(fmt.Sprintf("dates.layouts[%d]", i), l)
	}
	text("dates.timezone", m.Dates.Timezone)
	text("amount.sign_column", m.Amount.SignColumn)
	for i, v := range m.Amount.Negative {
		text(fmt.Sprintf("amount.negative[%d]", i), v)
	}
	for i, v := range m.Amount.Positive {
		text(fmt.Sprintf("amount.positive[%d]", i), v)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	m.validated = true
	return nil
}

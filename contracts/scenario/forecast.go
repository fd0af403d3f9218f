package scenario

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// forecast reads a forecast CSV: a header row with the columns period, match
// and amount (any order, case-insensitive), one row per (period, match).
// match is `field=value` pairs separated by ';', e.g. seller=openai;channel=azure.
// Every bad row is reported, by line.
func (p *parser) forecast(path, name string) []ForecastRow {
	if p.opts.ReadFile == nil {
		p.add(path, "forecast files cannot be read here")
		return nil
	}
	data, err := p.opts.ReadFile(name)
	if err != nil {
		p.add(path, "cannot read %q: %v", name, unwrapPathError(err))
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		p.add(path, "%s: no header row (want period,match,amount)", name)
		return nil
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var missing []string
	for _, c := range []string{"period", "match", "amount"} {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		p.add(path, "%s: missing column(s) %s (want period,match,amount)", name, strings.Join(missing, ", "))
		return nil
	}
	var rows []ForecastRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			p.add(path, "%s: %v", name, err)
			return nil
		}
		if len(rows) >= MaxForecastRows {
			p.add(path, "%s: more than %d rows", name, MaxForecastRows)
			return nil
		}
		where := fmt.Sprintf("%s line %d", name, line)
		row := ForecastRow{Line: line, Period: strings.TrimSpace(rec[col["period"]])}
		ok := true
		m, why := parseMatch(rec[col["match"]])
		if why != "" {
			p.add(path, "%s: match: %s", where, why)
			ok = false
		}
		row.Match = m
		amt, why := parseDecimal(strings.TrimSpace(rec[col["amount"]]))
		if why != "" {
			p.add(path, "%s: amount: %s", where, why)
			ok = false
		}
		row.Amount = amt
		if ok {
			rows = append(rows, row)
		}
	}
	return rows
}

// parseMatch reads `seller=openai;channel=azure`.
func parseMatch(s string) (Match, string) {
	m := Match{}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "empty (want field=value;field=value, e.g. seller=openai;channel=azure)"
	}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return nil, fmt.Sprintf("%q is not field=value", part)
		}
		if !slices.Contains(MatchFields, k) {
			return nil, fmt.Sprintf("unknown field %q (want seller, channel, customer, product or region)", k)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Sprintf("field %q given twice", k)
		}
		m[k] = v
	}
	return m, ""
}

// String renders a match as in forecast files: fields in MatchFields order.
func (m Match) String() string {
	var parts []string
	for _, k := range MatchFields {
		if v, ok := m[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ";")
}

func unwrapPathError(err error) error {
	var pe interface{ Unwrap() error }
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap()
	}
	return err
}

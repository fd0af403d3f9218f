package usage

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/revshare/revshare/ledger"
)

// RateRow is one data record of an exchange-rate CSV (date,from,to,rate).
type RateRow struct {
	Line   int
	Rate   ledger.FXRate
	Errors []*RowError
}

// RateReader streams an exchange-rate CSV: a header naming the columns
// date, from, to and rate (any order, case-insensitive), then one rate per
// row: 1 unit of from is rate units of to, from date on.
type RateReader struct {
	csvFile
	in    *countingReader // for the line of a line that is too long
	cr    *csv.Reader
	idx   [4]int
	names [4]string
}

var rateColumns = [4]string{"date", "from", "to", "rate"}

// NewRateReader reads the header of a rate CSV; problems come back as RowErrors.
func NewRateReader(r io.Reader, file string) (*RateReader, error) {
	in := newCountingReader(r)
	if b, err := in.br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		in.br.Discard(3)
	}
	if enc := utf16Encoding(in.br); enc != "" {
		return nil, RowErrors{(&csvFile{file: file}).errorf(1, "", "", "%s", notUTF8(enc))}
	}
	rr := &RateReader{csvFile: csvFile{file: file}, in: in, cr: csv.NewReader(in)}
	rr.cr.ReuseRecord = true
	head, err := rr.cr.Read()
	if err == io.EOF {
		return nil, RowErrors{rr.errorf(1, "", "", "empty file: want a header row (date, from, to, rate)")}
	}
	if err != nil {
		return nil, rr.fatal(err)
	}
	rr.hline, _ = rr.cr.FieldPos(0)
	if crLineEnds(head) {
		return nil, RowErrors{rr.errorf(rr.hline, "", "", crLineEndsReason)}
	}
	var es RowErrors
	for i := range rr.idx {
		rr.idx[i] = -1
	}
	for i, h := range head {
		k := strings.ToLower(strings.TrimSpace(h))
		j := -1
		for n, c := range rateColumns {
			if c == k {
				j = n
			}
		}
		switch {
		case j < 0:
			es = append(es, rr.errorf(rr.hline, "", "", "unknown column %s (want date, from, to, rate)", quoteValue(h)))
		case rr.idx[j] >= 0:
			es = append(es, rr.errorf(rr.hline, "", "", "duplicate column %s (columns %d and %d; names are case-insensitive)", quoteValue(h), rr.idx[j]+1, i+1))
		default:
			rr.idx[j] = i
			rr.names[j] = strings.TrimSpace(h)
		}
	}
	for j, c := range rateColumns {
		if rr.idx[j] < 0 {
			es = append(es, rr.errorf(rr.hline, "", "", "missing required column %s", c))
		}
	}
	if len(es) > 0 {
		return nil, es
	}
	return rr, nil
}

func (rr *RateReader) fatal(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return RowErrors{rr.errorf(pe.StartLine, "", "", "%v", pe.Err)}
	}
	if errors.Is(err, errLineTooLong) {
		return RowErrors{rr.errorf(rr.in.lines+1, "", "", "line longer than %d bytes", MaxLineBytes)}
	}
	return err
}

// Next reads the next rate into row; io.EOF after the last one. Row
// problems are in row.Errors; a file-level problem is RowErrors.
func (rr *RateReader) Next(row *RateRow) error {
	if rr.done {
		return io.EOF
	}
	row.Errors = row.Errors[:0]
	row.Rate = ledger.FXRate{}
	rec, err := rr.cr.Read()
	if end := rr.count(err); end != nil {
		return end
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			row.Line = pe.StartLine
			row.Errors = append(row.Errors, rr.errorf(pe.StartLine, "", "", "wrong number of fields: want 4 as in the header"))
			return nil
		}
		rr.done = true
		return rr.fatal(err)
	}
	row.Line, _ = rr.cr.FieldPos(0)
	get := func(j int) string { return strings.TrimSpace(rec[rr.idx[j]]) }
	bad := func(j int, reason string) {
		row.Errors = append(row.Errors, rr.errorf(row.Line, rr.names[j], rec[rr.idx[j]], "%s", reason))
	}
	for j := range rateColumns {
		if v := rec[rr.idx[j]]; !utf8.ValidString(v) {
			bad(j, "invalid UTF-8")
		} else if get(j) == "" {
			bad(j, "required")
		}
	}
	if len(row.Errors) > 0 {
		return nil
	}
	if t, ok := parseISODate(get(0)); ok {
		row.Rate.Date = ledger.DateOf(t)
	} else {
		bad(0, "not a date YYYY-MM-DD")
	}
	for j := 1; j <= 2; j++ {
		c := strings.ToUpper(get(j))
		if !ledger.IsCurrency(c) {
			bad(j, "unknown ISO 4217 currency")
		}
		if j == 1 {
			row.Rate.From = c
		} else {
			row.Rate.To = c
		}
	}
	if row.Rate.From == row.Rate.To && ledger.IsCurrency(row.Rate.From) {
		bad(2, "same currency as from")
	}
	d, reason := ParseDecimal(get(3), DefaultNumber)
	switch {
	case reason != "":
		bad(3, reason)
	case d.Sign() <= 0:
		bad(3, "a rate must be positive")
	default:
		row.Rate.Rate = d
	}
	return nil
}

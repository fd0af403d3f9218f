package usage

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// RowErrors is a list of row errors; as an error it renders one per line.
// NewReader and Reader.Next return it for problems of the whole file (an
// empty file, a bad header, a file without data rows, a line too long).
type RowErrors []*RowError

func (es RowErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Row is one data record of a usage file. When Errors is empty, Event is a
// valid event (without Source, ID, BatchID and EntryID, which the store
// assigns). Record holds the fields as read; it is reused by the next call.
type Row struct {
	Line   int      // physical line where the record starts
	Header []string // the file's column names as written
	Record []string // the fields as read
	Event  ledger.Event
	Errors []*RowError

	// Canonical texts of the event's values, for storage: equal to what
	// ledger.FormatAmount and a date or RFC 3339 rendering would give, but
	// usually the field as read, without formatting it again.
	OccurredText, AmountText, QuantityText, UnitPriceText string
}

// Reader streams rows from a usage CSV. Memory stays bounded by the longest
// line, whatever the file's size.
type Reader struct {
	csvFile
	in      *countingReader
	cr      *csv.Reader
	m       *Mapping
	header  []string // column names as written (trimmed)
	idx     [numFields]int
	colName [numFields]string // the name to show in errors
	fixed   [numFields]string
	meta    []int // columns kept as metadata
	signCol int

	pending    []string // a record read ahead (after a quote error)
	pendingErr error
	hasPending bool
}

// NewReader reads the header of a usage CSV named file (the name appears in
// errors) and returns a Reader positioned on the first data row. m may be
// nil for the canonical layout. Header problems come back as RowErrors.
func NewReader(r io.Reader, file string, m *Mapping) (*Reader, error) {
	if m == nil {
		m = &Mapping{}
	}
	if !m.validated {
		if err := m.Validate(); err != nil {
			return nil, err
		}
	}
	in := newCountingReader(r)
	// A leading byte-order mark is accepted and skipped.
	if b, err := in.br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		in.br.Discard(3)
		in.n += 3
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	cr.Comma = m.delimiter
	if cr.Comma == 0 {
		head, _ := in.br.Peek(min(in.br.Size(), MaxLineBytes)) // fewer bytes at EOF: the whole file
		cr.Comma = detectDelimiter(head)
	}
	rd := &Reader{csvFile: csvFile{file: file}, in: in, cr: cr, m: m, signCol: -1}
	head, err := cr.Read()
	if err == io.EOF {
		return nil, RowErrors{rd.errorf(1, "", "", "empty file: want a header row (%s, ...)", strings.Join(fieldNames[:4], ", "))}
	}
	if err != nil {
		if es := rd.parseErrors(err); es != nil {
			return nil, es
		}
		return nil, err
	}
	line, _ := cr.FieldPos(0)
	rd.hline = line
	if es := rd.readHeader(line, head); len(es) > 0 {
		return nil, es
	}
	return rd, nil
}

// BytesRead is how many bytes of the input were consumed so far (for progress).
func (r *Reader) BytesRead() int64 { return r.in.n }

// Delimiter returns the field separator in use: the mapping's, else the one
// detected from the header (comma, semicolon or tab).
func (r *Reader) Delimiter() rune { return r.cr.Comma }

// Header returns the file's column names as written.
func (r *Reader) Header() []string { return r.header }

// csvFile is what both readers (Reader, RateReader) keep of the CSV file
// they read: its name for errors, the header's line, the data rows read
// and whether the file ended.
type csvFile struct {
	file  string
	hline int
	rows  int
	done  bool
}

func (f *csvFile) errorf(line int, col, val, format string, args ...any) *RowError {
	return &RowError{File: f.file, Line: line, Column: col, Value: val, Reason: fmt.Sprintf(format, args...)}
}

// count counts a data row read with err. At the end of the file (io.EOF)
// it ends the reading and returns io.EOF, or the error of a file with a
// header only; otherwise nil.
func (f *csvFile) count(err error) error {
	if err != io.EOF {
		f.rows++
		return nil
	}
	f.done = true
	if f.rows == 0 {
		return RowErrors{f.errorf(f.hline, "", "", "no data rows: the file has a header only")}
	}
	return io.EOF
}

func (r *Reader) readHeader(line int, head []string) RowErrors {
	var es RowErrors
	r.header = make([]string, len(head))
	byName := map[string]int{}
	for i, h := range head {
		if !utf8.ValidString(h) {
			es = append(es, r.errorf(line, "", "", "column %d: name %s is not valid UTF-8", i+1, quoteValue(h)))
		}
		h = strings.TrimSpace(h)
		r.header[i] = h
		if h == "" {
			es = append(es, r.errorf(line, "", "", "column %d has no name", i+1))
			continue
		}
		k := strings.ToLower(h)
		if j, dup := byName[k]; dup {
			es = append(es, r.errorf(line, "", "", "duplicate column %s (columns %d and %d; names are case-insensitive)", quoteValue(h), j+1, i+1))
			continue
		}
		byName[k] = i
	}
	used := make([]bool, len(head))
	for f := field(0); f < numFields; f++ {
		r.idx[f] = -1
		name := fieldNames[f]
		r.colName[f] = name
		r.fixed[f] = strings.TrimSpace(r.m.Fixed[name])
		want := name
		if mapped, ok := r.m.Columns[name]; ok {
			want = strings.TrimSpace(mapped)
		}
		if i, ok := byName[strings.ToLower(want)]; ok {
			r.idx[f] = i
			r.colName[f] = r.header[i]
			used[i] = true
		} else if want != name && r.fixed[f] == "" {
			es = append(es, r.errorf(line, "", "", "missing column %s (mapped to %s)", quoteValue(want), name))
		}
	}
	if sc := strings.TrimSpace(r.m.Amount.SignColumn); sc != "" {
		if i, ok := byName[strings.ToLower(sc)]; ok {
			r.signCol = i
		} else {
			es = append(es, r.errorf(line, "", "", "missing column %s (the mapping's amount.sign_column)", quoteValue(sc)))
		}
	}
	missing := func(f field, what string) {
		if h := columnHint(fieldNames[f], r.header, used); h != "" {
			what += fmt.Sprintf(": the file has %s, did you mean %s? Rename that header, or map it with columns: {%s: %s} in a --mapping file",
				quoteValue(h), fieldNames[f], fieldNames[f], quoteValue(h))
		} else if len(r.header) == 1 && r.cr.Comma == ',' && r.m.delimiter == 0 {
			what += " (the header has one column: if the file is not comma-separated, set delimiter in a --mapping file)"
		}
		es = append(es, r.errorf(line, "", "", "%s", what))
	}
	for _, f := range []field{fEventID, fOccurredAt, fSeller, fChannel, fCurrency} {
		if r.idx[f] < 0 && r.fixed[f] == "" && r.m.Columns[fieldNames[f]] == "" {
			missing(f, "missing required column "+fieldNames[f])
		}
	}
	if r.idx[fAmount] < 0 && r.fixed[fAmount] == "" && r.m.Columns[ColAmount] == "" {
		hasQ := r.idx[fQuantity] >= 0 || r.fixed[fQuantity] != ""
		hasP := r.idx[fUnitPrice] >= 0 || r.fixed[fUnitPrice] != ""
		if !hasQ || !hasP {
			missing(fAmount, "missing required column amount (or both quantity and unit_price)")
		}
	}
	for i, h := range r.header {
		if !used[i] && h != "" {
			r.meta = append(r.meta, i)
		}
	}
	return es
}

// parseErrors turns a csv parse error into row errors, or returns nil if
// err is not one.
func (r *Reader) parseErrors(err error) RowErrors {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return RowErrors{r.csvError(pe, false)}
	}
	if errors.Is(err, errLineTooLong) {
		return RowErrors{r.errorf(r.in.lines+1, "", "", "line longer than %d bytes", MaxLineBytes)}
	}
	return nil
}

func (r *Reader) csvError(pe *csv.ParseError, atEOF bool) *RowError {
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return r.errorf(pe.StartLine, "", "", "wrong number of fields: want %d as in the header", len(r.header))
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return r.errorf(pe.Line, "", "", "bare \" in an unquoted field (column %d of the line): quote the field and double the \"", pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote) && atEOF && pe.Line > pe.StartLine:
		return r.errorf(pe.StartLine, "", "", "unterminated quoted field: the \" opened on this line is never closed, so the rest of the file could not be read")
	case errors.Is(pe.Err, csv.ErrQuote) && atEOF:
		// On the last line, csv cannot tell a missing closing quote from a stray one.
		return r.errorf(pe.Line, "", "", "extraneous or missing \" in a quoted field (column %d of the line): close the quotes and double a \" inside them", pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return r.errorf(pe.Line, "", "", "extraneous \" in a quoted field (column %d of the line): double a \" inside quotes", pe.Column)
	}
	return r.errorf(pe.StartLine, "", "", "%v", pe.Err)
}

func (r *Reader) read() ([]string, error) {
	if r.hasPending {
		r.hasPending = false
		return r.pending, r.pendingErr
	}
	return r.cr.Read()
}

// Next reads the next data row into row. It returns io.EOF after the last
// row, RowErrors for a problem of the whole file (no data rows, a line
// longer than MaxLineBytes), and other errors for I/O failures. A row with
// problems comes back with a nil error and row.Errors set.
func (r *Reader) Next(row *Row) error {
	if r.done {
		return io.EOF
	}
	row.Errors = row.Errors[:0]
	row.Event = ledger.Event{}
	row.Header = r.header
	row.Line = 0
	rec, err := r.read()
	if end := r.count(err); end != nil {
		return end
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			r.done = true
			if es := r.parseErrors(err); es != nil {
				return es
			}
			return err
		}
		row.Record = rec
		row.Line = pe.StartLine
		atEOF := false
		if errors.Is(pe.Err, csv.ErrQuote) {
			// Read ahead: an unterminated quote swallows the rest of the file.
			next, nerr := r.cr.Read()
			atEOF = nerr == io.EOF
			if !atEOF {
				r.pending, r.pendingErr, r.hasPending = append([]string(nil), next...), nerr, true
			}
		}
		row.Errors = append(row.Errors, r.csvError(pe, atEOF))
		return nil
	}
	row.Record = rec
	row.Line, _ = r.cr.FieldPos(0)
	r.parseRow(row)
	return nil
}

// scanField reports, in one pass, whether v is all ASCII and whether it
// holds U+001E or U+001F.
func scanField(v string) (ascii, separators, nul bool) {
	ascii = true
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= utf8.RuneSelf:
			ascii = false
		case c == 0x1e || c == 0x1f:
			separators = true
		case c == 0:
			nul = true
		}
	}
	return ascii, separators, nul
}

func (r *Reader) lineOf(col int) int {
	l, _ := r.cr.FieldPos(col)
	return l
}

// value returns the text of canonical field f and the name to show in errors.
func (r *Reader) value(rec []string, f field) (string, int) {
	i := r.idx[f]
	if i < 0 {
		return r.fixed[f], -1
	}
	v := strings.TrimSpace(rec[i])
	if v == "" {
		v = r.fixed[f]
	}
	return v, i
}

func (r *Reader) parseRow(row *Row) {
	rec := row.Record
	bad := func(col int, f field, val, reason string) {
		line := row.Line
		name := fieldNames[f]
		if col >= 0 {
			line = r.lineOf(col)
			name = r.header[col]
		}
		row.Errors = append(row.Errors, &RowError{File: r.file, Line: line, Column: name, Value: val, Reason: reason})
	}
	for i, v := range rec {
		ascii, separators, nul := scanField(v)
		if nul {
			// SQLite and C tools cut text at a NUL; the stored event would
			// not say what the file said.
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: "NUL bytes (U+0000) are not allowed"})
		} else if !ascii && !utf8.ValidString(v) {
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: "invalid UTF-8"})
		} else if len(v) > MaxFieldBytes {
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: fmt.Sprintf("longer than %d bytes", MaxFieldBytes)})
		} else if separators {
			// The content digest uses them as separators.
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: "control characters U+001E and U+001F are not allowed"})
		}
	}
	if len(row.Errors) > 0 {
		return
	}
	ev := &row.Event
	text := func(f field, required bool) string {
		v, col := r.value(rec, f)
		if v == "" && required {
			bad(col, f, v, "required")
		}
		return v
	}
	ev.EventID = text(fEventID, true)
	if v, col := r.value(rec, fOccurredAt); v == "" {
		bad(col, fOccurredAt, v, "required")
	} else if t, dateOnly, canonical, reason := r.parseTime(v); reason != "" {
		if reason != "no such date" {
			reason = withHint(reason, layoutHint(v))
		}
		bad(col, fOccurredAt, v, reason)
	} else if y := t.UTC().Year(); y < MinEventYear || y > 9999 {
		bad(col, fOccurredAt, v, fmt.Sprintf("out of range: years %d to 9999 (in UTC)", MinEventYear))
	} else {
		ev.OccurredAt, ev.DateOnly = t, dateOnly
		row.OccurredText = v
		if !canonical {
			// A mapping layout: store the canonical form.
			if dateOnly {
				row.OccurredText = t.Format(ledger.DateLayout)
			} else {
				row.OccurredText = t.Format(time.RFC3339Nano)
			}
		}
	}
	ev.Seller = text(fSeller, true)
	ev.Channel = text(fChannel, true)
	ev.Customer = text(fCustomer, false)
	ev.Product = text(fProduct, false)
	ev.Region = text(fRegion, false)
	if v, col := r.value(rec, fCurrency); v == "" {
		bad(col, fCurrency, v, "required")
	} else if c := strings.ToUpper(v); !ledger.IsCurrency(c) {
		bad(col, fCurrency, v, "unknown ISO 4217 currency")
	} else {
		ev.Currency = c
	}
	num := func(f field, text *string) (*decimal.Decimal, bool) {
		*text = ""
		v, col := r.value(rec, f)
		if v == "" {
			return nil, true
		}
		d, reason := ParseDecimal(v, r.m.number)
		if reason != "" {
			reason = withHint(reason, numberHint(v, r.m.number))
			bad(col, f, v, reason)
			return nil, false
		}
		if r.m.number.Decimal == '.' && isCanonicalDecimal(v) {
			*text = v
		} else {
			*text = ledger.FormatAmount(d)
		}
		return &d, true
	}
	q, okQ := num(fQuantity, &row.QuantityText)
	p, okP := num(fUnitPrice, &row.UnitPriceText)
	a, okA := num(fAmount, &row.AmountText)
	switch {
	case !okQ || !okP || !okA:
	case a == nil && q != nil && p != nil:
		ev.Amount = q.Mul(*p)
		row.AmountText = ledger.FormatAmount(ev.Amount)
		if n := fractionDigits(ev.Amount); n > MaxFractionDigits {
			// Each factor has at most 18; their product may not.
			v, col := r.value(rec, fUnitPrice)
			bad(col, fUnitPrice, v, fmt.Sprintf("quantity × unit_price = %s has %d fractional digits, more than %d (give the amount instead)",
				ev.Amount.String(), n, MaxFractionDigits))
		}
	case a == nil:
		v, col := r.value(rec, fAmount)
		bad(col, fAmount, v, "required (or give both quantity and unit_price)")
	case q != nil && p != nil && !q.Mul(*p).Equal(*a):
		v, col := r.value(rec, fAmount)
		bad(col, fAmount, v, fmt.Sprintf("not quantity × unit_price (%s × %s = %s)", q, p, ledger.FormatAmount(q.Mul(*p))))
	default:
		ev.Amount = *a
	}
	if okQ && okP && okA && a == nil && q != nil && p != nil && ev.Amount.Abs().Cmp(maxAmount) >= 0 {
		// Each factor has at most 18 integer digits; their product may not.
		v, col := r.value(rec, fUnitPrice)
		bad(col, fUnitPrice, v, fmt.Sprintf("quantity × unit_price = %s has more than %d digits before the decimal point (an amount has at most %d)",
			ev.Amount.String(), MaxIntegerDigits, MaxIntegerDigits))
	}
	ev.Quantity, ev.UnitPrice = q, p
	negate := r.m.Amount.Negate
	if r.signCol >= 0 {
		v := strings.ToLower(strings.TrimSpace(rec[r.signCol]))
		switch {
		case r.m.negative[v]:
			negate = !negate
		case r.m.positive[v]:
		case len(r.m.positive) == 0:
			// Without a positive list, any other value keeps the sign.
		default:
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(r.signCol), Column: r.header[r.signCol],
				Value: rec[r.signCol], Reason: "not one of the mapping's amount.positive or amount.negative values"})
		}
	}
	if negate {
		ev.Amount = ev.Amount.Neg()
		row.AmountText = ledger.FormatAmount(ev.Amount)
		if ev.Quantity != nil {
			n := ev.Quantity.Neg()
			ev.Quantity = &n
			row.QuantityText = ledger.FormatAmount(n)
		}
	}
	if len(r.meta) > 0 {
		for _, i := range r.meta {
			if v := rec[i]; v != "" {
				if ev.Meta == nil {
					ev.Meta = make(map[string]string, len(r.meta))
				}
				ev.Meta[r.header[i]] = v
			}
		}
	}
}

// MinEventYear is the first year an event may fall in (in UTC). Year 0000
// is no date, and 0001-01-01T00:00:00Z is Go's zero time, which code
// reads as "no time"; no revenue share predates the year 1000.
const MinEventYear = 1000

// fractionDigits is how many digits d has after the decimal point, trailing
// zeros not counted.
func fractionDigits(d decimal.Decimal) int {
	s := d.String() // no exponent, trailing zeros trimmed
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// parseTime reads an occurred_at value: a date YYYY-MM-DD or an RFC 3339
// timestamp (canonical: the text can be stored as is), else one of the
// mapping's layouts (the caller stores the canonical form of what it gives).
// A value shaped like RFC 3339 that is not one (no offset, say) may still
// match a layout; when none does, the reason names the RFC 3339 problem.
func (r *Reader) parseTime(s string) (t time.Time, dateOnly, canonical bool, reason string) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		if d, ok := parseISODate(s); ok {
			return d, true, true, ""
		}
		if allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:]) {
			return time.Time{}, false, false, "no such date"
		}
	}
	isoReason := ""
	if len(s) > 10 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't') {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, false, true, ""
		}
		if _, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
			isoReason = "RFC 3339 timestamp without a time zone offset (add Z or ±hh:mm)"
		} else if _, ok := parseISODate(s[:10]); !ok && allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:10]) {
			return time.Time{}, false, false, "no such date"
		}
	}
	for _, l := range r.m.layouts {
		t, err := time.ParseInLocation(l.layout, s, r.m.loc)
		if err != nil {
			continue
		}
		if l.dateOnly {
			y, mo, d := t.Date()
			return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), true, false, ""
		}
		return t, false, false, ""
	}
	if isoReason != "" {
		return time.Time{}, false, false, isoReason
	}
	if len(r.m.layouts) > 0 {
		return time.Time{}, false, false, "not an RFC 3339 timestamp, a date YYYY-MM-DD or a date in one of the mapping's layouts"
	}
	return time.Time{}, false, false, "not an RFC 3339 timestamp (2026-01-05T10:00:00Z) or a date YYYY-MM-DD"
}

// parseISODate parses YYYY-MM-DD without time.Parse (it is on the hot path)
// and refuses impossible dates.
func parseISODate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(s[:4])
	m := int(s[5]-'0')*10 + int(s[6]-'0')
	d := int(s[8]-'0')*10 + int(s[9]-'0')
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// isCanonicalDecimal reports whether s is already the text
// ledger.FormatAmount gives for its value: an optional minus (not on zero),
// no superfluous leading zero, digits after a point if there is one.
func isCanonicalDecimal(s string) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intLen := i - start
	if intLen == 0 || (intLen > 1 && s[start] == '0') {
		return false
	}
	nonZero := intLen > 1 || s[start] != '0'
	if i < len(s) {
		if s[i] != '.' || i == len(s)-1 {
			return false
		}
		for i++; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
			nonZero = nonZero || s[i] != '0'
		}
	}
	return start == 0 || nonZero
}

// maxAmount bounds an event's amount: 18 integer digits, as every input
// amount (spec section 1; docs/ledger.md says why the journal then holds
// every sum and obligation derived from events).
var maxAmount = decimal.New(1, MaxIntegerDigits)

var errLineTooLong = errors.New("line too long")

// countingReader counts bytes and physical lines read, and refuses lines
// longer than MaxLineBytes so that one record cannot exhaust memory.
type countingReader struct {
	br    *bufio.Reader
	n     int64
	lines int
	run   int // bytes since the last newline
}

func newCountingReader(r io.Reader) *countingReader {
	return &countingReader{br: bufio.NewReaderSize(r, 256<<10)}
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	c.n += int64(n)
	b := p[:n]
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		c.lines += bytes.Count(b, []byte{'\n'})
		c.run = n - i - 1
	} else {
		c.run += n
	}
	if c.run > MaxLineBytes {
		return n, errLineTooLong
	}
	return n, err
}

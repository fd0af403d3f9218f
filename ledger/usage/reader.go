package usage

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/revshare/revshare/ledger"
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
	if enc := utf16Encoding(in.br); enc != "" {
		return nil, RowErrors{(&csvFile{file: file}).errorf(1, "", "", "%s", notUTF8(enc))}
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
	if crLineEnds(head) {
		return RowErrors{r.errorf(line, "", "", crLineEndsReason)}
	}
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
	usedBy := make([]field, len(head))
	for f := field(0); f < numFields; f++ {
		r.idx[f] = -1
		name := fieldNames[f]
		r.colName[f] = name
		r.fixed[f] = strings.TrimSpace(r.m.Fixed[name])
		want := name
		if mapped, ok := r.m.Columns[name]; ok {
			want = strings.TrimSpace(mapped)
		}
		if i, ok := byName[strings.ToLower(want)]; ok && used[i] {
			// One field mapped to the column another reads by its own name
			// (columns: {customer: seller} in a file with a seller column).
			es = append(es, r.errorf(line, "", "", "column %s is read as %s and as %s (%s): map each field to a column of its own",
				quoteValue(r.header[i]), fieldNames[usedBy[i]], name, r.m.mappedBy(usedBy[i], f)))
		} else if ok {
			usedBy[i] = f
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
	// A file whose header reads well and whose events and times are there
	// (or named otherwise) is a usage export lacking a dimension: it may
	// be told to fix one value.
	named := func(f field) bool {
		h, _ := columnHint(fieldNames[f], r.header, used)
		return r.idx[f] >= 0 || r.fixed[f] != "" || r.m.Columns[fieldNames[f]] != "" || h != ""
	}
	usageLike := len(es) == 0 && named(fEventID) && named(fOccurredAt)
	missing := func(f field, what string) {
		if h, synonym := columnHint(fieldNames[f], r.header, used); h != "" && !synonym {
			what += fmt.Sprintf(": the file has %s, did you mean %s? Rename that header, or map it with columns: {%s: %s} in a --mapping file",
				quoteValue(h), fieldNames[f], fieldNames[f], quoteValue(h))
		} else if h != "" {
			what += fmt.Sprintf(": the file has %s: if it holds %s, rename that header, or map it with columns: {%s: %s} in a --mapping file",
				quoteValue(h), fieldNames[f], fieldNames[f], quoteValue(h))
		} else if len(r.header) == 1 && r.cr.Comma == ',' && r.m.delimiter == 0 {
			what += " (the header has one column: if the file is not comma-separated, set delimiter in a --mapping file)"
		} else if usageLike && (f == fSeller || f == fChannel || f == fCurrency) {
			what += fmt.Sprintf(": if every row has the same %s, set it with fixed: {%s: …} in a --mapping file", fieldNames[f], fieldNames[f])
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
		if !used[i] && h != "" && !IsRejectColumn(h) {
			r.meta = append(r.meta, i)
		}
	}
	return es
}

// The columns a rejects file adds to the file's own (revshare import usage
// --allow-partial, GET /imports/{id}/rejects?format=csv): the row's line
// and why it was rejected.
const (
	RejectLineColumn   = "rejected_line"
	RejectReasonColumn = "rejected_reason"
)

// IsRejectColumn says whether a header names one of the columns a rejects
// file adds. Reading a file, they are skipped rather than kept as event
// metadata: a rejects file, fixed and imported as the rejects message
// says, stored its old line and reason on each event, and the corrected
// original export then conflicted with every such event.
func IsRejectColumn(h string) bool {
	return strings.EqualFold(h, RejectLineColumn) || strings.EqualFold(h, RejectReasonColumn)
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

// utf16Encoding names the UTF-16 byte order whose byte-order mark starts
// the file, or "". Such a file (Excel's "Unicode Text", Windows tools)
// read as UTF-8 gives a header of one column of garbled names, and every
// required column reported missing.
func utf16Encoding(br *bufio.Reader) string {
	b, err := br.Peek(2)
	switch {
	case err != nil:
		return ""
	case b[0] == 0xFF && b[1] == 0xFE:
		return "UTF-16LE"
	case b[0] == 0xFE && b[1] == 0xFF:
		return "UTF-16BE"
	}
	return ""
}

// crLineEnds says whether a header read runs on past a carriage return:
// a file whose lines end in CR alone (classic Mac OS, some exporters),
// which CSV reads as one line, so that every row is in the header and the
// columns come out duplicated or missing.
func crLineEnds(head []string) bool {
	for _, h := range head {
		if strings.ContainsRune(strings.TrimSpace(h), '\r') {
			return true
		}
	}
	return false
}

// crLineEndsReason says what to do with such a file.
const crLineEndsReason = "the header runs on past a carriage return: the file's lines end in CR alone (classic Mac line ends), which CSV does not read as line ends; save it with LF or CRLF line ends and import that file"

// notUTF8 says what to do with a file in encoding enc.
func notUTF8(enc string) string {
	return fmt.Sprintf("the file is %s (it starts with a UTF-16 byte-order mark), not UTF-8: save it as CSV UTF-8 (in Excel: Save As, \"CSV UTF-8 (Comma delimited)\") and import that file", enc)
}

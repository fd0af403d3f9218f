package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// ImportDetailJSON is an import with the first page of its stored rejects
// (only partial imports store them); RejectsNext is the cursor of the next
// page of GET /imports/{id}/rejects when there are more.
type ImportDetailJSON struct {
	ledger.ImportBatch
	RejectColumns []string              `json:"reject_columns"` // the file's header, which the records follow
	Rejects       []ledger.ImportReject `json:"rejects"`
	RejectsNext   string                `json:"rejects_next,omitempty"`
}

// ImportRejectsJSON is a page of an import's stored rejects.
type ImportRejectsJSON struct {
	Columns    []string              `json:"columns"` // the file's header, which the records follow
	Items      []ledger.ImportReject `json:"items"`
	NextCursor string                `json:"next_cursor"` // "" on the last page
}

// importRejectsShown bounds the rejects shown inline with an import.
const importRejectsShown = 100

// importRejectsPage reads the rejects of import id after the request's
// cursor, at most limit, and the cursor of the next page.
func (s *Server) importRejectsPage(r *http.Request, id int64, limit int) (ImportRejectsJSON, error) {
	pg, after, err := idPageOf(r)
	if err != nil {
		return ImportRejectsJSON{}, err
	}
	if limit == 0 {
		limit = pg.limit
	}
	cols, err := s.read.Imports.ImportRejectColumns(r.Context(), id)
	if err != nil {
		return ImportRejectsJSON{}, err
	}
	rs, err := s.read.Imports.ImportRejects(r.Context(), id, int(after), limit+1)
	if err != nil {
		return ImportRejectsJSON{}, err
	}
	p := ImportRejectsJSON{Columns: cols}
	p.Items, p.NextCursor = cutPage(rs, limit, func(rj ledger.ImportReject) string { return strconv.Itoa(rj.Line) })
	if p.Columns == nil {
		p.Columns = []string{}
	}
	if p.Items == nil {
		p.Items = []ledger.ImportReject{}
	}
	return p, nil
}

// importWithRejects is an import and the first page of its rejects (from
// the request's cursor, for the web view).
func (s *Server) importWithRejects(r *http.Request) (ImportDetailJSON, error) {
	b, err := s.importDetail(r)
	if err != nil {
		return ImportDetailJSON{}, err
	}
	p, err := s.importRejectsPage(r, b.ID, importRejectsShown)
	if err != nil {
		return ImportDetailJSON{}, err
	}
	return ImportDetailJSON{ImportBatch: b, RejectColumns: p.Columns, Rejects: p.Items, RejectsNext: p.NextCursor}, nil
}

func (s *Server) listImportRejects(w http.ResponseWriter, r *http.Request) error {
	format, err := formatParam(r, "json", "csv")
	if err != nil {
		return err
	}
	id, err := idParam(r, "id", "import")
	if err != nil {
		return err
	}
	p, err := s.importRejectsPage(r, id, 0)
	if err != nil {
		return err
	}
	if format == "csv" {
		// As the CLI's rejects file: the file's columns, then rejected_line
		// and rejected_reason.
		header := append(append([]string(nil), p.Columns...), usage.RejectLineColumn, usage.RejectReasonColumn)
		rows := make([][]string, len(p.Items))
		for i, rj := range p.Items {
			rec := make([]string, len(header))
			copy(rec, rj.Record) // padded or cut to the header's width
			rec[len(rec)-2] = strconv.Itoa(rj.Line)
			rec[len(rec)-1] = rejectReason(rj.Errors)
			rows[i] = rec
		}
		return writeCSV(w, r, header, rows, p.NextCursor)
	}
	return writeJSON(w, http.StatusOK, p)
}

// rejectReason renders a row's errors as the CLI's rejects file does:
// `column C: value "V": reason`, joined with "; ".
func rejectReason(es []ledger.RejectError) string {
	parts := make([]string, len(es))
	for i, e := range es {
		re := usage.RowError{Column: e.Column, Value: e.Value, Reason: e.Reason}
		parts[i] = strings.TrimPrefix(re.Error(), ":0: ")
	}
	return strings.Join(parts, "; ")
}

// webImport is the web view's import page: the import, and its rejects
// under the file's columns (widened to the longest record).
type webImport struct {
	ImportDetailJSON
	Columns     []string
	RejectRows  []webReject
	RejectsMore string // the page of the next rejects
	Paged       bool   // the rejects start after a cursor
}

// webReject is a reject as the web view's import page shows it.
type webReject struct {
	Line   int
	Reason string
	Fields []string // the record, padded to the columns' width
}

func toWebImport(r *http.Request, d ImportDetailJSON) webImport {
	w := webImport{ImportDetailJSON: d, Columns: d.RejectColumns, Paged: r.URL.Query().Get("cursor") != ""}
	for _, rj := range d.Rejects {
		for len(w.Columns) < len(rj.Record) {
			w.Columns = append(w.Columns[:len(w.Columns):len(w.Columns)], "")
		}
	}
	for _, rj := range d.Rejects {
		fields := make([]string, len(w.Columns))
		copy(fields, rj.Record)
		w.RejectRows = append(w.RejectRows, webReject{Line: rj.Line, Reason: rejectReason(rj.Errors), Fields: fields})
	}
	w.RejectsMore = webNext(r, d.RejectsNext)
	return w
}

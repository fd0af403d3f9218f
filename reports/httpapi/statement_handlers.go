package httpapi

import (
	"bytes"
	"net/http"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

func (s *Server) listStatements(w http.ResponseWriter, r *http.Request) error {
	return serveList(w, r, s.statementsPage, statementsCSV)
}

// statementsPage reads a page of a contract's statements; the caller
// checks that there is a statements backend.
func (s *Server) statementsPage(r *http.Request) ([]reports.StatementSummary, string, error) {
	pg, err := pageOf(r)
	if err != nil {
		return nil, "", err
	}
	all, err := s.read.Statements.StatementPeriods(r.Context(), pathVar(r, "id"))
	if err != nil {
		return nil, "", err
	}
	// The page starts after the cursor's period (none when it is not there).
	started := pg.cursor == ""
	items, next := pageFrom(all, pg.limit, func(st reports.StatementSummary) bool {
		if !started {
			started = st.Period == pg.cursor
			return false
		}
		return true
	}, func(st reports.StatementSummary) string { return st.Period })
	return items, next, nil
}

var statementsCSV = csvTable[reports.StatementSummary]{
	header: []string{"period", "status", "hash"},
	row:    func(st reports.StatementSummary) []string { return []string{st.Period, st.Status, st.Hash} },
}

func (s *Server) getStatement(w http.ResponseWriter, r *http.Request) error {
	format, err := formatParam(r, "json", "csv", "md", "html")
	if err != nil {
		return err
	}
	return s.writeStatement(w, r, format)
}

// statementTypes is the Content-Type of each statement format.
var statementTypes = map[string]string{"json": "application/json", "csv": "text/csv; charset=utf-8",
	"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}

// statementDownloads is the file extension of each statement format that
// is saved rather than shown when asked for by name (?format=).
var statementDownloads = map[string]string{"json": "json", "csv": "csv", "md": "md"}

// writeStatement writes the statement the path names in format, for the
// API and the web view (HTML links point into the web view). The caller
// checks that there is a statements backend.
func (s *Server) writeStatement(w http.ResponseWriter, r *http.Request, format string) error {
	p, err := periodParam(r, "period")
	if err != nil {
		return err
	}
	st, err := s.read.Statements.Statement(r.Context(), pathVar(r, "id"), p)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "html" {
		err = st.RenderHTML(&buf, "/web")
	} else {
		err = st.Render(&buf, format)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", statementTypes[format])
	if ext := statementDownloads[format]; ext != "" && r.URL.Query().Get("format") != "" {
		setDownload(w, downloadName(r, ext))
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// CapJSON is a cap's standing, amounts as strings.
type CapJSON struct {
	Rule             string `json:"rule"`
	Shared           string `json:"shared,omitempty"`
	Kind             string `json:"kind"`
	Period           string `json:"period,omitempty"`
	Limit            string `json:"limit"`
	Consumed         string `json:"consumed"`
	Remaining        string `json:"remaining"`
	ProjectedBinding string `json:"projected_binding"`
}

// CapsJSON is the caps report of a contract as of a date.
type CapsJSON struct {
	Contract string    `json:"contract"`
	AsOf     string    `json:"as_of"`
	Caps     []CapJSON `json:"caps"`
}

func (s *Server) capsOf(r *http.Request) (CapsJSON, error) {
	asOf, err := dateParam(r, "as_of")
	if err != nil {
		return CapsJSON{}, err
	}
	id := pathVar(r, "id")
	cs, err := s.read.Caps.CapStatus(r.Context(), id, asOf)
	if err != nil {
		return CapsJSON{}, err
	}
	out := CapsJSON{Contract: id, AsOf: dateText(asOf), Caps: []CapJSON{}}
	for _, c := range cs {
		out.Caps = append(out.Caps, CapJSON{c.Rule, c.Shared, c.Kind, c.Period, ledger.FormatAmount(c.Limit), ledger.FormatAmount(c.Consumed), ledger.FormatAmount(c.Remaining), c.ProjectedBinding})
	}
	return out, nil
}

func (s *Server) getCaps(w http.ResponseWriter, r *http.Request) error {
	return serveReport(w, r, s.capsOf, func(c CapsJSON) ([]CapJSON, string) { return c.Caps, "" }, capsCSV)
}

var capsCSV = csvTable[CapJSON]{
	header: []string{"rule", "kind", "period", "limit", "consumed", "remaining", "projected_binding"},
	row: func(c CapJSON) []string {
		return []string{c.Rule, c.Kind, c.Period, c.Limit, c.Consumed, c.Remaining, c.ProjectedBinding}
	},
}

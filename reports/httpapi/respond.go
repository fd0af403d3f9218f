package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/revshare/revshare/ledger"
)

func pathVar(r *http.Request, name string) string { return mux.Vars(r)[name] }

// writeJSON writes v as JSON with status 200 (or the given status).
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// list is the JSON of every list endpoint.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"` // "" on the last page
}

// writeCSV writes a header and rows; the next page's cursor goes in the
// X-Next-Cursor header and a Link rel="next".
func writeCSV(w http.ResponseWriter, r *http.Request, header []string, rows [][]string, next string) error {
	var buf bytes.Buffer
	cw := ledger.NewCSVWriter(&buf)
	cw.Write(header)
	cw.WriteAll(rows)
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	if w.Header().Get("Content-Disposition") == "" {
		setDownload(w, downloadName(r, "csv"))
	}
	if next != "" {
		w.Header().Set("X-Next-Cursor", next)
		w.Header().Set("Link", "<"+nextURL(r, next)+`>; rel="next"`)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// setDownload names the file a browser saves the response as.
func setDownload(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
}

// downloadName is the file name of a download: the request's path after
// /api/v1 or /web, its parts joined by "-", then the query values that
// select the data (as_of, known_at, rule, batch, ...), and ext. Only
// [A-Za-z0-9._-] survive; anything else becomes "_" (so the name never
// needs quoting). The statements of a contract, for example, are
// "contracts-openai-microsoft-statements.csv", and the trial balance as of
// a date "trial-balance-as_of-2026-03-31.csv".
func downloadName(r *http.Request, ext string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, APIPrefix), "/web")
	parts := strings.FieldsFunc(path, func(c rune) bool { return c == '/' })
	q := r.URL.Query()
	for _, k := range ledger.SortedKeys(q) {
		if k == "format" || k == "cursor" || k == "limit" {
			continue
		}
		parts = append(parts, k, q.Get(k))
	}
	if len(parts) == 0 {
		parts = []string{"revshare"}
	}
	name := []byte(strings.Join(parts, "-"))
	for i, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			name[i] = '_'
		}
	}
	return string(name) + "." + ext
}

// csvTable is how the items of a list or report are written as CSV: its
// header, and an item's row.
type csvTable[T any] struct {
	header []string
	row    func(T) []string
}

// write writes items as CSV, a row an item (see writeCSV for next).
func (t csvTable[T]) write(w http.ResponseWriter, r *http.Request, items []T, next string) error {
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = t.row(it)
	}
	return writeCSV(w, r, t.header, rows, next)
}

// serveJSON answers a request for one thing (an event, an import, an
// entry): read's value as JSON with 200, or read's error.
func serveJSON[T any](w http.ResponseWriter, r *http.Request, read func(*http.Request) (T, error)) error {
	v, err := read(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// serveList answers a list request: it reads ?format= (json or csv), then
// the page, and writes it as CSV with t or as a JSON list.
func serveList[T any](w http.ResponseWriter, r *http.Request, read func(*http.Request) ([]T, string, error), t csvTable[T]) error {
	format, err := formatParam(r, "json", "csv")
	if err != nil {
		return err
	}
	items, next, err := read(r)
	if err != nil {
		return err
	}
	if format == "csv" {
		return t.write(w, r, items, next)
	}
	return writeJSON(w, http.StatusOK, list[T]{Items: items, NextCursor: next})
}

// serveReport answers a request for a report that is more than a list: it
// reads ?format= (json or csv), then the report; JSON is the report, CSV
// the rows of the items that rows picks from it, with their next page's
// cursor ("" when the items are all there is).
func serveReport[V, T any](w http.ResponseWriter, r *http.Request, read func(*http.Request) (V, error), rows func(V) ([]T, string), t csvTable[T]) error {
	format, err := formatParam(r, "json", "csv")
	if err != nil {
		return err
	}
	v, err := read(r)
	if err != nil {
		return err
	}
	if format == "csv" {
		items, next := rows(v)
		return t.write(w, r, items, next)
	}
	return writeJSON(w, http.StatusOK, v)
}

// nextURL is the request's URL with its cursor replaced.
func nextURL(r *http.Request, cursor string) string {
	q := r.URL.Query()
	q.Set("cursor", cursor)
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

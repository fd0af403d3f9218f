package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// maxRejectsShown bounds the rejected rows an HTTP import lists.
const maxRejectsShown = 1000

// ImportUsageJSON is the response of POST /imports/usage.
type ImportUsageJSON struct {
	Batch      int64       `json:"batch"`
	File       string      `json:"file"`
	Source     string      `json:"source"`
	SHA256     string      `json:"sha256"`
	DryRun     bool        `json:"dry_run"`
	Rows       int         `json:"rows"`
	Posted     int         `json:"posted"`
	Duplicates int         `json:"duplicates"`
	Rejected   int         `json:"rejected"`
	Late       int         `json:"late"`
	Entries    int         `json:"entries"`
	Rejects    []RowReject `json:"rejects"` // the first 1000 rejected rows (with allow_partial)
	// SameAsBatch, Warning and Note are usage.Import's: the earlier batch
	// of the same file; a warning when it was under another source (its
	// events posted again, the revenue counted twice); a note otherwise.
	SameAsBatch int64  `json:"same_as_batch,omitempty"`
	Warning     string `json:"warning,omitempty"`
	Note        string `json:"note,omitempty"`
}

// RowReject is one reason a row of an import was rejected.
type RowReject struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

func (s *Server) importUsage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	opts := usage.ImportOptions{Source: q.Get("source"), FileName: q.Get("file")}
	if opts.Source == "" {
		opts.Source = "default"
	}
	if opts.FileName == "" {
		opts.FileName = "upload.csv"
	}
	var err error
	if opts.AllowPartial, err = boolParam(r, "allow_partial"); err != nil {
		return err
	}
	if opts.DryRun, err = boolParam(r, "dry_run"); err != nil {
		return err
	}
	res, err := s.importUsageBody(r.Context(), r.Body, opts)
	countResult(s.metrics.ImportsTotal, err)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// importUsageBody spools the body to a temporary file (to hash it, which a
// partial import needs to be resumable), then imports it. A file with bad
// rows in the default mode is an EINVALID error naming the first ones.
func (s *Server) importUsageBody(ctx context.Context, body io.Reader, opts usage.ImportOptions) (ImportUsageJSON, error) {
	f, err := os.CreateTemp("", "revshare-upload-*.csv")
	if err != nil {
		return ImportUsageJSON{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), body); err != nil {
		return ImportUsageJSON{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ImportUsageJSON{}, err
	}
	opts.SHA256 = hex.EncodeToString(h.Sum(nil))
	res := ImportUsageJSON{File: opts.FileName, Source: opts.Source, SHA256: opts.SHA256, DryRun: opts.DryRun, Rejects: []RowReject{}}
	opts.OnReject = func(row *usage.Row) error {
		for _, e := range row.Errors {
			if len(res.Rejects) < maxRejectsShown {
				res.Rejects = append(res.Rejects, RowReject{Line: e.Line, Column: e.Column, Value: e.Value, Reason: e.Reason})
			}
		}
		return nil
	}
	done, err := usage.Import(ctx, s.write.Importer, s.write.Imports, f, opts)
	var fileErrs usage.RowErrors
	switch {
	case errors.As(err, &fileErrs):
		return ImportUsageJSON{}, ledger.Errorf(ledger.EINVALID, "%s", firstLines(fileErrs.Error(), 20))
	case errors.Is(err, usage.ErrBadRows):
		var b strings.Builder
		b.WriteString(ledger.ErrorMessage(err))
		for i, rj := range res.Rejects {
			if i == 20 {
				fmt.Fprintf(&b, "; and %d more", len(res.Rejects)-20)
				break
			}
			fmt.Fprintf(&b, "; line %d", rj.Line)
			if rj.Column != "" {
				fmt.Fprintf(&b, " column %s value %q", rj.Column, rj.Value)
			}
			b.WriteString(": " + rj.Reason)
		}
		return ImportUsageJSON{}, ledger.Errorf(ledger.EINVALID, "%s", b.String())
	case err != nil:
		return ImportUsageJSON{}, err
	}
	res.Batch, res.Rows, res.Posted, res.Duplicates, res.Rejected, res.Late, res.Entries = done.BatchID, done.Rows, done.Posted, done.Duplicates, done.Rejected, done.Late, done.Entries
	if done.SameAs != nil {
		res.SameAsBatch = done.SameAs.ID
	}
	res.Warning, res.Note = done.Warning, done.Note
	return res, nil
}

// firstLines joins the first n lines of s with "; ", saying how many more
// there are.
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("and %d more", len(lines)-n))
	}
	return strings.Join(lines, "; ")
}

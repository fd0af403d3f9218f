// Package sqlitebackend adapts the SQLite store (ledger/sqlite) to the
// interfaces of package httpapi. cmd/revshare wires it; the API's tests use
// it too, so that they run against real SQLite.
package sqlitebackend

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports/httpapi"
)

// Fill fills the parts of b that SQLite provides: the ledger, verify,
// events and imports (all reads go through db), and, when db is the
// read-write connection, usage imports and token management.
func Fill(b *httpapi.Backend, db *sqlite.DB, writable bool) {
	b.Ledger = db
	b.Verifier = Verifier{db}
	b.Events = Events{db}
	b.Imports = Imports{db}
	if writable {
		b.UsageImporter = UsageImporter{db}
		b.Tokens = TokenAdmin{db}
	}
}

// Version reports SQLite's data_version on one dedicated connection: it
// changes whenever another connection (of this process or another one)
// commits, which is every write, since this connection never writes.
type Version struct {
	mu   sync.Mutex
	conn *sql.Conn
}

// NewVersion takes a connection from db's read pool for good; Close gives
// it back.
func NewVersion(ctx context.Context, db *sqlite.DB) (*Version, error) {
	c, err := db.Reader().Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &Version{conn: c}, nil
}

// DataVersion returns the current data version.
func (v *Version) DataVersion(ctx context.Context) (int64, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var n int64
	err := v.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&n)
	return n, err
}

// Close releases the connection.
func (v *Version) Close() error { return v.conn.Close() }

// Auth authenticates bearer tokens against the token table.
type Auth struct{ DB *sqlite.DB }

// Authenticate returns the token's principal; EUNAUTHORIZED when unknown or revoked.
func (a Auth) Authenticate(ctx context.Context, tok string) (httpapi.Principal, error) {
	t, err := a.DB.AuthenticateToken(ctx, tok)
	if err != nil {
		return httpapi.Principal{}, err
	}
	role, err := httpapi.ParseRole(t.Role)
	if err != nil {
		return httpapi.Principal{}, err
	}
	return httpapi.Principal{TokenID: t.ID, Name: t.Name, Role: role}, nil
}

// TokenAdmin manages tokens for the admin routes.
type TokenAdmin struct{ DB *sqlite.DB }

// ListTokens lists every token, revoked ones included.
func (a TokenAdmin) ListTokens(ctx context.Context) ([]httpapi.TokenInfo, error) {
	ts, err := a.DB.Tokens(ctx)
	out := make([]httpapi.TokenInfo, len(ts))
	for i, t := range ts {
		out[i] = httpapi.TokenInfo(t)
	}
	return out, err
}

// CreateToken stores a new token and returns its secret.
func (a TokenAdmin) CreateToken(ctx context.Context, name string, role httpapi.Role) (httpapi.TokenInfo, string, error) {
	t, secret, err := a.DB.CreateToken(ctx, name, string(role))
	return httpapi.TokenInfo(t), secret, err
}

// RevokeToken revokes a token (ENOTFOUND, ECONFLICT when already revoked).
func (a TokenAdmin) RevokeToken(ctx context.Context, id int64) error {
	return a.DB.RevokeToken(ctx, id)
}

// Verifier reports the first violation of an invariant as a result.
type Verifier struct{ DB *sqlite.DB }

// Verify runs every check of the database.
func (v Verifier) Verify(ctx context.Context) (httpapi.VerifyResult, error) {
	res, err := v.DB.VerifyReport(ctx)
	var ve *sqlite.VerifyError
	if errors.As(err, &ve) {
		return httpapi.VerifyResult{Violation: ve.Error(), EntryID: ve.EntryID}, nil
	}
	if err != nil {
		return httpapi.VerifyResult{}, err
	}
	return httpapi.VerifyResult{OK: true, Entries: res.Entries, HeadHash: res.HeadHash}, nil
}

// Events reads stored usage events.
type Events struct{ DB *sqlite.DB }

// Event returns one event (ENOTFOUND if there is none).
func (e Events) Event(ctx context.Context, id int64) (ledger.Event, error) {
	evs, err := e.DB.Events(ctx, sqlite.EventFilter{AfterID: id - 1, Limit: 1})
	if err != nil {
		return ledger.Event{}, err
	}
	if len(evs) == 0 || evs[0].ID != id {
		return ledger.Event{}, ledger.Errorf(ledger.ENOTFOUND, "event %d not found", id)
	}
	return evs[0], nil
}

// Events returns one page of events.
func (e Events) Events(ctx context.Context, f httpapi.EventFilter) ([]ledger.Event, error) {
	return e.DB.Events(ctx, sqlite.EventFilter{EntryID: f.EntryID, BatchID: f.BatchID, Source: f.Source, Seller: f.Seller,
		Channel: f.Channel, Customer: f.Customer, Product: f.Product, Region: f.Region, Currency: f.Currency,
		From: f.From, To: f.To, AfterID: f.AfterID, Limit: f.Limit})
}

// EventsByID returns the events with these IDs, in the order given.
func (e Events) EventsByID(ctx context.Context, ids []int64) ([]ledger.Event, error) {
	return e.DB.EventsByID(ctx, ids)
}

// Imports reads import batches.
type Imports struct{ DB *sqlite.DB }

func batchOf(b sqlite.ImportBatch) httpapi.ImportBatch {
	return httpapi.ImportBatch{ID: b.ID, Kind: b.Kind, Source: b.Source, File: b.FileName, SHA256: b.SHA256, Mode: b.Mode, Status: b.Status,
		Rows: b.Rows, Posted: b.Posted, Duplicates: b.Duplicates, Rejected: b.Rejected, Late: b.Late, Entries: b.Entries,
		StartedAt: b.StartedAt, FinishedAt: b.FinishedAt}
}

// ImportBatches lists batches after a cursor.
func (i Imports) ImportBatches(ctx context.Context, afterID int64, limit int) ([]httpapi.ImportBatch, error) {
	bs, err := i.DB.Imports(ctx, afterID, limit)
	out := make([]httpapi.ImportBatch, len(bs))
	for k, b := range bs {
		out[k] = batchOf(b)
	}
	return out, err
}

// ImportBatch returns one batch.
func (i Imports) ImportBatch(ctx context.Context, id int64) (httpapi.ImportBatch, error) {
	b, err := i.DB.Import(ctx, id)
	return batchOf(b), err
}

// ImportRejects returns a page of a batch's stored rejects.
func (i Imports) ImportRejects(ctx context.Context, batchID int64, afterLine, limit int) ([]httpapi.ImportReject, error) {
	rs, err := i.DB.ImportRejects(ctx, batchID, afterLine, limit)
	out := make([]httpapi.ImportReject, len(rs))
	for k, r := range rs {
		es := make([]httpapi.RejectError, len(r.Errors))
		for j, e := range r.Errors {
			es[j] = httpapi.RejectError{Column: e.Column, Value: e.Value, Reason: e.Reason}
		}
		out[k] = httpapi.ImportReject{Line: r.Line, Errors: es, Record: r.Record}
	}
	return out, err
}

// ImportRejectColumns returns the header of a batch's file.
func (i Imports) ImportRejectColumns(ctx context.Context, batchID int64) ([]string, error) {
	return i.DB.ImportRejectColumns(ctx, batchID)
}

// maxRejectsShown bounds the rejected rows an HTTP import lists.
const maxRejectsShown = 1000

// UsageImporter imports a usage CSV posted over HTTP.
type UsageImporter struct{ DB *sqlite.DB }

// ImportResult is the response of POST /imports/usage.
type ImportResult struct {
	Batch      int64               `json:"batch"`
	File       string              `json:"file"`
	Source     string              `json:"source"`
	SHA256     string              `json:"sha256"`
	DryRun     bool                `json:"dry_run"`
	Rows       int                 `json:"rows"`
	Posted     int                 `json:"posted"`
	Duplicates int                 `json:"duplicates"`
	Rejected   int                 `json:"rejected"`
	Late       int                 `json:"late"`
	Entries    int                 `json:"entries"`
	Rejects    []httpapi.RowReject `json:"rejects"` // the first 1000 rejected rows (with allow_partial)
}

// ImportUsage spools the body to a temporary file (to hash it, which a
// partial import needs to be resumable), then imports it. A file with bad
// rows in the default mode is an EINVALID error naming the first ones.
func (u UsageImporter) ImportUsage(ctx context.Context, body io.Reader, o httpapi.ImportOptions) (any, error) {
	f, err := os.CreateTemp("", "revshare-upload-*.csv")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), body); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	res := ImportResult{File: o.File, Source: o.Source, SHA256: hex.EncodeToString(h.Sum(nil)), DryRun: o.DryRun, Rejects: []httpapi.RowReject{}}
	opts := sqlite.ImportOptions{Source: o.Source, FileName: o.File, SHA256: res.SHA256, AllowPartial: o.AllowPartial, DryRun: o.DryRun,
		OnReject: func(row *usage.Row) error {
			for _, e := range row.Errors {
				if len(res.Rejects) < maxRejectsShown {
					res.Rejects = append(res.Rejects, httpapi.RowReject{Line: e.Line, Column: e.Column, Value: e.Value, Reason: e.Reason})
				}
			}
			return nil
		}}
	r, err := u.DB.ImportUsage(ctx, f, opts)
	var fileErrs usage.RowErrors
	switch {
	case errors.As(err, &fileErrs):
		return nil, ledger.Errorf(ledger.EINVALID, "%s", firstLines(fileErrs.Error(), 20))
	case errors.Is(err, sqlite.ErrBadRows):
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
		return nil, ledger.Errorf(ledger.EINVALID, "%s", b.String())
	case err != nil:
		return nil, err
	}
	res.Batch, res.Rows, res.Posted, res.Duplicates, res.Rejected, res.Late, res.Entries = r.BatchID, r.Rows, r.Posted, r.Duplicates, r.Rejected, r.Late, r.Entries
	return res, nil
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("and %d more", len(lines)-n))
	}
	return strings.Join(lines, "; ")
}

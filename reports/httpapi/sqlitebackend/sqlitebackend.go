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
	b.Verifier = db
	b.Events = db
	b.Imports = db
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
func (a TokenAdmin) ListTokens(ctx context.Context) ([]ledger.Token, error) {
	return a.DB.Tokens(ctx)
}

// CreateToken stores a new token and returns its secret.
func (a TokenAdmin) CreateToken(ctx context.Context, name string, role httpapi.Role) (ledger.Token, string, error) {
	return a.DB.CreateToken(ctx, name, string(role))
}

// RevokeToken revokes a token (ENOTFOUND, ECONFLICT when already revoked).
func (a TokenAdmin) RevokeToken(ctx context.Context, id int64) error {
	return a.DB.RevokeToken(ctx, id)
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
	opts := usage.ImportOptions{Source: o.Source, FileName: o.File, SHA256: res.SHA256, AllowPartial: o.AllowPartial, DryRun: o.DryRun,
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

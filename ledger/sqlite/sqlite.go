// Package sqlite is the SQLite storage of revshare (placeholder until the
// ledger core lands).
package sqlite

import (
	"context"
	"errors"

	"github.com/revshare/revshare/ledger"
)

// DB is the SQLite store.
type DB struct{}

// Open opens (creating if needed) the database at path.
func Open(ctx context.Context, path string, clock ledger.Clock) (*DB, error) {
	return nil, errors.New("not implemented")
}

// Close closes the database.
func (db *DB) Close() error { return nil }

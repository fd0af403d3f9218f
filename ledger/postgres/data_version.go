package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// DataVersion returns the book's data version (migrations/0080): it
// changes whenever a write commits, from this process or another, and only
// then. The server tags its caches with it (httpapi.Versioner). It only
// reads, so a read-only DB serves it too.
func (db *DB) DataVersion(ctx context.Context) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `SELECT n FROM data_version`).Scan(&n)
	return n, err
}

// bumpDataVersion moves the data version in a write transaction about to
// commit.
func bumpDataVersion(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE data_version SET n = n + 1`)
	return err
}

package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// DataVersion reports SQLite's data_version on one dedicated connection: it
// changes whenever another connection (of this process or another one)
// commits, which is every write, since this connection never writes. The
// REST API tags its caches with it.
type DataVersion struct {
	mu   sync.Mutex
	conn *sql.Conn
}

// NewDataVersion takes a connection from db's read pool for good; Close
// gives it back.
func NewDataVersion(ctx context.Context, db *DB) (*DataVersion, error) {
	c, err := db.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &DataVersion{conn: c}, nil
}

// DataVersion returns the current data version.
func (v *DataVersion) DataVersion(ctx context.Context) (int64, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var n int64
	err := v.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&n)
	return n, err
}

// Close releases the connection.
func (v *DataVersion) Close() error { return v.conn.Close() }

// Package postgres is the PostgreSQL journal: ledger.Journal on a server
// (github.com/jackc/pgx/v5), for books that outgrow one SQLite file. It
// passes the same suite as ledger/sqlite (ledger/storetest) and enforces
// the same invariants in the database itself: see migrations/0001 and
// docs/postgres.md.
//
// Writers serialize on a transaction-scoped advisory lock (one per schema):
// the hash chain gives every entry one predecessor, so two concurrent posts
// cannot both be right; queueing them costs a wait, where SERIALIZABLE would
// let both do their work and then throw one away.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/revshare/revshare/ledger"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a journal in one PostgreSQL schema (the connection's search_path:
// add search_path=NAME to the URL to keep several books in one database).
type DB struct {
	pool  *pgxpool.Pool
	clock ledger.Clock

	mu       sync.Mutex
	accounts map[string]int64 // committed accounts by name (they never change)
}

// Open connects to the database at url (postgres://user@host:port/db?...),
// applies the embedded migrations that are not yet recorded, and returns the
// journal. clock gives "now" for recorded-at instants (nil means
// ledger.SystemClock).
func Open(ctx context.Context, url string, clock ledger.Clock) (*DB, error) {
	if clock == nil {
		clock = ledger.SystemClock{}
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, ledger.Errorf(ledger.EINVALID, "invalid PostgreSQL URL: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	db := &DB{pool: pool, clock: clock, accounts: map[string]int64{}}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool is the connection pool, for tests and for sibling packages' reads.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Advisory lock keys (pg_advisory_xact_lock's two-int form): the class is
// fixed, the object is the schema, so books in two schemas do not wait on
// each other (advisory locks are per database already).
const (
	writerLockClass  = 0x52565301 // "RVS" 1: journal writers
	migrateLockClass = 0x52565302 // "RVS" 2: migrations
)

func lockSQL(class int) string {
	return "SELECT pg_advisory_xact_lock(" + strconv.Itoa(class) + ", hashtext(current_schema()))"
}

type migration struct {
	version int
	name    string // file name, "0001_journal.sql"
	sql     string
}

// migrations returns the embedded NNNN_name.sql files in version order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(base[:min(4, len(base))])
		if len(base) < 6 || base[4] != '_' || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		if len(ms) > 0 && ms[len(ms)-1].version == v {
			return nil, fmt.Errorf("migrations %s and %s share a number", ms[len(ms)-1].name, base)
		}
		b, err := fs.ReadFile(migrationFS, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, base, string(b)})
	}
	return ms, nil
}

// migrate applies each migration not yet recorded in schema_migrations, in
// order, each in its own transaction with its record (numbers may have
// gaps). An advisory lock lets concurrent Opens of one book take turns. A
// book whose schema is newer than this binary's migrations is refused.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, lockSQL(migrateLockClass)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    integer PRIMARY KEY,
				name       text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				return err
			}
			var newest int
			var applied bool
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0), coalesce(bool_or(version = $1), false) FROM schema_migrations`,
				m.version).Scan(&newest, &applied); err != nil {
				return err
			}
			if last := ms[len(ms)-1]; newest > last.version {
				return ledger.Errorf(ledger.EINVALID, "the database's schema is at migration %d, newer than this revshare's %d (%s): upgrade revshare",
					newest, last.version, last.name)
			}
			if applied {
				return nil
			}
			// Several statements: the simple protocol (no arguments) runs them in order.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// cachedAccounts returns the IDs of the committed accounts among names.
func (db *DB) cachedAccounts(names []string) (found map[string]int64, missing []string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	found = make(map[string]int64, len(names))
	for _, n := range names {
		if id, ok := db.accounts[n]; ok {
			found[n] = id
		} else {
			missing = append(missing, n)
		}
	}
	return found, missing
}

func (db *DB) cacheAccounts(m map[string]int64) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for n, id := range m {
		db.accounts[n] = id
	}
}

// errorCode is the SQLSTATE of a PostgreSQL error ("" for other errors).
func errorCode(err error) string {
	var pe interface{ SQLState() string }
	if errors.As(err, &pe) {
		return pe.SQLState()
	}
	return ""
}

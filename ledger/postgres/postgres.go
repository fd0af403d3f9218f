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
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/revshare/revshare/internal/migrate"
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
	accounts map[string]int64      // committed accounts by name (they never change)
	names    map[int64]accountName // committed accounts by ID, as the trial balance met them; never changed once handed out

	lockTimeout time.Duration       // how long a writer waits for the writer lock (SetLockTimeout)
	onLockWait  func(holder string) // told once per wait, when not nil
}

// Open connects to the database at url (postgres://user@host:port/db?...),
// applies the embedded migrations that are not yet recorded, and returns the
// journal. clock gives "now" for recorded-at instants (nil means
// ledger.SystemClock).
func Open(ctx context.Context, url string, clock ledger.Clock) (*DB, error) {
	db, err := connect(ctx, url, clock, false)
	if err != nil {
		return nil, err
	}
	return db.migrated(ctx, url)
}

// migrated applies db's pending migrations (migrate) and returns db, or
// closes it and returns the error.
func (db *DB) migrated(ctx context.Context, url string) (*DB, error) {
	if err := db.migrate(ctx, url); err != nil {
		db.Close()
		var cm *cannotMigrateError
		if errors.As(err, &cm) {
			return nil, err
		}
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// OpenExisting is Open for a book that exists already: a schema without
// revshare's tables is refused with a *NoBookError before anything is
// created in it (a command that cannot start a book must not leave an
// empty one behind).
func OpenExisting(ctx context.Context, url string, clock ledger.Clock) (*DB, error) {
	db, err := connect(ctx, url, clock, false)
	if err != nil {
		return nil, err
	}
	st, err := db.migrationState(ctx)
	if err == nil && !st.exists {
		err = noBook(Redact(url))
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db.migrated(ctx, url)
}

// NoBookError is a schema without revshare's tables, which OpenReadOnly
// and OpenExisting refuse. It unwraps to the *ledger.Error that says so.
type NoBookError struct{ err *ledger.Error }

func (e *NoBookError) Error() string { return e.err.Error() }
func (e *NoBookError) Unwrap() error { return e.err }

// noBook is the *NoBookError of the book named name (its redacted URL).
func noBook(name string) error {
	return &NoBookError{ledger.Errorf(ledger.EINVALID, "%s is not a revshare database (no revshare tables in its schema)", name)}
}

// OpenReadOnly connects to an existing book at url without changing it:
// every transaction of its connections is read-only
// (default_transaction_read_only), so a write through it fails, and no
// migration runs. A schema without revshare's tables, or one missing a
// migration of this binary, is refused.
func OpenReadOnly(ctx context.Context, url string) (*DB, error) {
	db, err := connect(ctx, url, nil, true)
	if err != nil {
		return nil, err
	}
	if err := db.checkMigrated(ctx, Redact(url)); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// connect opens a pool on url and checks that the server answers; an
// unreachable one is named by its URL without the password.
func connect(ctx context.Context, url string, clock ledger.Clock, readOnly bool) (*DB, error) {
	if clock == nil {
		clock = ledger.SystemClock{}
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, ledger.Errorf(ledger.EINVALID, "invalid PostgreSQL URL %s: %v", Redact(url), err)
	}
	params := cfg.ConnConfig.RuntimeParams
	if params["application_name"] == "" {
		params["application_name"] = "revshare"
	}
	if readOnly {
		params["default_transaction_read_only"] = "on"
	}
	// revshare's statements read by index; on a large book a plan's
	// estimate can still pass jit_above_cost, and compiling it with LLVM
	// then costs more than running it (the as-of view on the 1M book:
	// 40-60 ms a call), while a run's GROUP BY over a million events
	// gains nothing from it (docs/postgres.md, "JIT"). A URL that sets
	// jit keeps its choice.
	if _, ok := params["jit"]; !ok {
		params["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		if errorCode(err) == "3D000" { // invalid_catalog_name: a mistyped database name
			return nil, ledger.Errorf(ledger.ENOTFOUND, "there is no database %q on the PostgreSQL server of %s: revshare does not create databases (create it with createdb %s, or check --db)",
				cfg.ConnConfig.Database, Redact(url), cfg.ConnConfig.Database)
		}
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w", Redact(url), rootCause(err))
	}
	return &DB{pool: pool, clock: clock, accounts: map[string]int64{}}, nil
}

// rootCause is the innermost error of err's chain (the first one where
// errors join): what the driver's connect error wraps, attempt by
// attempt, says the same thing once.
func rootCause(err error) error {
	for {
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			if e.Unwrap() == nil {
				return err
			}
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			if len(e.Unwrap()) == 0 {
				return err
			}
			err = e.Unwrap()[0]
		default:
			return err
		}
	}
}

// Redact returns url with its password, if any, replaced by xxxxx: what
// messages may show of a database URL.
func Redact(rawURL string) string {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return "(an unparsable PostgreSQL URL)"
	}
	return u.Redacted()
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

// migration is one embedded migration file (migrate.Files).
type migration = migrate.File

// migrations returns the embedded NNNN_name.sql files in number order.
func migrations() ([]migration, error) { return migrate.Files(migrationFS) }

// migrate applies each migration not yet recorded in schema_migrations, in
// order, each in its own transaction with its record (numbers may have
// gaps). An advisory lock lets concurrent Opens of one book take turns. A
// book whose schema is newer than this binary's migrations is refused.
// When nothing is pending it takes no lock and changes nothing, so a login
// role that does not own the schema (docs/postgres.md, "Two roles") opens
// a migrated book; one that meets a pending migration is told to run
// revshare migrate with the owner's URL. After applying any, the owner
// grants the login roles (login_roles) what the migrations added.
func (db *DB) migrate(ctx context.Context, url string) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	st, err := db.migrationState(ctx)
	if err != nil {
		return err
	}
	if err := checkNotNewer(st.names, ms); err != nil {
		return err
	}
	pending := st.pending(ms)
	if len(pending) == 0 {
		if !st.mayMigrate {
			return db.refuseReader(ctx, Redact(url), st.user)
		}
		return nil
	}
	if !st.mayMigrate {
		return &cannotMigrateError{st.cannotMigrate(Redact(url), pending)}
	}
	applied, err := db.applyMigrations(ctx, ms)
	if err != nil {
		return err
	}
	if !applied {
		return nil
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL(migrateLockClass)); err != nil {
			return err
		}
		return regrant(ctx, tx)
	})
}

// migrationSteps are Go steps of migrations, run after the migration's SQL
// in its transaction (for what SQL cannot compute).
var migrationSteps = map[string]func(ctx context.Context, tx pgx.Tx) error{
	"0098_fact_chain.sql": sealAll,
}

// applyMigrations applies each of ms not yet recorded in
// schema_migrations, in order, each in its own transaction with its
// record, and says whether it applied any.
func (db *DB) applyMigrations(ctx context.Context, ms []migration) (bool, error) {
	applied := false
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
			// Read again under the lock: a newer revshare may have migrated
			// the book since migrationState.
			recorded, err := appliedMigrations(ctx, tx)
			if err != nil {
				return err
			}
			if err := checkNotNewer(recorded, ms); err != nil {
				return err
			}
			if _, done := recorded[m.Version]; done {
				return nil
			}
			// Several statements: the simple protocol (no arguments) runs them in order.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if step := migrationSteps[m.Name]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("%s: %w", m.Name, err)
				}
			}
			applied = true
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// checkNotNewer refuses a book that records a migration (applied: names
// by version) not among this binary's migrations ms, above its newest or
// in a gap below it: a newer revshare applied it, and this one would
// half-understand the book.
func checkNotNewer(applied map[int]string, ms []migration) error {
	known := make(map[int]bool, len(ms))
	for _, m := range ms {
		known[m.Version] = true
	}
	var versions []int
	for v := range applied {
		if !known[v] {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return nil
	}
	slices.Sort(versions)
	unknown := make([]string, len(versions))
	for i, v := range versions {
		unknown[i] = applied[v]
	}
	return ledger.Errorf(ledger.EINVALID, "%s", migrate.NewerSchema(unknown))
}

// appliedMigrations reads schema_migrations: names by version.
func appliedMigrations(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (map[int]string, error) {
	rows, err := q.Query(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	var v int32
	var name string
	_, err = pgx.ForEachRow(rows, []any{&v, &name}, func() error {
		names[int(v)] = name
		return nil
	})
	return names, err
}

// checkMigrated refuses a schema that is not a revshare book, or whose
// migrations are not those of this binary; name is the book's URL for the
// messages.
func (db *DB) checkMigrated(ctx context.Context, name string) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	applied, err := appliedMigrations(ctx, db.pool)
	if errorCode(err) == "42501" { // insufficient_privilege: a login role not granted (docs/postgres.md, "Two roles")
		return ledger.Errorf(ledger.EINVALID, "%s: the connection's role may not read the book (with the schema owner's URL: revshare grant ROLE)", name)
	}
	if errorCode(err) == "42P01" || err == nil && len(applied) == 0 { // undefined_table
		return noBook(name)
	}
	if err != nil {
		return err
	}
	if err := checkNotNewer(applied, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if _, have := applied[m.Version]; !have {
			return fmt.Errorf("open %s read-only: migration %s not applied (apply it with revshare migrate, as the schema's owner)", name, m.Name)
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

// bookkeepingTables hold rows in an empty book too.
var bookkeepingTables = map[string]bool{"schema_migrations": true, "data_version": true, "journal_head": true, "login_roles": true}

// TablesWithRows names the tables of the book's schema that hold rows, in
// name order: none in a book nothing was written to (the copy and the demo
// write only into such a book).
func (db *DB) TablesWithRows(ctx context.Context) ([]string, error) {
	return tablesWithRows(ctx, db.pool)
}

// tableQuerier is a pool or a transaction.
type tableQuerier interface {
	querier
	rowQuerier
}

func tablesWithRows(ctx context.Context, q tableQuerier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename COLLATE "C"`)
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var full []string
	for _, t := range tables {
		if bookkeepingTables[t] {
			continue
		}
		var any bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT FROM `+pgx.Identifier{t}.Sanitize()+`)`).Scan(&any); err != nil {
			return nil, err
		}
		if any {
			full = append(full, t)
		}
	}
	return full, nil
}

// Restore runs fill in one write transaction on a book that holds nothing
// yet, and commits if it returns nil: for a copy of a whole book from
// another store, rows as they are (IDs, instants, hashes). The tables'
// triggers check what fill writes as they check any write. A book with
// rows is refused, naming the tables that hold them.
func (db *DB) Restore(ctx context.Context, fill func(ctx context.Context, tx pgx.Tx) error) error {
	return db.write(ctx, func(w *writer) error {
		full, err := tablesWithRows(w.ctx, w.tx)
		if err != nil {
			return err
		}
		if len(full) > 0 {
			return ledger.Errorf(ledger.ECONFLICT, "the target already holds a book (rows in %s): copy into an empty database or schema", strings.Join(full, ", "))
		}
		if err := fill(w.ctx, w.tx); err != nil {
			return err
		}
		// The copied rows are sealed here, as a book upgraded by migration
		// 0098 is: the source's chain words SQLite's instants (to the
		// nanosecond), which PostgreSQL keeps to the microsecond.
		return sealAll(w.ctx, w.tx)
	})
}

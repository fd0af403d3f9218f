// Package sqlite is the SQLite storage of revshare: the double-entry journal
// (this file, tx.go, post.go, post_fast.go, journal.go, verify.go) and, in
// sibling files, the other storage interfaces of the domain.
//
// A DB holds two connection pools on one file: a single writer connection
// whose transactions start with BEGIN IMMEDIATE (so writers serialize and
// never fail half-way with SQLITE_BUSY on lock upgrade), and a pool of
// query-only readers. The database runs in WAL mode, so readers see a
// consistent snapshot while a writer appends.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/internal/migrate"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// driverName is go-sqlite3 with revshare's per-connection settings:
// cell_size_check=ON checks each b-tree page as it is read, so that a
// command that reads a damaged page fails with SQLITE_CORRUPT instead of
// reading past it (quickcheck.go). temp_store stays SQLite's default (FILE):
// a statement journal stays in memory up to 64 KiB and spills to a temporary
// file beyond; with temp_store=MEMORY the journals of an import's large
// multi-row statements held up to 180 MB, and the import of 100,000 events
// into a book of 1M took 435 MB and 25% more CPU (docs/design/speed.md).
const driverName = "sqlite3_revshare"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA cell_size_check = ON", nil)
			return err
		},
	})
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a connection waits for a lock before SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// DB implements the services of the domain packages that storage provides.
var (
	_ ledger.Journal          = (*DB)(nil)
	_ ledger.EventStore       = (*DB)(nil)
	_ ledger.ImportStore      = (*DB)(nil)
	_ ledger.TokenStore       = (*DB)(nil)
	_ ledger.Verifier         = (*DB)(nil)
	_ usage.Importer          = (*DB)(nil)
	_ contracts.ContractStore = (*DB)(nil)
	_ books.Store             = booksStore{}
	_ books.Verifier          = (*DB)(nil)
)

// DB is the SQLite store. It implements ledger.Journal.
type DB struct {
	path     string
	w        *sql.DB // the one writer connection (nil when read-only)
	r        *sql.DB // query-only readers
	clock    ledger.Clock
	readOnly bool
	newBook  bool // OpenNewBook's: rollback journal and no syncs until Close
	// walAtOpen: a -wal file was beside the database when it was opened
	// (a writer's, or left by a killed process, or another copy's); damage
	// messages then say how to tell (damageCure).
	walAtOpen bool

	accounts accountCache // name -> id; accounts are immutable

	slowPostOnly bool // tests: PostEntries skips its fast path

	lockTimeout time.Duration       // see SetLockTimeout
	onLockWait  func(holder string) // see SetLockTimeout

	prepareOnce sync.Once
	writeStmts  map[string]*sql.Stmt // by query; see prepareWriteStmts
	prepareErr  error

	raw     rawWriter   // execRows' statements on the writer's driver connection
	closing atomic.Bool // Close has begun (see releaseWriter)

	check *fileVerdict // the check StartQuickCheck began (nil: none)
	// checkedAtOpen: Open checked the whole file with the -wal a crash left
	// (checkUnownedWAL), so the check before a write has its verdict.
	checkedAtOpen bool
}

var _ ledger.Journal = (*DB)(nil)

// dsn builds the go-sqlite3 connection string. synchronous=FULL: a commit
// that returned is on disk even after a power loss; the ledger is the
// system of record and the cost (one fsync per commit in WAL mode) is paid
// once per transaction, which batching amortizes.
func dsn(path string, extra url.Values) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_foreign_keys", "on")
	v.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	v.Set("_synchronous", "FULL")
	for k, vals := range extra {
		v[k] = vals
	}
	return "file:" + escapePath(path) + "?" + v.Encode()
}

// escapePath makes a file path safe inside a file: URI.
func escapePath(p string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(p)
}

// Open opens the database at path, creating it if needed, and applies the
// embedded migrations that are not yet recorded. clock gives "now" for
// recorded-at timestamps (nil means ledger.SystemClock).
func Open(ctx context.Context, path string, clock ledger.Clock) (*DB, error) {
	return open(ctx, path, clock, false)
}

// OpenNewBook creates a book at path, where no file may be yet, for a
// caller that alone opens it until it puts the file in place: a first
// import builds its book under a temporary name (cmd/revshare's
// newBookStore). Until Close the book is written with a rollback journal
// and no syncs: in WAL mode every page went to the -wal, was read back
// and copied into the file at the checkpoint, 0.13–0.20 of the CPU of a
// first import of 1M events (docs/design/speed.md, section 2, session
// 22). A rollback (a refused file, a chunk of --allow-partial, the posting
// path's fallback) undoes what it did as in WAL mode; a crash leaves a
// file that may be damaged, which the caller throws away unseen. Close
// puts the book in WAL mode and syncs it to disk, so what is put in place
// is a book like any other.
func OpenNewBook(ctx context.Context, path string, clock ledger.Clock) (*DB, error) {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil, ledger.Errorf(ledger.ECONFLICT, "cannot build a new book at %s: something is there already", path)
	}
	return open(ctx, path, clock, true)
}

func open(ctx context.Context, path string, clock ledger.Clock, newBook bool) (*DB, error) {
	if clock == nil {
		clock = ledger.SystemClock{}
	}
	if path == "" {
		return nil, ledger.Errorf(ledger.EINVALID, "no database path given")
	}
	if fi, err := os.Stat(path); err == nil {
		switch {
		case fi.IsDir():
			return nil, ledger.Errorf(ledger.EINVALID, "%s is a directory, not a database", path)
		case !fi.Mode().IsRegular():
			return nil, notAFile(path)
		case fi.Size() == 0:
			// A book truncated by accident: SQLite takes an empty file for
			// a new database, and every writer made it a new empty book
			// (deleting a -wal beside it) where readers refused it.
			return nil, emptyFile(path)
		}
	}
	walBefore := hasWAL(path)
	checked := false
	if walBefore {
		var err error
		if checked, err = checkUnownedWAL(ctx, path); err != nil {
			return nil, err
		}
	}
	writer := url.Values{"_txlock": {"immediate"}, "_busy_timeout": {fmt.Sprint(lockStep.Milliseconds())}}
	reader := url.Values{"_query_only": {"true"}}
	if newBook {
		writer.Set("_journal_mode", "DELETE")
		writer.Set("_synchronous", "OFF")
		reader.Set("_journal_mode", "") // a reader's connect would switch the book to WAL
	}
	w, err := sql.Open(driverName, dsn(path, writer))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, explainOpenError(path, walBefore, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && !writable(path) {
		// SQLite opens a file it may not write read-only without a word
		// when it can still make the -wal and -shm files beside it; the
		// first write then failed with "attempt to write a readonly
		// database", naming neither the file nor the cure.
		w.Close()
		return nil, ledger.Errorf(ledger.EFORBIDDEN, "the database %s is read-only (%s): commands that write need write access to it and its directory", path, readOnlyReason(path))
	}
	db := &DB{path: path, w: w, clock: clock, walAtOpen: walBefore, checkedAtOpen: checked, newBook: newBook}
	if err := db.migrate(ctx, migrationFS); err != nil {
		w.Close()
		if _, ok := errors.AsType[*ledger.Error](err); ok {
			return nil, err
		}
		return nil, explainOpenError(path, walBefore, fmt.Errorf("migrate: %w", err))
	}
	r, err := sql.Open(driverName, dsn(path, reader))
	if err != nil {
		w.Close()
		return nil, err
	}
	db.r = r
	return db, nil
}

// OpenReadOnly opens an existing database for reading only (query_only):
// every write through it fails. It applies no migrations; a database whose
// migrations are behind this binary's is an error. Post and ClosePeriods
// return EFORBIDDEN. It never creates a file: a missing path is ENOTFOUND,
// and an empty file, a file that is not SQLite or an SQLite database that is
// not revshare's are EINVALID, each saying so (see CheckExisting).
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if err := CheckExisting(path); err != nil {
		return nil, err
	}
	// Where this process may write, the file is opened read-write but
	// query-only (mode=rw never creates it): the last connection to close
	// then checkpoints and removes the -wal and -shm files as usual, and
	// the files are as they were. Elsewhere mode=ro, which leaves them.
	// No journal mode either way: switching one to WAL would be a write.
	//
	// A -wal file left beside the database (by a process that was killed,
	// or copied or restored with another copy of the book) is read but
	// never written into the database by a read-only command: with mode=rw
	// the last connection's checkpoint copied it in, and a -wal that was
	// not this file's damaged the book for good (reading it had said
	// "damaged" and changed nothing). The next writer checkpoints a -wal
	// that is the book's.
	mode, walBefore := "ro", hasWAL(path)
	if writable(path) && writable(filepath.Dir(path)) && !walBefore {
		mode = "rw"
	}
	v := url.Values{"mode": {mode}, "_query_only": {"true"}, "_journal_mode": {""}}
	db, err := openReader(ctx, path, v)
	if err != nil && (isCantOpen(err) || isReadOnly(err)) && !writable(filepath.Dir(path)) {
		// On a read-only directory or mount SQLite cannot make the WAL
		// index it needs; nobody can write there either, so the file can
		// be read as immutable.
		v.Set("immutable", "1")
		db, err = openReader(ctx, path, v)
	}
	if err != nil {
		return nil, explainOpenError(path, walBefore, err)
	}
	db.walAtOpen = walBefore
	pending, err := db.pendingMigrations(ctx, db.r, migrationFS)
	if err != nil {
		db.Close()
		return nil, explainOpenError(path, walBefore, err)
	}
	if len(pending) > 0 {
		var tables int
		cerr := db.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&tables)
		db.Close()
		if pending[0].Name == firstMigration() {
			if cerr == nil && tables == 0 {
				// What a writer killed while creating the book leaves.
				return nil, ledger.Errorf(ledger.EINVALID, "%s has no tables yet (an empty SQLite database, or one whose creation was interrupted): a command that writes, such as import or contract add, creates revshare's tables in it", path)
			}
			return nil, ledger.Errorf(ledger.EINVALID, "%s is not a revshare database (an SQLite file without revshare's tables)", path)
		}
		return nil, fmt.Errorf("open %s read-only: migration %s not applied (the book was made by an older revshare, or its creation was interrupted): a command that writes applies it", path, pending[0].Name)
	}
	return db, nil
}

// hasWAL reports whether a non-empty -wal file is beside path.
func hasWAL(path string) bool {
	fi, err := os.Stat(path + "-wal")
	return err == nil && fi.Size() > 0
}

func openReader(ctx context.Context, path string, v url.Values) (*DB, error) {
	r, err := sql.Open(driverName, dsn(path, v))
	if err != nil {
		return nil, err
	}
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, err
	}
	// Ping does not read the file; the first query does.
	var n int
	if err := r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		r.Close()
		return nil, err
	}
	return &DB{path: path, r: r, clock: ledger.SystemClock{}, readOnly: true}, nil
}

// CheckExisting says whether path is there to be read: ENOTFOUND when there
// is no file, EINVALID for a directory or an empty file. Read-only commands
// call it (through OpenReadOnly) so that a mistyped --db is not created.
func CheckExisting(path string) error {
	if path == "" {
		return ledger.Errorf(ledger.EINVALID, "no database path given")
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ledger.Errorf(ledger.ENOTFOUND, "no database at %s", path)
	case err != nil:
		return ledger.Errorf(ledger.EINVALID, "cannot read the database %s: %v", path, errors.Unwrap(err))
	case fi.IsDir():
		return ledger.Errorf(ledger.EINVALID, "%s is a directory, not a database", path)
	case !fi.Mode().IsRegular():
		return notAFile(path)
	case fi.Size() == 0:
		return emptyFile(path)
	}
	return nil
}

// emptyFile refuses a database file of 0 bytes. A new book is one only for
// the instant between SQLite creating the file and writing its header, so
// such a file is most likely a book truncated by accident, and no command
// makes it a new book; only the user can tell, and the message says what to
// do either way.
func emptyFile(path string) error {
	return ledger.Errorf(ledger.EINVALID, "%s is an empty file (0 bytes), not a revshare book: if it held your book, restore it from a backup; to start a new book there, remove the file and run the command again", path)
}

// notAFile refuses a --db that is a named pipe, a device or a socket:
// SQLite said "disk I/O error: illegal seek" (a pipe) or, read-only, that
// /dev/null "is empty".
func notAFile(path string) error {
	return ledger.Errorf(ledger.EINVALID, "%s is not a regular file (a named pipe, a device or a socket), not a database", path)
}

func firstMigration() string {
	ms, _ := migrations(migrationFS)
	return ms[0].Name
}

func isReadOnly(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrReadonly
}

func isCantOpen(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrCantOpen
}

// explainOpenError turns what SQLite says when it cannot open or read a
// file ("unable to open database file", "file is not a database") into a
// message that names the file and the reason.
func explainOpenError(path string, walBefore bool, err error) error {
	var le *ledger.Error
	if errors.As(err, &le) {
		return err
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("open %s: %w", path, err)
	}
	switch se.Code {
	case sqlite3.ErrNotADB:
		return ledger.Errorf(ledger.EINVALID, "%s is not an SQLite database (%v)", path, se)
	case sqlite3.ErrCorrupt:
		return ledger.Errorf(ledger.EINVALID, "the database %s is damaged (%v): %s", path, se, damageCure(path, walBefore))
	case sqlite3.ErrReadonly:
		return ledger.Errorf(ledger.EFORBIDDEN, "the database %s is read-only (%s): commands that write need write access to it and its directory", path, readOnlyReason(path))
	case sqlite3.ErrCantOpen, sqlite3.ErrPerm, sqlite3.ErrAuth:
		if _, serr := os.Stat(filepath.Dir(path)); serr != nil {
			return ledger.Errorf(ledger.ENOTFOUND, "cannot open the database %s: its directory %s does not exist", path, filepath.Dir(path))
		}
		if r := readOnlyReason(path); r != "" {
			return ledger.Errorf(ledger.EFORBIDDEN, "cannot open the database %s: %s", path, r)
		}
		return ledger.Errorf(ledger.EINVALID, "cannot open the database %s (%v)", path, se)
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return mapError(err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// readOnlyReason says why path cannot be written, or "" when it can.
func readOnlyReason(path string) string {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() && !writable(path) {
		return "the file is not writable by this user (read-only commands such as balance and verify still work)"
	}
	if !writable(dir) {
		return "its directory " + dir + " is not writable (a read-only mount, or permissions): SQLite needs to create the -wal and -shm files beside it"
	}
	return ""
}

// Close closes both pools.
func (db *DB) Close() error {
	db.stopQuickCheck()
	var errs []error
	for _, st := range db.writeStmts {
		errs = append(errs, st.Close())
	}
	if db.w != nil {
		errs = append(errs, db.closeRawStmts())
	}
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.newBook && db.w != nil {
		errs = append(errs, db.toWAL())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	if db.newBook && db.w != nil {
		errs = append(errs, syncFile(db.path))
	}
	return errors.Join(errs...)
}

// toWAL puts a book that OpenNewBook made in WAL mode, which every other
// open expects. (Its writes reach the disk by syncFile after the close,
// so the connection's synchronous setting need not change.)
func (db *DB) toWAL() error {
	var mode string
	if err := db.w.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("new book %s: WAL mode: %w", db.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("new book %s: journal mode %q, not wal", db.path, mode)
	}
	return nil
}

// syncFile flushes the file at path to disk (what OpenNewBook's book was
// written without).
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Reader is the query-only pool, for read paths of sibling files and tests.
func (db *DB) Reader() *sql.DB { return db.r }

// migration is one embedded migration file (migrate.Files).
type migration = migrate.File

// migrations returns the embedded NNNN_name.sql files in number order.
func migrations(fsys fs.FS) ([]migration, error) { return migrate.Files(fsys) }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is a *sql.Rows or a *sql.Row: what a scan function reads one
// row from.
type rowScanner interface{ Scan(dest ...any) error }

// eachRow runs query and calls fn on each of its rows, in the query's
// order; the first error stops it. The rows are closed when it returns.
func eachRow(ctx context.Context, q querier, fn func(rowScanner) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryRows runs query and returns its rows as scan reads each, in the
// query's order; the first error stops it.
func queryRows[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, scan)
}

// collectRows reads each of rows with scan, and closes them.
func collectRows[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanString reads a row of one text column: queryRows' scan for a list
// of names.
func scanString(row rowScanner) (s string, err error) {
	err = row.Scan(&s)
	return s, err
}

// pendingMigrations lists the embedded migrations not recorded in
// schema_migrations. A recorded migration this binary does not know means
// a newer revshare wrote the database: that is an error naming both
// versions (this binary would misread what it does not know).
func (db *DB) pendingMigrations(ctx context.Context, q querier, fsys fs.FS) ([]migration, error) {
	ms, err := migrations(fsys)
	if err != nil {
		return nil, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return nil, err
	}
	done := map[string]bool{}
	if n > 0 {
		rows, err := q.QueryContext(ctx, `SELECT name FROM schema_migrations`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return nil, err
			}
			done[name] = true
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	known := map[string]bool{}
	var pending []migration
	for _, m := range ms {
		known[m.Name] = true
		if !done[m.Name] {
			pending = append(pending, m)
		}
	}
	var unknown []string
	for name := range done {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown) // NNNN_ names: number order
		return nil, ledger.Errorf(ledger.EINVALID, "%s", migrate.NewerSchema(unknown))
	}
	return pending, nil
}

// migrationSteps are Go steps of migrations, run after the migration's SQL
// in its transaction (for derived data SQL cannot build).
var migrationSteps = map[string]func(ctx context.Context, tx *Tx) error{
	"0026_event_index.sql":      indexEvents,
	"0060_balance_versions.sql": fillBalanceVersions,
	"0062_fact_chain.sql":       func(_ context.Context, tx *Tx) error { return tx.sealAll() },
}

// migrate applies each pending migration in its own transaction and records
// it in schema_migrations in that same transaction. It looks first without
// the write lock, so that opening an up-to-date database does not wait for
// another writer.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) error {
	var tables, ours int
	if err := db.w.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations') FROM sqlite_master WHERE type = 'table'`).Scan(&tables, &ours); err != nil {
		return err
	}
	if tables > 0 && ours == 0 {
		return ledger.Errorf(ledger.EINVALID, "%s is an SQLite database but not revshare's (it has %d tables and no schema_migrations): refusing to add revshare's tables to it", db.path, tables)
	}
	pending, err := db.pendingMigrations(ctx, db.w, fsys)
	if err != nil || len(pending) == 0 {
		return err
	}
	if ours > 0 {
		// An existing book is checked whole before a migration rewrites it
		// (0061 rebuilds postings): the commands check after Open, too late
		// for that.
		if err := fileCheck(ctx, db, db.w); err != nil {
			return err
		}
	}
	ctx = db.WithActivity(ctx, "migration", "")
	for _, m := range pending {
		if err := db.applyMigration(ctx, fsys, m.Name); err != nil {
			return err
		}
	}
	return nil
}

// createSchemaMigrations makes the table that records the migrations
// applied (verify_schema.go builds a new book's schema with it too).
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`

// applyMigration applies one migration unless, by the time this writer has
// the lock, another process has.
func (db *DB) applyMigration(ctx context.Context, fsys fs.FS, name string) error {
	conn, tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer func() {
		db.endWrite()
		tx.Rollback()
		db.releaseWriter(conn)
	}()
	if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
		return err
	}
	pending, err := db.pendingMigrations(ctx, tx, fsys)
	if err != nil {
		return err
	}
	var m *migration
	for i := range pending {
		if pending[i].Name == name {
			m = &pending[i]
		}
	}
	if m == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("%s: %w", m.Name, err)
	}
	if step := migrationSteps[m.Name]; step != nil {
		if err := step(ctx, &Tx{ctx: ctx, db: db, tx: tx, conn: conn}); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	now := db.clock.Now().UTC().Format(timeLayout)
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, m.Name, now); err != nil {
		return fmt.Errorf("%s: %w", m.Name, err)
	}
	db.endWrite()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", m.Name, err)
	}
	return nil
}

// timeLayout is how instants are stored: UTC, fixed width, so that text
// order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

// storedTime parses the instant in column of the row key of table; a value
// revshare does not write (a hand edit, a damaged page) is an error that
// names the row, where time.Parse's named only the layout.
func storedTime(table, key, column, s string) (time.Time, error) {
	t, err := parseTime(s)
	if err != nil {
		return t, fmt.Errorf("%s %s: %s %q is not a timestamp revshare writes (the database is damaged: run revshare verify)", table, key, column, s)
	}
	return t, nil
}

// mapError turns a driver error into a *ledger.Error where it is the user's
// doing (a trigger or constraint refusing a write); other errors pass
// through unchanged and count as internal.
func mapError(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sqlite3.ErrConstraint:
		msg := se.Error()
		switch {
		case strings.Contains(msg, "immutable"), strings.Contains(msg, "reopened"):
			return ledger.Errorf(ledger.EFORBIDDEN, "%s", msg)
		case strings.Contains(msg, "UNIQUE"):
			return ledger.Errorf(ledger.ECONFLICT, "%s", msg)
		}
		return ledger.Errorf(ledger.EINVALID, "%s", msg)
	case sqlite3.ErrReadonly:
		return ledger.Errorf(ledger.EFORBIDDEN, "the database is open read-only")
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return ledger.Errorf(ledger.EUNAVAILABLE, "the database is busy (another process holds it): try again")
	}
	return err
}

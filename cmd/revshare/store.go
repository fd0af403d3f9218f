package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/bookcopy"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
	"github.com/revshare/revshare/reports/httpapi"
)

// This is the one file of the command that knows the storage backends
// (SQLite, and PostgreSQL for a postgres:// URL): it opens the database and
// wires the services every command and the server use. The other files see
// the domain's interfaces only.

// book is an open database of either backend: both offer the same
// services, and the wiring below is the same for both.
type book interface {
	backendOps
	ledger.Journal
	ledger.EventStore
	ledger.ImportStore
	usage.Importer
	ledger.TokenStore
	books.Verifier
	Books() books.Store
	// SetLockTimeout sets how long a write waits while another process
	// writes; onWait, when not nil, hears what it waits for.
	SetLockTimeout(d time.Duration, onWait func(holder string))
	Close() error
}

var (
	_ book = (*sqlite.DB)(nil)
	_ book = (*postgres.DB)(nil)
)

// store is the open database as the commands use it.
type store struct {
	// Services are the domain services, the set the REST API takes too.
	httpapi.Services
	// backend is what no domain service offers yet.
	backend backendOps
	// runs evaluates contracts over the books (and runs and pays them:
	// Services.Runs, Services.Payments); statements builds statements
	// reusing one evaluation (the demo's).
	runs       books.Service
	statements reports.Books
	// closeBooks books what a run through a date would, closes the ledger
	// through it and stores the final statements, in one transaction;
	// crashPoint (nil in production) is called at each step of it.
	closeBooks func(ctx context.Context, through ledger.Date, crashPoint func(string)) (reports.CloseResult, error)
	// checkDamage turns the error of a command that read a damaged page
	// into one naming the damage; other errors pass unchanged.
	checkDamage func(ctx context.Context, err error) error
	// waitForWriters sets how long a write waits while another process
	// writes; onWait, when not nil, hears what it waits for.
	waitForWriters func(d time.Duration, onWait func(holder string))
	db             book
}

// backendOps are the backend's operations that no domain service offers
// yet: lookups the commands make before they write.
type backendOps interface {
	contracts.ContractStore
	ClosedDates(ctx context.Context) ([]ledger.Date, error)
}

// onServer says whether the database is a PostgreSQL URL rather than an
// SQLite file.
func onServer(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// dbName is the database as messages show it: the path, or the URL without
// its password.
func (m *Main) dbName() string {
	if onServer(m.DBPath) {
		return postgres.Redact(m.DBPath)
	}
	return m.DBPath
}

// shellWord is s as one word of a shell command line that revshare prints
// for the user to paste: as it is when it holds only characters no shell
// reads specially, else in single quotes. A PostgreSQL URL carries ? and &
// (?sslmode=disable&search_path=a), which a shell globs or reads as "run in
// the background" when unquoted.
func shellWord(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%_+=:,./-", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Store opens the database on first use, as the running command's entry in
// dbAccessOf says: read-write (creating it and applying migrations) or
// read-only. A write that finds another process writing waits up to the
// lock timeout, saying once on stderr what it waits for.
//
// Damaged files (docs/ledger.md): a command that writes checks the whole
// SQLite file (PRAGMA quick_check) before it writes or, `import usage`,
// beside its work with the commit waiting for the verdict, so that nothing
// is written to a damaged one; verify checks it before its own checks. A
// read-only command checks the pages it reads as it reads them
// (cell_size_check), and Run turns SQLite's "malformed" into the same
// message, naming what quick_check finds: at 1M entries the whole-file
// check costs 1.7-1.9 s of CPU, which a one-shot `balance --as-of` (20 ms)
// cannot carry. PostgreSQL checks its own pages.
func (m *Main) Store(ctx context.Context) (*store, error) {
	if m.store != nil {
		return m.store, nil
	}
	st, err := m.openStore(ctx, m.access)
	if err != nil {
		return nil, err
	}
	m.store = st
	return st, nil
}

// openStore opens the database with access and wires it.
func (m *Main) openStore(ctx context.Context, access dbAccess) (*store, error) {
	db, err := m.openBook(ctx, access)
	if err != nil {
		return nil, err
	}
	st := m.wire(db)
	st.waitForWriters(m.lockTimeout, func(holder string) {
		fmt.Fprintf(m.Stderr, "revshare: waiting for the database: %s\n", holder)
	})
	return st, nil
}

// openBook opens the database of m.DBPath with access: read-write (created
// and migrated as needed) or read-only (an existing book, left unchanged).
// A read-write SQLite file is checked whole first, or beside the command
// with its commits waiting for the verdict: nothing is written to a
// damaged one.
//
// Only a command of bookCreators makes a new book; the others refuse a
// missing one (noBook) before creating anything.
func (m *Main) openBook(ctx context.Context, access dbAccess) (book, error) {
	if onServer(m.DBPath) {
		var db *postgres.DB
		var err error
		switch {
		case access == readOnly:
			db, err = postgres.OpenReadOnly(ctx, m.DBPath)
		case m.mayCreate:
			db, err = postgres.Open(ctx, m.DBPath, m.Clock)
		default:
			db, err = postgres.OpenExisting(ctx, m.DBPath, m.Clock)
		}
		if nb := (*postgres.NoBookError)(nil); errors.As(err, &nb) {
			return nil, m.noBook()
		}
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	m.sweepNewBooks()
	if !m.mayCreate && fileMissing(m.DBPath) {
		return nil, m.noBook()
	}
	if access == readOnly {
		return sqlite.OpenReadOnly(ctx, m.DBPath)
	}
	db, err := sqlite.Open(ctx, m.DBPath, m.Clock)
	if err != nil {
		return nil, err
	}
	if access == readWriteCheckBeside {
		db.StartQuickCheck(ctx)
		return db, nil
	}
	if err := db.CheckBeforeWrite(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// noBook refuses the missing book of m.DBPath for a command that does not
// create one: no SQLite file there, or a PostgreSQL schema without
// revshare's tables. It names the commands that do.
func (m *Main) noBook() error {
	server := onServer(m.DBPath)
	var names []string
	for _, c := range bookCreators {
		if c != "grant" || server { // grant makes roles, which only PostgreSQL has
			names = append(names, c)
		}
	}
	creators := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	if server {
		return &noBookError{ledger.Errorf(ledger.ENOTFOUND, "%s holds no revshare book (its schema has no revshare tables; see --db; a new book is made by %s)", m.dbName(), creators)}
	}
	return &noBookError{ledger.Errorf(ledger.ENOTFOUND, "no database at %s (see --db; a new book is made by %s)", m.DBPath, creators)}
}

// noBookError is noBook's: a *ledger.Error that a dry run can tell apart.
type noBookError struct{ err *ledger.Error }

func (e *noBookError) Error() string { return e.err.Error() }
func (e *noBookError) Unwrap() error { return e.err }

// fileMissing says whether no file is at path (a dangling link counts as
// none: SQLite would create its target).
func fileMissing(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// wire builds the services of one open database.
func (m *Main) wire(db book) *store {
	st := &store{backend: db, db: db, waitForWriters: db.SetLockTimeout}
	st.checkDamage = func(ctx context.Context, err error) error { return err }
	if lite, ok := db.(*sqlite.DB); ok {
		st.checkDamage = lite.CheckDamage
	}
	// The rules of runs, payments, closes and statements are the domain's
	// (contracts/books, reports), over the database's books.
	st.runs = books.Service{Store: db.Books()}
	st.statements = reports.Books{Store: db.Books(), Clock: m.Clock}
	st.closeBooks = func(ctx context.Context, through ledger.Date, crashPoint func(string)) (reports.CloseResult, error) {
		closer := st.statements
		closer.CrashPoint = crashPoint
		return closer.CloseThrough(ctx, through)
	}
	st.Services = httpapi.Services{
		Journal: db, Events: db, Imports: db, Importer: db, Tokens: db, Verifier: reports.Verifier{Store: db},
		Contracts: db, Runs: st.runs, Payments: st.runs,
		Statements: st.statements, Caps: st.statements, Closer: closer{m},
		Scenarios: scenario.Service{Contracts: db, Actuals: scenario.EvaluatedActuals(st.runs.EvaluateContract), Clock: m.Clock,
			Booked: st.runs.BookedThrough},
	}
	return st
}

func (st *store) close() error { return st.db.Close() }

// serveStores opens what the server needs: the read-write database (m's),
// a read-only connection to it for every read, and the data version that
// tags the server's caches. close releases what serveStores opened. With
// readOnlyBook the book is opened read-only only (rw is nil), so a file or
// folder this user may not write serves, and nothing can write to it.
func (m *Main) serveStores(ctx context.Context, readOnlyBook bool) (rw, ro *store, version httpapi.Versioner, close func(), err error) {
	if readOnlyBook {
		m.access = readOnly
		if ro, err = m.Store(ctx); err != nil { // a missing book is refused, not created
			return nil, nil, nil, nil, err
		}
		version, close, err = dataVersion(ctx, ro.db, func() {})
		return nil, ro, version, close, err
	}
	if rw, err = m.Store(ctx); err != nil { // creates the database and applies migrations
		return nil, nil, nil, nil, err
	}
	if m.lockTimeout == 0 {
		// A request waits this long for another process's write, then
		// answers 503 with Retry-After.
		rw.waitForWriters(serveLockTimeout, nil)
	}
	roDB, err := m.openBook(ctx, readOnly)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	version, close, err = dataVersion(ctx, roDB, func() { roDB.Close() })
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return rw, m.wire(roDB), version, close, nil
}

// dataVersion is what tags the server's caches, read on db; close releases
// it and calls closeDB. On error closeDB has been called.
func dataVersion(ctx context.Context, db book, closeDB func()) (httpapi.Versioner, func(), error) {
	switch db := db.(type) {
	case *sqlite.DB:
		ver, err := sqlite.NewDataVersion(ctx, db)
		if err != nil {
			closeDB()
			return nil, nil, err
		}
		return ver, func() { ver.Close(); closeDB() }, nil
	case *postgres.DB:
		return db, closeDB, nil
	}
	closeDB()
	return nil, nil, fmt.Errorf("serve: no data version for a %T", db)
}

// checkFreshBook refuses a database that already holds a book (the demo
// builds a fresh one): an existing SQLite file, or a PostgreSQL schema
// with rows in its tables.
func (m *Main) checkFreshBook(ctx context.Context) error {
	if !onServer(m.DBPath) {
		if _, err := os.Stat(m.DBPath); err == nil {
			return fmt.Errorf("%s already exists; the demo builds a fresh database (remove it or choose another --db)", m.DBPath)
		}
		return nil
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	full, err := st.db.(*postgres.DB).TablesWithRows(ctx)
	if err != nil {
		return err
	}
	if len(full) > 0 {
		return fmt.Errorf("%s already holds a book (rows in %s); the demo builds a fresh one (choose an empty database or schema)", m.dbName(), strings.Join(full, ", "))
	}
	return nil
}

// bookMissing says whether the database is a file that does not exist (a
// PostgreSQL URL is checked when it is opened).
func (m *Main) bookMissing() bool {
	return !onServer(m.DBPath) && fileMissing(m.DBPath)
}

// importStore opens the database for an import. finish ends it: the
// caller says whether the import committed anything.
//
// A dry run writes nothing, not even a new book: where --db names none (a
// mistyped --db, or a first import checked before it runs: no SQLite file,
// or a PostgreSQL schema without revshare's tables) the rows are checked
// against an empty book in a temporary directory, and stderr says so.
//
// A first import into a missing SQLite file builds the new book under a
// temporary name beside it (newBookStore), so that a refused import leaves
// no empty book behind.
func (m *Main) importStore(ctx context.Context, dryRun bool) (st *store, finish func(committed bool) error, err error) {
	m.sweepNewBooks()
	if dryRun {
		m.mayCreate = false
	} else if m.bookMissing() {
		if st, finish, err := m.newBookStore(ctx); err == nil {
			return st, finish, nil
		}
		// No temporary directory beside it (the directory is missing or
		// not writable): the usual open below says why in its words.
	}
	st, err = m.Store(ctx)
	var nb *noBookError
	if !dryRun || !errors.As(err, &nb) {
		return st, func(bool) error { return nil }, err
	}
	dir, err := os.MkdirTemp("", "revshare-dry-run-")
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "book.db"), m.Clock)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	fmt.Fprintf(m.Stderr, "revshare: there is no book at %s: checked against an empty book (dry run: nothing written)\n", m.dbName())
	st = m.wire(db)
	return st, func(bool) error { st.close(); return os.RemoveAll(dir) }, nil
}

// newBookStore opens a first import's new book in a temporary directory
// beside --db. finish puts it at --db when the import committed, by a hard
// link, which fails rather than replace a book another process made there
// meanwhile (the new book is then left where it is, and the error says
// where); a refused import's book is removed.
//
// The directory's lock (lockNewBook) says that a live process builds it:
// a later command removes one that no live process holds (sweepNewBooks).
// A committed book that could not be put in place is moved out of the
// temporary name (NAME.new-*, not hidden), where no sweep removes it.
func (m *Main) newBookStore(ctx context.Context) (*store, func(bool) error, error) {
	dir, err := os.MkdirTemp(filepath.Dir(m.DBPath), newBookPrefix(m.DBPath))
	if err != nil {
		return nil, nil, err
	}
	unlock, err := lockNewBook(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	built := filepath.Join(dir, "book.db")
	db, err := sqlite.OpenNewBook(ctx, built, m.Clock)
	if err != nil {
		os.RemoveAll(dir)
		unlock()
		return nil, nil, err
	}
	st := m.wire(db)
	finish := func(committed bool) error {
		defer unlock()
		err := st.close() // in WAL mode and synced to disk (sqlite.OpenNewBook)
		if err != nil || !committed {
			os.RemoveAll(dir)
			return err
		}
		if err := os.Link(built, m.DBPath); err != nil {
			kept := filepath.Join(filepath.Dir(dir), strings.TrimPrefix(filepath.Base(dir), "."))
			if rerr := os.Rename(dir, kept); rerr == nil {
				built = filepath.Join(kept, "book.db")
			}
			return fmt.Errorf("the new book could not be put at %s (%v): it is at %s", m.DBPath, errors.Unwrap(err), built)
		}
		// The link is the book's only name once dir is gone: on disk
		// before the command says it imported.
		if err := syncDir(filepath.Dir(m.DBPath)); err != nil {
			return fmt.Errorf("the new book at %s: %w", m.DBPath, err)
		}
		return os.RemoveAll(dir)
	}
	return st, finish, nil
}

// newBookPrefix is the name of a first import's temporary directory
// beside the book at db, less its random suffix: .NAME.new-
func newBookPrefix(db string) string { return "." + filepath.Base(db) + ".new-" }

// newBookLock is the lock file in a first import's temporary directory.
func newBookLock(dir string) string { return filepath.Join(dir, "lock") }

// newBookGrace is how long a temporary directory without a lock file may
// be a live import's (one that has just made it) before it is named as
// left behind.
const newBookGrace = time.Minute

// sweepNewBooks deals with what first imports into the SQLite file m.DBPath
// left beside it (newBookStore), once per command: a directory no live
// process holds the lock of is an import that was killed or crashed
// before it committed, nothing of which reached the book, and is removed
// (a note says so); one whose lock is held is a running import's, left
// alone; one without a lock file (made by a revshare without locks, or
// where flock is missing) is named, with how to remove it.
func (m *Main) sweepNewBooks() {
	if m.swept || onServer(m.DBPath) {
		return
	}
	m.swept = true
	parent, prefix := filepath.Dir(m.DBPath), newBookPrefix(m.DBPath)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		owned, known, release := newBookOwned(dir)
		switch {
		case owned:
			continue
		case !known:
			if info, err := e.Info(); err != nil || m.Clock.Now().Sub(info.ModTime()) < newBookGrace {
				continue
			}
			fmt.Fprintf(m.Stderr, "revshare: note: %s is a new book that a first import into %s began and did not finish; nothing in it reached %s: unless an import into %s is running now, remove it (rm -r %s)\n",
				dir, m.DBPath, m.DBPath, m.DBPath, shellWord(dir))
			continue
		}
		err := os.RemoveAll(dir)
		release()
		if err != nil {
			fmt.Fprintf(m.Stderr, "revshare: note: %s is a new book that a first import into %s began and did not finish (killed or crashed); nothing in it reached %s, but it could not be removed (%v): remove it (rm -r %s)\n",
				dir, m.DBPath, m.DBPath, err, shellWord(dir))
			continue
		}
		fmt.Fprintf(m.Stderr, "revshare: note: removed %s, a new book that a first import into %s began and did not finish (killed or crashed); nothing in it had reached %s\n",
			dir, m.DBPath, m.DBPath)
	}
}

// copyBook copies the SQLite book at from into the empty PostgreSQL
// database at to, then checks the copy against it (bookcopy).
func (m *Main) copyBook(ctx context.Context, from, to string) (bookcopy.Counts, bookcopy.Checked, error) {
	if onServer(from) || !onServer(to) {
		return nil, bookcopy.Checked{}, fmt.Errorf("copy: --from is an SQLite book (a path) and --to a postgres:// URL")
	}
	if fileMissing(from) {
		return nil, bookcopy.Checked{}, fmt.Errorf("copy: no SQLite book at %s (see --from)", from)
	}
	src, err := sqlite.OpenReadOnly(ctx, from)
	if err != nil {
		return nil, bookcopy.Checked{}, err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, to, m.Clock)
	if err != nil {
		return nil, bookcopy.Checked{}, err
	}
	defer dst.Close()
	dst.SetLockTimeout(m.lockTimeout, func(holder string) {
		fmt.Fprintf(m.Stderr, "revshare: waiting for the database: %s\n", holder)
	})
	counts, err := bookcopy.Copy(ctx, src, dst)
	if err != nil && postgres.PermissionDenied(err) {
		// A login role (docs/postgres.md, "Two roles"): a copy sets the
		// copied IDs' sequences, which only the owner may.
		return nil, bookcopy.Checked{}, fmt.Errorf("copy %s to %s: %w: copy as the schema's owner (--to postgres://OWNER@…), then revshare grant the login role", from, postgres.Redact(to), err)
	}
	if err != nil {
		return nil, bookcopy.Checked{}, fmt.Errorf("copy %s to %s: %w", from, postgres.Redact(to), err)
	}
	checked, err := bookcopy.Check(ctx, src, dst)
	return counts, checked, err
}

// grantLogin opens the PostgreSQL book of m.DBPath as its schema's owner
// (applying the migrations) and grants role the login role's privileges,
// or with readOnly an auditor's (revshare grant; docs/postgres.md, "Two
// roles").
func (m *Main) grantLogin(ctx context.Context, role string, readOnly bool) error {
	db, err := postgres.Open(ctx, m.DBPath, m.Clock)
	if err != nil {
		return err
	}
	defer db.Close()
	access := postgres.WriteAccess
	if readOnly {
		access = postgres.ReadAccess
	}
	return db.GrantLogin(ctx, role, access)
}

// redactedURL is a database URL as messages show it, without its password.
func redactedURL(url string) string { return postgres.Redact(url) }

// serveLockTimeout is how long a write request waits while another process
// writes to the database (without --lock-timeout).
const serveLockTimeout = 5 * time.Second

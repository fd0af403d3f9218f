package main

import (
	"context"
	"fmt"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/reports"
	"github.com/revshare/revshare/reports/httpapi"
)

// This is the one file of the command that knows the storage backend
// (SQLite): it opens the database and wires the services every command
// and the server use. The other files see the domain's interfaces only.

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
	close          func() error
}

// backendOps are the backend's operations that no domain service offers
// yet: lookups the commands make before they write.
type backendOps interface {
	contracts.ContractStore
	ClosedDates(ctx context.Context) ([]ledger.Date, error)
	EntryByKey(ctx context.Context, k ledger.Key) (ledger.Entry, error)
}

// Store opens the database on first use, as the running command's entry in
// dbAccessOf says: read-write (creating it and applying migrations) or
// read-only. A write that finds another process writing waits up to the
// lock timeout, saying once on stderr what it waits for.
//
// Damaged files (docs/ledger.md): a command that writes checks the whole
// file first (PRAGMA quick_check), so that nothing is written to a damaged
// one; verify checks it before its own checks. A read-only command checks
// the pages it reads as it reads them (cell_size_check), and Run turns
// SQLite's "malformed" into the same message, naming what quick_check
// finds: at 1M entries the whole-file check costs 1.8 s of CPU, which a
// one-shot `balance --as-of` (20 ms) cannot carry.
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

// openStore opens the database with access; one that writes refuses a
// damaged file.
func (m *Main) openStore(ctx context.Context, access dbAccess) (*store, error) {
	var db *sqlite.DB
	var err error
	switch access {
	case readOnly:
		db, err = sqlite.OpenReadOnly(ctx, m.DBPath)
	default:
		db, err = sqlite.Open(ctx, m.DBPath, m.Clock)
	}
	if err != nil {
		return nil, err
	}
	// A damaged file is refused before anything writes to it.
	if access == readWrite {
		if err := db.QuickCheck(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	st := m.wire(db)
	st.waitForWriters(m.lockTimeout, func(holder string) {
		fmt.Fprintf(m.Stderr, "revshare: waiting for the database: %s\n", holder)
	})
	return st, nil
}

// wire builds the services of one open database.
func (m *Main) wire(db *sqlite.DB) *store {
	st := &store{backend: db, checkDamage: db.CheckDamage, close: db.Close}
	st.waitForWriters = db.SetLockTimeout
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
		Scenarios: scenario.Service{Contracts: db, Actuals: scenario.EvaluatedActuals(st.runs.EvaluateContract), Clock: m.Clock},
	}
	return st
}

// serveStores opens what the server needs: the read-write database (m's),
// a read-only connection to it for every read, and the data version that
// tags the server's caches. close releases what serveStores opened.
func (m *Main) serveStores(ctx context.Context) (rw, ro *store, version httpapi.Versioner, close func(), err error) {
	if rw, err = m.Store(ctx); err != nil { // creates the database and applies migrations
		return nil, nil, nil, nil, err
	}
	if m.lockTimeout == 0 {
		// A request waits this long for another process's write, then
		// answers 503 with Retry-After.
		rw.waitForWriters(serveLockTimeout, nil)
	}
	roDB, err := sqlite.OpenReadOnly(ctx, m.DBPath)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ver, err := sqlite.NewDataVersion(ctx, roDB)
	if err != nil {
		roDB.Close()
		return nil, nil, nil, nil, err
	}
	return rw, m.wire(roDB), ver, func() { ver.Close(); roDB.Close() }, nil
}

// serveLockTimeout is how long a write request waits while another process
// writes to the database (without --lock-timeout).
const serveLockTimeout = 5 * time.Second

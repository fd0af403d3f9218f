package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/revshare/revshare/ledger"
)

// Tx is a write transaction on the journal. Sibling files of this package
// use it to write their own rows in the same transaction as the entries
// they cause:
//
//	err := db.WithTx(ctx, func(tx *Tx) error {
//		res, err := tx.PostEntries(entries) // validated, chained, sealed
//		if err != nil {
//			return err // WithTx rolls everything back
//		}
//		_, err = tx.SQL().ExecContext(tx.Context(), `INSERT INTO ... entry_id ...`, res[0].ID)
//		return err
//	})
//
// tx.Now is the one "now" of the transaction: every row written in it
// carries the same recorded-at instant. It never goes backwards: it is the
// clock's time or, if the clock is behind, the last entry's recorded-at.
//
// Tx keeps the chain head and new accounts in memory: do not roll back part
// of the transaction behind its back (a ROLLBACK TO a savepoint taken before
// a successful PostEntries); return an error from fn to undo everything.
//
// Writers serialize: WithTx starts with BEGIN IMMEDIATE on the single writer
// connection. Do not call DB methods that write (Post, ClosePeriods,
// WithTx) from inside fn: they would wait for the connection fn holds.
type Tx struct {
	Now time.Time

	ctx  context.Context
	db   *DB
	tx   *sql.Tx
	conn *sql.Conn // tx's connection (execRows binds through it)

	headID   int64  // last entry's ID (0 when empty)
	headHash string // last entry's hash ("" when empty)

	closed       ledger.Date
	closedLoaded bool

	newAccounts map[string]int64 // created in this transaction, cached on commit
	// The names added to newAccounts by the PostEntries call running (to
	// undo it if it fails); emptied when the next call begins. Kept for the
	// whole transaction, they were 16 bytes per new account that nothing
	// read once their call had succeeded (docs/design/speed.md, section 2,
	// session 18).
	accountsAdded []string
	// The first ID of the accounts created in this transaction since its
	// last history flush (0: none created; -1: unknown): an account with
	// that ID or above has no balance versions yet.
	firstNewAccount int64

	stmts map[string]*sql.Stmt // prepared in this transaction, by query

	// The balance history's totals, months and marks: of the calls of
	// PostEntries that succeeded (hist), of the call running (callHist).
	// WithTx writes hist before the commit (flushHistory).
	hist, callHist txHistory
}

// WithTx runs fn in a write transaction and commits if fn returns nil;
// otherwise (or on panic) it rolls back and returns fn's error (wrapping
// ctx.Err() if ctx ended meanwhile).
func (db *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.readOnly {
		return ledger.Errorf(ledger.EFORBIDDEN, "the database is open read-only")
	}
	if err := db.prepareWriteStmts(ctx); err != nil {
		return err
	}
	conn, stx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	tx := &Tx{ctx: ctx, db: db, tx: stx, conn: conn}
	defer func() {
		if p := recover(); p != nil {
			db.endWrite()
			stx.Rollback()
			db.releaseWriter(conn)
			panic(p)
		}
		if err != nil {
			db.endWrite()
			stx.Rollback()
		}
		db.releaseWriter(conn)
	}()
	if err := tx.loadHead(); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		// A cancelled context rolls the transaction back under fn, whose
		// next statement then fails with "statement is closed": say why.
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			return fmt.Errorf("%w: %w", cerr, err)
		}
		return err
	}
	if err := tx.flushHistory(); err != nil {
		return err
	}
	if err := db.awaitQuickCheck(ctx); err != nil {
		return err // nothing is committed to a damaged file
	}
	db.endWrite()
	if err := stx.Commit(); err != nil {
		return mapError(err)
	}
	db.cacheAccounts(tx.newAccounts)
	tx.newAccounts = nil // the cache's now, maybe the very map
	return nil
}

// SQL is the underlying transaction, for sibling files' own statements.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Context is the context the transaction was started with.
func (tx *Tx) Context() context.Context { return tx.ctx }

// Head returns the ID and hash of the last entry, including entries posted
// earlier in this transaction.
func (tx *Tx) Head() (id int64, hash string) { return tx.headID, tx.headHash }

func (tx *Tx) loadHead() error {
	var recorded string
	head, err := tx.stmt(headQuery)
	if err != nil {
		return err
	}
	err = head.QueryRowContext(tx.ctx).Scan(&tx.headID, &tx.headHash, &recorded)
	now := tx.db.clock.Now().UTC()
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	default:
		last, err := parseTime(recorded)
		if err != nil {
			return fmt.Errorf("entry %d: recorded_at %q: %w", tx.headID, recorded, err)
		}
		if now.Before(last) {
			now = last
		}
	}
	tx.Now = now.Round(0) // drop any monotonic reading
	return nil
}

// ClosedThrough is the last closed date as this transaction sees it.
func (tx *Tx) ClosedThrough() (ledger.Date, error) {
	if !tx.closedLoaded {
		st, err := tx.stmt(closedThroughQuery)
		if err != nil {
			return ledger.Date{}, err
		}
		d, err := scanClosedThrough(st.QueryRowContext(tx.ctx))
		if err != nil {
			return ledger.Date{}, err
		}
		tx.closed, tx.closedLoaded = d, true
	}
	return tx.closed, nil
}

const closedThroughQuery = `SELECT max(through) FROM period_closes`

func closedThrough(ctx context.Context, q querier) (ledger.Date, error) {
	return scanClosedThrough(q.QueryRowContext(ctx, closedThroughQuery))
}

func scanClosedThrough(row *sql.Row) (ledger.Date, error) {
	var s sql.NullString
	if err := row.Scan(&s); err != nil {
		return ledger.Date{}, err
	}
	if !s.Valid {
		return ledger.Date{}, nil
	}
	return ledger.ParseDate(s.String)
}

// stmt returns query prepared for this transaction: one of the DB's
// write statements (prepared once per connection), or else prepared here.
func (tx *Tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if dbst, ok := tx.db.writeStmts[query]; ok {
		st = tx.tx.StmtContext(tx.ctx, dbst)
	} else {
		var err error
		if st, err = tx.tx.PrepareContext(tx.ctx, query); err != nil {
			return nil, err
		}
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

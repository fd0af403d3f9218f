package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
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
// Writers serialize: WithTx starts with BEGIN IMMEDIATE on the single writer
// connection. Do not call DB methods that write (Post, ClosePeriods,
// WithTx) from inside fn: they would wait for the connection fn holds.
type Tx struct {
	Now time.Time

	ctx context.Context
	db  *DB
	tx  *sql.Tx

	headID   int64  // last entry's ID (0 when empty)
	headHash string // last entry's hash ("" when empty)

	closed       ledger.Date
	closedLoaded bool

	newAccounts map[string]int64 // created in this transaction, cached on commit

	stmtFindKey, stmtInsEntry, stmtInsPosting, stmtFindAccount, stmtInsAccount *sql.Stmt
}

// WithTx runs fn in a write transaction and commits if fn returns nil;
// otherwise (or on panic) it rolls back and returns fn's error.
func (db *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.readOnly {
		return ledger.Errorf(ledger.EFORBIDDEN, "the database is open read-only")
	}
	stx, err := db.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock=immediate)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{ctx: ctx, db: db, tx: stx}
	defer func() {
		if p := recover(); p != nil {
			stx.Rollback()
			panic(p)
		}
		if err != nil {
			stx.Rollback()
		}
	}()
	if err := tx.loadHead(); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return mapError(err)
	}
	db.cacheAccounts(tx.newAccounts)
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
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT id, hash, recorded_at FROM entries ORDER BY id DESC LIMIT 1`).
		Scan(&tx.headID, &tx.headHash, &recorded)
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
		d, err := closedThrough(tx.ctx, tx.tx)
		if err != nil {
			return ledger.Date{}, err
		}
		tx.closed, tx.closedLoaded = d, true
	}
	return tx.closed, nil
}

func closedThrough(ctx context.Context, q querier) (ledger.Date, error) {
	var s sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT max(through) FROM period_closes`).Scan(&s); err != nil {
		return ledger.Date{}, err
	}
	if !s.Valid {
		return ledger.Date{}, nil
	}
	return ledger.ParseDate(s.String)
}

func (tx *Tx) prepare(p **sql.Stmt, query string) (*sql.Stmt, error) {
	if *p == nil {
		s, err := tx.tx.PrepareContext(tx.ctx, query)
		if err != nil {
			return nil, err
		}
		*p = s
	}
	return *p, nil
}

// PostEntries appends entries to the journal in this transaction, all or
// none: if it returns an error, nothing of this call is written (a
// savepoint undoes it) and the transaction remains usable.
//
// Each entry is validated (ledger.Entry.Validate; amounts carry at most 18
// fractional digits and are below 10^14 in magnitude: EINVALID). An entry
// whose key is already in the journal, with identical Content, is not
// posted again: its result has the existing ID and Duplicate set. The same
// key with other content is an ECONFLICT error showing the first
// difference. An entry dated on or before the closed-through date is
// EINVALID. ID, RecordedAt (tx.Now), PrevHash and Hash are assigned here;
// the caller's slice is not modified.
func (tx *Tx) PostEntries(entries []ledger.Entry) ([]ledger.PostResult, error) {
	if _, err := tx.tx.ExecContext(tx.ctx, `SAVEPOINT post_entries`); err != nil {
		return nil, err
	}
	headID, headHash := tx.headID, tx.headHash
	res, err := tx.postEntries(entries)
	if err == nil && tx.headID != headID {
		_, err = tx.tx.ExecContext(tx.ctx, `INSERT INTO journal_head (id, entry_id, hash) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET entry_id = excluded.entry_id, hash = excluded.hash`, tx.headID, tx.headHash)
	}
	if err != nil {
		tx.headID, tx.headHash = headID, headHash
		if _, rerr := tx.tx.ExecContext(tx.ctx, `ROLLBACK TO post_entries; RELEASE post_entries`); rerr != nil {
			return nil, fmt.Errorf("%w (and rollback failed: %v)", err, rerr)
		}
		return nil, err
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `RELEASE post_entries`); err != nil {
		return nil, err
	}
	return res, nil
}

func (tx *Tx) postEntries(entries []ledger.Entry) ([]ledger.PostResult, error) {
	findKey, err := tx.prepare(&tx.stmtFindKey, `SELECT id FROM entries WHERE source = ? AND external_id = ?`)
	if err != nil {
		return nil, err
	}
	insPosting, err := tx.prepare(&tx.stmtInsPosting, `INSERT INTO postings
		(entry_id, seq, account_id, currency, amount, units, frac_hi, frac_lo) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	insEntry, err := tx.prepare(&tx.stmtInsEntry, `INSERT INTO entries
		(id, source, external_id, date, recorded_at, description, meta, reverses, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	closed, err := tx.ClosedThrough()
	if err != nil {
		return nil, err
	}
	recorded := formatTime(tx.Now)
	results := make([]ledger.PostResult, len(entries))
	var split []splitAmount
	for i := range entries {
		e := entries[i] // a copy: the caller's entry is not modified
		if err := e.Validate(); err != nil {
			return nil, err
		}
		split = split[:0]
		for j, p := range e.Postings {
			s, err := splitPosting(&e, j, p.Amount)
			if err != nil {
				return nil, err
			}
			split = append(split, s)
		}
		var existing int64
		switch err := findKey.QueryRowContext(tx.ctx, e.Key.Source, e.Key.ExternalID).Scan(&existing); {
		case err == sql.ErrNoRows:
		case err != nil:
			return nil, err
		default:
			if err := tx.sameAsPosted(&e, existing); err != nil {
				return nil, err
			}
			results[i] = ledger.PostResult{ID: existing, Duplicate: true}
			continue
		}
		if !closed.IsZero() && !e.Date.After(closed) {
			return nil, ledger.Errorf(ledger.EINVALID, "entry %q: effective date %s is in a closed period (closed through %s)", e.Key.String(), e.Date, closed)
		}
		e.ID = tx.headID + 1
		if e.Reverses < 0 || e.Reverses >= e.ID {
			return nil, ledger.Errorf(ledger.EINVALID, "entry %q: reverses entry %d, which does not exist", e.Key.String(), e.Reverses)
		}
		e.RecordedAt = tx.Now
		e.PrevHash = tx.headHash
		e.Hash = ledger.ChainHash(e.PrevHash, &e)
		for j, p := range e.Postings {
			acct, err := tx.accountID(p.Account)
			if err != nil {
				return nil, err
			}
			s := split[j]
			if _, err := insPosting.ExecContext(tx.ctx, e.ID, j+1, acct, p.Currency, s.text, s.units, s.hi, s.lo); err != nil {
				return nil, fmt.Errorf("entry %q posting %d: %w", e.Key.String(), j+1, mapError(err))
			}
		}
		meta, err := encodeMeta(e.Meta)
		if err != nil {
			return nil, err
		}
		var reverses any
		if e.Reverses != 0 {
			reverses = e.Reverses
		}
		if _, err := insEntry.ExecContext(tx.ctx, e.ID, e.Key.Source, e.Key.ExternalID, e.Date.String(), recorded,
			e.Description, meta, reverses, e.PrevHash, e.Hash); err != nil {
			return nil, fmt.Errorf("entry %q: %w", e.Key.String(), mapError(err))
		}
		tx.headID, tx.headHash = e.ID, e.Hash
		results[i] = ledger.PostResult{ID: e.ID}
	}
	return results, nil
}

// sameAsPosted compares e with the entry already posted under its key.
func (tx *Tx) sameAsPosted(e *ledger.Entry, id int64) error {
	old, err := loadEntry(tx.ctx, tx.tx, id)
	if err != nil {
		return err
	}
	oldC, newC := old.Content(), e.Content()
	if oldC == newC {
		return nil
	}
	was, now := firstDifference(oldC, newC)
	return ledger.Errorf(ledger.ECONFLICT, "entry %q conflicts with entry %d posted earlier under the same key: posted %s, now %s",
		e.Key.String(), id, was, now)
}

// firstDifference returns the first differing line of two Content texts,
// made readable.
func firstDifference(a, b string) (string, string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return readableLine(x), readableLine(y)
		}
	}
	return "(same)", "(same)"
}

func readableLine(s string) string {
	if s == "" {
		return "(nothing)"
	}
	s = strings.ReplaceAll(s, "\x1f", " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return fmt.Sprintf("%q", s)
}

func encodeMeta(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m) // keys sorted
	return string(b), err
}

func decodeMeta(s string) (map[string]string, error) {
	if s == "{}" || s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// accountID returns the ID of an account, creating it on first use. Account
// rows are immutable, so IDs are cached for the life of the DB (accounts
// created in a transaction only once it commits).
func (tx *Tx) accountID(name string) (int64, error) {
	if id, ok := tx.db.cachedAccount(name); ok {
		return id, nil
	}
	if id, ok := tx.newAccounts[name]; ok {
		return id, nil
	}
	typ, err := ledger.AccountTypeOf(name)
	if err != nil {
		return 0, err
	}
	find, err := tx.prepare(&tx.stmtFindAccount, `SELECT id, type FROM accounts WHERE name = ?`)
	if err != nil {
		return 0, err
	}
	var id int64
	var stored string
	switch err := find.QueryRowContext(tx.ctx, name).Scan(&id, &stored); {
	case err == sql.ErrNoRows:
		ins, err := tx.prepare(&tx.stmtInsAccount, `INSERT INTO accounts (name, type) VALUES (?, ?)`)
		if err != nil {
			return 0, err
		}
		r, err := ins.ExecContext(tx.ctx, name, string(typ))
		if err != nil {
			return 0, mapError(err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	case stored != string(typ):
		return 0, fmt.Errorf("account %q is stored with type %q, want %q", name, stored, typ)
	}
	if tx.newAccounts == nil {
		tx.newAccounts = map[string]int64{}
	}
	tx.newAccounts[name] = id
	return id, nil
}

type accountCache struct {
	mu  sync.RWMutex
	ids map[string]int64
}

func (db *DB) cachedAccount(name string) (int64, bool) {
	db.accounts.mu.RLock()
	defer db.accounts.mu.RUnlock()
	id, ok := db.accounts.ids[name]
	return id, ok
}

func (db *DB) cacheAccounts(m map[string]int64) {
	if len(m) == 0 {
		return
	}
	db.accounts.mu.Lock()
	defer db.accounts.mu.Unlock()
	if db.accounts.ids == nil {
		db.accounts.ids = map[string]int64{}
	}
	for k, v := range m {
		db.accounts.ids[k] = v
	}
}

package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
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
// Tx keeps the chain head and new accounts in memory: do not roll back part
// of the transaction behind its back (a ROLLBACK TO a savepoint taken before
// a successful PostEntries); return an error from fn to undo everything.
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

	newAccounts   map[string]int64 // created in this transaction, cached on commit
	accountsAdded []string         // names in newAccounts, in order (to undo a failed call)

	stmts map[string]*sql.Stmt // prepared in this transaction, by query
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
	stx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	tx := &Tx{ctx: ctx, db: db, tx: stx}
	defer func() {
		if p := recover(); p != nil {
			db.endWrite()
			stx.Rollback()
			panic(p)
		}
		if err != nil {
			db.endWrite()
			stx.Rollback()
		}
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
	db.endWrite()
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
//
// Two paths give the same results: postFast assumes no key is stored yet
// (the common case) and skips the key lookups; on any failure, a stored
// key included, its writes are rolled back and postEntries, which looks
// every key up first, posts the call and reports the exact error.
func (tx *Tx) PostEntries(entries []ledger.Entry) ([]ledger.PostResult, error) {
	if _, err := tx.tx.ExecContext(tx.ctx, `SAVEPOINT post_entries`); err != nil { // not prepared: the driver caches nothing, and it is one per call
		return nil, err
	}
	headID, headHash, nAccounts := tx.headID, tx.headHash, len(tx.accountsAdded)
	// undo rolls the database back to the savepoint and forgets what this
	// call cached: its accounts are gone, or a later account would reuse
	// their IDs.
	undo := func() error {
		tx.headID, tx.headHash = headID, headHash
		for _, name := range tx.accountsAdded[nAccounts:] {
			delete(tx.newAccounts, name)
		}
		tx.accountsAdded = tx.accountsAdded[:nAccounts]
		_, err := tx.tx.ExecContext(tx.ctx, `ROLLBACK TO post_entries`)
		return err
	}
	var res []ledger.PostResult
	err := errFastPath
	if !tx.db.slowPostOnly {
		res, err = tx.postFast(entries)
	}
	if err != nil {
		if rerr := undo(); rerr != nil {
			return nil, fmt.Errorf("%w (and rollback failed: %v)", err, rerr)
		}
		res, err = tx.postEntries(entries)
	}
	if err == nil && tx.headID != headID {
		var st *sql.Stmt
		if st, err = tx.stmt(setHeadQuery); err == nil {
			_, err = st.ExecContext(tx.ctx, tx.headID, tx.headHash)
		}
	}
	if err != nil {
		rerr := undo()
		if rerr == nil {
			_, rerr = tx.tx.ExecContext(tx.ctx, `RELEASE post_entries`)
		}
		if rerr != nil {
			return nil, fmt.Errorf("%w (and rollback failed: %v)", err, rerr)
		}
		return nil, err
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `RELEASE post_entries`); err != nil {
		return nil, err
	}
	return res, nil
}

// Writes go out as multi-row INSERTs of up to rowsPerInsert rows: SQLite
// opens a statement journal for every statement that fires the journal's
// triggers, so one statement per row would cost a journal per row.
const (
	rowsPerInsert = 256 // rows of one multi-row INSERT (entries: 10 values a row, postings: 5)
	keysPerLookup = 256 // entries whose keys are looked up in one query
)

// pendingEntry is an entry ready to insert: ID and hash assigned.
type pendingEntry struct {
	e    ledger.Entry
	meta string
}

type postingRow struct {
	entryID, seq, accountID int64
	currency                string
	amt                     splitAmount
}

// preparedChunk is a chunk of entries checked and encoded ahead of the
// database work: everything that does not depend on what is stored.
type preparedChunk struct {
	start    int // index of the chunk's first entry in the call
	entries  []ledger.Entry
	splits   [][]splitAmount
	metas    []string
	contents []string
	err      error // the first invalid entry of the chunk
}

// prepareChunk validates and encodes entries (pure: safe in a goroutine).
func prepareChunk(start int, entries []ledger.Entry) preparedChunk {
	pc := preparedChunk{start: start, entries: entries,
		splits: make([][]splitAmount, len(entries)), metas: make([]string, len(entries)), contents: make([]string, len(entries))}
	for i := range entries {
		e := &entries[i]
		if pc.err = e.Validate(); pc.err != nil {
			return pc
		}
		pc.splits[i] = make([]splitAmount, len(e.Postings))
		for j, p := range e.Postings {
			if pc.splits[i][j], pc.err = splitPosting(e, j, p.Amount); pc.err != nil {
				return pc
			}
		}
		if pc.metas[i], pc.err = encodeMeta(e.Meta); pc.err != nil {
			return pc
		}
		pc.contents[i] = e.Content()
	}
	return pc
}

// produceAhead builds the chunks of a call of n items with build(start,
// end) — the first of first items, each next one four times bigger, up to
// most — and sends them on chunks in order: inline when there is one chunk,
// else from a goroutine running ahead of the consumer (the database work,
// which stays on the transaction's goroutine). It stops after a chunk that
// failed reports. stop ends the goroutine early and waits until it is done
// with build's inputs (the caller's entries): defer it.
func produceAhead[T any](n, first, most int, build func(start, end int) T, failed func(T) bool) (chunks <-chan T, stop func()) {
	out := make(chan T, 2)
	done := make(chan struct{})
	run := func() {
		defer close(out)
		for start, size := 0, first; start < n; start, size = start+size, min(4*size, most) {
			c := build(start, min(start+size, n))
			select {
			case out <- c:
			case <-done:
				return
			}
			if failed(c) {
				return
			}
		}
	}
	if n <= first {
		run()
	} else {
		go run()
	}
	return out, func() {
		close(done)
		for range out { // wait for the producer to stop
		}
	}
}

func (tx *Tx) postEntries(entries []ledger.Entry) ([]ledger.PostResult, error) {
	closed, err := tx.ClosedThrough()
	if err != nil {
		return nil, err
	}
	chunks, stop := produceAhead(len(entries), keysPerLookup, keysPerLookup,
		func(start, end int) preparedChunk { return prepareChunk(start, entries[start:end]) },
		func(pc preparedChunk) bool { return pc.err != nil })
	defer stop()
	results := make([]ledger.PostResult, len(entries))
	hasher := newChainHasher(tx.Now)
	thisCall := map[ledger.Key]seenEntry{} // entries posted by this call, for in-batch retries
	var pending []pendingEntry
	var postings []postingRow
	var hist balanceHistory
	for pc := range chunks {
		if pc.err != nil {
			return nil, pc.err
		}
		start, chunk := pc.start, pc.entries
		existing, err := tx.lookupKeys(chunk)
		if err != nil {
			return nil, err
		}
		posted, err := tx.postedEntries(existing)
		if err != nil {
			return nil, err
		}
		for i := range chunk {
			e := chunk[i] // a copy: the caller's entry is not modified
			if prev, ok := thisCall[e.Key]; ok {
				if err := ledger.SameContentInBatch(e.Key, prev.content, pc.contents[i]); err != nil {
					return nil, err
				}
				results[start+i] = ledger.PostResult{ID: prev.id, Duplicate: true}
				continue
			}
			if id, ok := existing[e.Key]; ok {
				if err := sameAsPosted(e.Key, pc.contents[i], id, posted[id]); err != nil {
					return nil, err
				}
				results[start+i] = ledger.PostResult{ID: id, Duplicate: true}
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
			e.Hash = hasher.hash(e.PrevHash, e.ID, pc.contents[i])
			for j, p := range e.Postings {
				acct, err := tx.accountID(p.Account)
				if err != nil {
					return nil, err
				}
				postings = append(postings, postingRow{e.ID, int64(j + 1), acct, p.Currency, pc.splits[i][j]})
				hist.addPosting(acct, p.Currency, e.Date, e.ID, pc.splits[i][j])
			}
			pending = append(pending, pendingEntry{e, pc.metas[i]})
			thisCall[e.Key] = seenEntry{e.ID, pc.contents[i]}
			tx.headID, tx.headHash = e.ID, e.Hash
			results[start+i] = ledger.PostResult{ID: e.ID}
		}
		// Postings first, then the entries that seal them.
		if err := tx.insertPostings(postings); err != nil {
			return nil, err
		}
		if err := tx.insertEntries(pending); err != nil {
			return nil, err
		}
		pending, postings = pending[:0], postings[:0]
		clear(thisCall) // later chunks find these through lookupKeys
	}
	if err := tx.writeBalanceHistory(&hist); err != nil {
		return nil, err
	}
	return results, nil
}

// The fast path. A producer goroutine does the Go work of the call —
// validation, encoding, numbering, hashing, the statements' arguments —
// one chunk ahead of the database work, which stays on the caller's
// goroutine (it owns the transaction's connection). Chunks grow (16, 64,
// then 256 entries) so that the database starts early and then always has
// the next chunk ready.
const firstFastChunk = 16

// errFastPath stops the fast path: postEntries redoes the call and finds
// the exact error.
var errFastPath = errors.New("fast path refused the call")

// fastChunk is a chunk of entries ready for the database.
type fastChunk struct {
	postArgs []any                    // 5 per posting row: entry_id, seq, account_id, currency, amount
	entArgs  []any                    // 10 per entry row (insertEntriesQuery's columns)
	slots    []acctSlot               // postArgs account_id positions the consumer resolves
	sums     map[nameCurDate]*histSum // per account name, currency and date
	headID   int64
	headHash string
	err      error
}

// acctSlot is a posting whose account is not in the DB's cache: its ID is
// looked up (or the account created) on the transaction's goroutine.
type acctSlot struct {
	arg  int
	name string
}

type nameCur struct{ account, currency string }

type nameCurDate struct {
	account, currency string
	date              ledger.Date
}

// fastProducer builds the chunks of one call.
type fastProducer struct {
	entries  []ledger.Entry
	results  []ledger.PostResult
	closed   ledger.Date
	headID   int64
	headHash string
	hasher   chainHasher
	seen     map[ledger.Key]seenEntry // entries of this call, for in-call retries
	accounts map[string]int64         // from the DB's cache
	db       *DB

	// Arguments boxed once and shared by the rows that repeat them
	// (currencies, sources, dates, the recorded-at instant, the previous
	// entry's hash): fewer allocations, so less garbage to collect.
	boxes       map[string]any
	dates       map[ledger.Date]any
	recordedBox any
	headHashBox any
}

func (p *fastProducer) box(s string) any {
	b, ok := p.boxes[s]
	if !ok {
		b = s
		p.boxes[s] = b
	}
	return b
}

type seenEntry struct {
	id      int64
	content string
}

// chunk builds entries [start, end).
func (p *fastProducer) chunk(start, end int) fastChunk {
	c := fastChunk{
		postArgs: make([]any, 0, 10*(end-start)),
		entArgs:  make([]any, 0, 10*(end-start)),
		sums:     map[nameCurDate]*histSum{},
	}
	for i := start; i < end; i++ {
		e := &p.entries[i]
		if c.err = e.Validate(); c.err != nil {
			return c
		}
		content := e.Content()
		if prev, ok := p.seen[e.Key]; ok {
			if prev.content != content {
				c.err = errFastPath
				return c
			}
			p.results[i] = ledger.PostResult{ID: prev.id, Duplicate: true}
			continue
		}
		id := p.headID + 1
		if !p.closed.IsZero() && !e.Date.After(p.closed) || e.Reverses < 0 || e.Reverses >= id {
			c.err = errFastPath
			return c
		}
		idBox := any(id)
		for j, ps := range e.Postings {
			amt, err := splitPosting(e, j, ps.Amount)
			if err != nil {
				c.err = err
				return c
			}
			acct, ok := p.accounts[ps.Account]
			if !ok {
				if acct, ok = p.db.cachedAccount(ps.Account); ok {
					p.accounts[ps.Account] = acct
				} else {
					c.slots = append(c.slots, acctSlot{len(c.postArgs) + 2, ps.Account})
				}
			}
			c.postArgs = append(c.postArgs, idBox, int64(j+1), acct, p.box(ps.Currency), amt.text)
			k := nameCurDate{ps.Account, ps.Currency, e.Date}
			t := c.sums[k]
			if t == nil {
				t = &histSum{}
				c.sums[k] = t
			}
			t.addPosting(id, amt)
		}
		meta, err := encodeMeta(e.Meta)
		if err != nil {
			c.err = err
			return c
		}
		hash := p.hasher.hash(p.headHash, id, content)
		var reverses any
		if e.Reverses != 0 {
			reverses = e.Reverses
		}
		date, ok := p.dates[e.Date]
		if !ok {
			date = e.Date.String()
			p.dates[e.Date] = date
		}
		hashBox := any(hash)
		c.entArgs = append(c.entArgs, idBox, p.box(e.Key.Source), e.Key.ExternalID, date, p.recordedBox, e.Description, meta, reverses, p.headHashBox, hashBox)
		p.seen[e.Key] = seenEntry{id, content}
		p.headID, p.headHash, p.headHashBox = id, hash, hashBox
		p.results[i] = ledger.PostResult{ID: id}
	}
	c.headID, c.headHash = p.headID, p.headHash
	return c
}

// postFast posts entries assuming that none of their keys is stored yet.
// It fails (and the caller rolls its writes back) on anything else: a
// stored key (the entries' UNIQUE index refuses the row), an invalid
// entry, a conflict within the call, a database error.
func (tx *Tx) postFast(entries []ledger.Entry) ([]ledger.PostResult, error) {
	closed, err := tx.ClosedThrough()
	if err != nil {
		return nil, err
	}
	p := &fastProducer{
		entries: entries, results: make([]ledger.PostResult, len(entries)), closed: closed,
		headID: tx.headID, headHash: tx.headHash, hasher: newChainHasher(tx.Now),
		seen: make(map[ledger.Key]seenEntry, len(entries)), accounts: map[string]int64{}, db: tx.db,
		boxes: map[string]any{}, dates: map[ledger.Date]any{}, recordedBox: formatTime(tx.Now), headHashBox: tx.headHash,
	}
	chunks, stop := produceAhead(len(entries), firstFastChunk, rowsPerInsert, p.chunk,
		func(c fastChunk) bool { return c.err != nil })
	defer stop()
	var hist balanceHistory
	for c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
		for _, s := range c.slots {
			id, err := tx.accountID(s.name)
			if err != nil {
				return nil, err
			}
			c.postArgs[s.arg] = id
		}
		for k, s := range c.sums {
			id, err := tx.accountID(k.account)
			if err != nil {
				return nil, err
			}
			hist.add(id, k.currency, k.date, s)
		}
		// Postings first, then the entries that seal them.
		if err := tx.execRows(insertPostingsQuery, 5, c.postArgs); err != nil {
			return nil, err
		}
		if err := tx.execRows(insertEntriesQuery, 10, c.entArgs); err != nil {
			return nil, err
		}
		tx.headID, tx.headHash = c.headID, c.headHash
	}
	if err := tx.writeBalanceHistory(&hist); err != nil {
		return nil, err
	}
	return p.results, nil
}

// execRows runs a multi-row INSERT (query(n) for n rows of width
// arguments) over args, in statements of 256, 16 or 1 rows.
func (tx *Tx) execRows(query func(n int) string, width int, args []any) error {
	rows := len(args) / width
	for start := 0; start < rows; {
		n := insertSize(rows - start)
		stmt, err := tx.stmt(query(n))
		if err != nil {
			return err
		}
		if err := execQuery(tx.ctx, stmt, args[width*start:width*(start+n)]...); err != nil {
			return mapError(err)
		}
		start += n
	}
	return nil
}

// execQuery runs a statement that returns no rows through Query rather
// than Exec: go-sqlite3 binds a query's arguments in one cgo call, without
// copying each text into SQLite's memory (Exec binds them one by one). The
// one Next runs the statement with drivers that step lazily.
func execQuery(ctx context.Context, stmt *sql.Stmt, args ...any) error {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	rows.Next()
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

// chainHasher computes ledger.ChainHashOf for the entries of one
// transaction (one recorded-at instant) without its allocations.
type chainHasher struct {
	recorded string // RFC 3339 with nanoseconds, as ChainHashOf formats it
	buf      []byte
	hex      [2 * sha256.Size]byte
}

func newChainHasher(now time.Time) chainHasher {
	return chainHasher{recorded: now.UTC().Format(time.RFC3339Nano)}
}

func (h *chainHasher) hash(prevHash string, id int64, content string) string {
	b := append(h.buf[:0], "prev="...)
	b = append(b, prevHash...)
	b = append(b, "\nid="...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "\nrecorded="...)
	b = append(b, h.recorded...)
	b = append(b, '\n')
	b = append(b, content...)
	h.buf = b
	sum := sha256.Sum256(b)
	hex.Encode(h.hex[:], sum[:])
	return string(h.hex[:])
}

// lookupKeys returns the IDs of the entries already stored under the keys
// of es.
func (tx *Tx) lookupKeys(es []ledger.Entry) (map[ledger.Key]int64, error) {
	found := map[ledger.Key]int64{}
	for start := 0; start < len(es); {
		n := insertSize(len(es) - start)
		stmt, err := tx.stmt(lookupKeysQuery(n))
		if err != nil {
			return nil, err
		}
		args := make([]any, 0, 2*n)
		for _, e := range es[start : start+n] {
			args = append(args, e.Key.Source, e.Key.ExternalID)
		}
		rows, err := stmt.QueryContext(tx.ctx, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k ledger.Key
			var id int64
			if err := rows.Scan(&id, &k.Source, &k.ExternalID); err != nil {
				rows.Close()
				return nil, err
			}
			found[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		start += n
	}
	return found, nil
}

// insertSize picks how many of n remaining rows the next statement takes:
// 256, 16 or 1, so that few distinct statements are ever prepared.
func insertSize(n int) int {
	switch {
	case n >= rowsPerInsert:
		return rowsPerInsert
	case n >= 16:
		return 16
	}
	return 1
}

// The statements of the write path, prepared once per DB (see
// prepareWriteStmts) rather than once per transaction: a 256-row INSERT
// that fires triggers is costly to compile.
const (
	headQuery          = `SELECT id, hash, recorded_at FROM entries ORDER BY id DESC LIMIT 1`
	setHeadQuery       = `INSERT INTO journal_head (id, entry_id, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET entry_id = excluded.entry_id, hash = excluded.hash`
	findAccountQuery   = `SELECT id, type FROM accounts WHERE name = ?`
	insertAccountQuery = `INSERT INTO accounts (name, type) VALUES (?, ?)`
)

func writeQueries() []string {
	qs := []string{headQuery, setHeadQuery, findAccountQuery, insertAccountQuery, closedThroughQuery}
	qs = append(qs, balanceHistoryQueries()...)
	for _, n := range []int{1, 16, rowsPerInsert} {
		qs = append(qs, lookupKeysQuery(n), insertPostingsQuery(n), insertEntriesQuery(n))
	}
	return qs
}

// prepareWriteStmts prepares the write statements on first use. It runs
// outside any transaction: the writer pool has one connection, which a
// transaction would hold.
func (db *DB) prepareWriteStmts(ctx context.Context) error {
	db.prepareOnce.Do(func() {
		stmts := map[string]*sql.Stmt{}
		for _, q := range writeQueries() {
			st, err := db.w.PrepareContext(ctx, q)
			if err != nil {
				for _, s := range stmts {
					s.Close()
				}
				db.prepareErr = fmt.Errorf("prepare %.40s...: %w", q, err)
				return
			}
			stmts[q] = st
		}
		db.writeStmts = stmts
	})
	return db.prepareErr
}

// queryCache holds the multi-row statements' text by kind and row count,
// so that the hot path does not rebuild 2,000-placeholder strings.
var queryCache sync.Map // [2]int{kind, n} -> string

func cachedQuery(kind, n int, build func(int) string) string {
	if q, ok := queryCache.Load([2]int{kind, n}); ok {
		return q.(string)
	}
	q := build(n)
	queryCache.Store([2]int{kind, n}, q)
	return q
}

func insertPostingsQuery(n int) string { return cachedQuery(1, n, buildInsertPostings) }
func insertEntriesQuery(n int) string  { return cachedQuery(2, n, buildInsertEntries) }
func lookupKeysQuery(n int) string     { return cachedQuery(3, n, buildLookupKeys) }

func buildInsertPostings(n int) string {
	return `INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES ` + placeholders(n, 5)
}

func buildInsertEntries(n int) string {
	return `INSERT INTO entries (id, source, external_id, date, recorded_at, description, meta, reverses, prev_hash, hash) VALUES ` + placeholders(n, 10)
}

func buildLookupKeys(n int) string {
	return `SELECT e.id, e.source, e.external_id FROM (VALUES ` + placeholders(n, 2) + `) k
		JOIN entries e ON e.source = k.column1 AND e.external_id = k.column2`
}

func (tx *Tx) insertPostings(rows []postingRow) error {
	for start := 0; start < len(rows); {
		n := insertSize(len(rows) - start)
		stmt, err := tx.stmt(insertPostingsQuery(n))
		if err != nil {
			return err
		}
		args := make([]any, 0, 5*n)
		for _, r := range rows[start : start+n] {
			// units, frac_hi and frac_lo are generated by SQLite from amount.
			args = append(args, r.entryID, r.seq, r.accountID, r.currency, r.amt.text)
		}
		if _, err := stmt.ExecContext(tx.ctx, args...); err != nil {
			return fmt.Errorf("postings of entries %d-%d: %w", rows[start].entryID, rows[start+n-1].entryID, mapError(err))
		}
		start += n
	}
	return nil
}

type acctCur struct {
	account  int64
	currency string
}

func (tx *Tx) insertEntries(es []pendingEntry) error {
	for start := 0; start < len(es); {
		n := insertSize(len(es) - start)
		stmt, err := tx.stmt(insertEntriesQuery(n))
		if err != nil {
			return err
		}
		args := make([]any, 0, 10*n)
		recorded := formatTime(tx.Now)
		for _, p := range es[start : start+n] {
			e := &p.e
			var reverses any
			if e.Reverses != 0 {
				reverses = e.Reverses
			}
			args = append(args, e.ID, e.Key.Source, e.Key.ExternalID, e.Date.String(), recorded, e.Description, p.meta, reverses, e.PrevHash, e.Hash)
		}
		if _, err := stmt.ExecContext(tx.ctx, args...); err != nil {
			return fmt.Errorf("entries %d-%d: %w", es[start].e.ID, es[start+n-1].e.ID, mapError(err))
		}
		start += n
	}
	return nil
}

// placeholders returns n groups of k "?": "(?, ?), (?, ?)".
func placeholders(n, k int) string {
	group := "(" + strings.Repeat("?, ", k-1) + "?)"
	var b strings.Builder
	b.Grow(n * (len(group) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(group)
	}
	return b.String()
}

// postedEntries reads the stored entries of lookupKeys' result in one
// query (and one for their postings), by ID.
func (tx *Tx) postedEntries(ids map[ledger.Key]int64) (map[int64]*rawEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	chunk, err := readChunk(tx.ctx, tx.tx, "e.id IN (?"+strings.Repeat(", ?", len(args)-1)+")", args, 0, len(args))
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*rawEntry, len(chunk))
	for i := range chunk {
		out[chunk[i].id] = &chunk[i]
	}
	return out, nil
}

// sameAsPosted compares the content of an entry posted again under key
// (newC) with that of entry id (stored, from postedEntries), which was
// posted under key before.
func sameAsPosted(key ledger.Key, newC string, id int64, stored *rawEntry) error {
	if stored == nil {
		return ledger.Errorf(ledger.ENOTFOUND, "entry %d not found", id)
	}
	old, err := stored.entry()
	if err != nil {
		return err
	}
	return ledger.SameAsPosted(key, newC, &old)
}

func encodeMeta(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	// The common case by hand: keys and values of printable ASCII that
	// JSON writes as they are (json.Marshal escapes ", \, <, > and &).
	var arr [8]string
	keys := arr[:0]
	n := 2
	for k, v := range m {
		if !plainJSON(k) || !plainJSON(v) {
			b, err := json.Marshal(m) // keys sorted
			return string(b), err
		}
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	sort.Strings(keys)
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":"`...)
		b = append(b, m[k]...)
		b = append(b, '"')
	}
	b = append(b, '}')
	return string(b), nil
}

// decodePlainMeta decodes what encodeMeta writes by hand: {"k":"v",...}
// with plainJSON keys and values, and no spaces. ok is false for anything
// else (json.Unmarshal decodes it, or says what is wrong).
func decodePlainMeta(s string) (m map[string]string, ok bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	// str reads a quoted plain string at s[i:], returning it and the index
	// after the closing quote.
	str := func(i int) (string, int, bool) {
		if i >= len(s) || s[i] != '"' {
			return "", 0, false
		}
		for j := i + 1; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"':
				return s[i+1 : j], j + 1, true
			case c < 0x20 || c > 0x7e || c == '\\':
				return "", 0, false
			}
		}
		return "", 0, false
	}
	m = map[string]string{}
	for i := 1; ; {
		k, j, ok := str(i)
		if !ok || j >= len(s) || s[j] != ':' {
			return nil, false
		}
		v, j, ok := str(j + 1)
		if !ok {
			return nil, false
		}
		m[k] = v
		switch {
		case j == len(s)-1:
			return m, true
		case s[j] != ',':
			return nil, false
		}
		i = j + 1
	}
}

// plainJSON reports whether json.Marshal writes s between quotes unchanged.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

func decodeMeta(s string) (map[string]string, error) {
	if s == "{}" || s == "" {
		return nil, nil
	}
	if m, ok := decodePlainMeta(s); ok {
		return m, nil
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
	find, err := tx.stmt(findAccountQuery)
	if err != nil {
		return 0, err
	}
	var id int64
	var stored string
	switch err := find.QueryRowContext(tx.ctx, name).Scan(&id, &stored); {
	case err == sql.ErrNoRows:
		ins, err := tx.stmt(insertAccountQuery)
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
	tx.accountsAdded = append(tx.accountsAdded, name)
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

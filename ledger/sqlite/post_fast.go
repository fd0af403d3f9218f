package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/revshare/revshare/ledger"
)

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
	postArgs []any        // 5 per posting row: entry_id, seq, account_id, currency, amount
	entArgs  []any        // 10 per entry row (insertEntriesQuery's columns)
	slots    []acctSlot   // postArgs account_id positions the consumer resolves
	days     []dayPosting // one per posting row (account_id from postArgs)
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

// fastProducer builds the chunks of one call.
type fastProducer struct {
	entry    func(i int) ledger.Entry
	results  []ledger.PostResult
	closed   ledger.Date
	headID   int64
	headHash string
	hasher   chainHasher
	seen     map[ledger.Key]fastSeen // entries of this call, for in-call retries
	accounts map[string]int64        // from the DB's cache
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

// fastSeen is an entry of the fast path's call by its key: its ID and its
// index in the call. Its content is computed again only when its key comes
// back (rare): held for every entry, the contents were 4 MB of live heap in
// a call of 10,000 import entries (docs/design/speed.md, section 2, session
// 18).
type fastSeen struct {
	id    int64
	index int
}

// chunk builds entries [start, end).
func (p *fastProducer) chunk(start, end int) fastChunk {
	c := fastChunk{
		postArgs: make([]any, 0, 10*(end-start)),
		entArgs:  make([]any, 0, 10*(end-start)),
		days:     make([]dayPosting, 0, 2*(end-start)),
	}
	for i := start; i < end; i++ {
		ent := p.entry(i)
		e := &ent
		if c.err = e.Validate(); c.err != nil {
			return c
		}
		content := e.Content()
		if prev, ok := p.seen[e.Key]; ok {
			if earlier := p.entry(prev.index); earlier.Content() != content {
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
		day := dayOf(e.Date)
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
			c.days = append(c.days, dayPosting{entry: id, date: day, currency: ps.Currency, l: amt.l})
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
		p.seen[e.Key] = fastSeen{id, i}
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
func (tx *Tx) postFast(n int, entry func(i int) ledger.Entry, postings int) ([]ledger.PostResult, error) {
	closed, err := tx.ClosedThrough()
	if err != nil {
		return nil, err
	}
	p := &fastProducer{
		entry: entry, results: make([]ledger.PostResult, n), closed: closed,
		headID: tx.headID, headHash: tx.headHash, hasher: newChainHasher(tx.Now),
		seen: make(map[ledger.Key]fastSeen, n), accounts: map[string]int64{}, db: tx.db,
		boxes: map[string]any{}, dates: map[ledger.Date]any{}, recordedBox: formatTime(tx.Now), headHashBox: tx.headHash,
	}
	chunks, stop := produceAhead(n, firstFastChunk, rowsPerInsert, p.chunk,
		func(c fastChunk) bool { return c.err != nil })
	defer stop()
	hist := balanceHistory{rows: make([]dayPosting, 0, postings)}
	// Staging pays when the postings take more than one statement.
	stage := postings > rowsPerInsert
	var entChunks [][]any // the entries of the staged postings, inserted after them
	flush := func() error {
		if err := tx.flushStagedPostings(); err != nil {
			return err
		}
		for _, args := range entChunks {
			if err := tx.execRows(insertEntriesQuery, 10, args); err != nil {
				return err
			}
		}
		clear(entChunks) // the arguments are garbage now, not held to the end of the call
		entChunks = entChunks[:0]
		return nil
	}
	staged := 0
	for c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
		if len(c.slots) > 1 {
			names := make([]string, len(c.slots))
			for i, s := range c.slots {
				names[i] = s.name
			}
			if err := tx.addAccounts(names); err != nil {
				return nil, err
			}
		}
		for _, s := range c.slots {
			id, err := tx.accountID(s.name)
			if err != nil {
				return nil, err
			}
			c.postArgs[s.arg] = id
		}
		for i := range c.days {
			c.days[i].account = c.postArgs[5*i+2].(int64)
		}
		hist.rows = append(hist.rows, c.days...)
		// Postings first, then the entries that seal them.
		if stage {
			if err := tx.execRows(insertStagedPostingsQuery, 5, c.postArgs); err != nil {
				return nil, err
			}
			entChunks = append(entChunks, c.entArgs)
			if staged += len(c.postArgs) / 5; staged >= maxStagedPostings {
				if err := flush(); err != nil {
					return nil, err
				}
				staged = 0
			}
		} else {
			if err := tx.execRows(insertPostingsQuery, 5, c.postArgs); err != nil {
				return nil, err
			}
			if err := tx.execRows(insertEntriesQuery, 10, c.entArgs); err != nil {
				return nil, err
			}
		}
		tx.headID, tx.headHash = c.headID, c.headHash
	}
	if len(entChunks) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if err := tx.writeBalanceHistory(&hist); err != nil {
		return nil, err
	}
	return p.results, nil
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

// Staged postings. Every statement that inserts postings copies each page
// of postings_account (account_id, entry_id) that it changes into
// SQLite's statement journal first (docs/design/speed.md, section 2): a
// statement of 256 entries of a book of 2,000 accounts changes about one
// leaf per posting, so an import wrote each posting's leaf page to the
// journal again and again. A call of more than one statement's postings
// therefore stages them in a temporary table (no constraints, no
// triggers: no journal) and inserts them in one statement per
// maxStagedPostings, in postings_account order, which changes each
// account's leaf once; the entries that seal them follow. The postings,
// their checks and triggers are those of the direct path.
var maxStagedPostings = 32768 // a variable for the tests

const (
	createPostingsStageQuery = `CREATE TEMP TABLE IF NOT EXISTS postings_stage (entry_id INTEGER, seq INTEGER, account_id INTEGER, currency TEXT, amount TEXT)`
	flushPostingsStageQuery  = `INSERT INTO postings (entry_id, seq, account_id, currency, amount)
		SELECT entry_id, seq, account_id, currency, amount FROM temp.postings_stage ORDER BY account_id, entry_id`
	clearPostingsStageQuery = `DELETE FROM temp.postings_stage`
)

func insertStagedPostingsQuery(n int) string {
	return cachedQuery(4, n, func(n int) string {
		return `INSERT INTO temp.postings_stage (entry_id, seq, account_id, currency, amount) VALUES ` + placeholders(n, 5)
	})
}

// countPostings is the number of postings of entries.
func countPostings(entries []ledger.Entry) int {
	n := 0
	for i := range entries {
		n += len(entries[i].Postings)
	}
	return n
}

// flushStagedPostings inserts the staged postings and empties the stage.
func (tx *Tx) flushStagedPostings() error {
	for _, q := range []string{flushPostingsStageQuery, clearPostingsStageQuery} {
		st, err := tx.stmt(q)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(tx.ctx); err != nil {
			return mapError(err)
		}
	}
	return nil
}

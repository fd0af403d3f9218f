// Posting entries: PostEntries and its careful path, which looks every
// key up first (post_fast.go is the path that assumes none is stored).

package sqlite

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

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
	return tx.post(len(entries), func(i int) ledger.Entry { return entries[i] }, countPostings(entries))
}

// PostEntriesFunc posts the n entries that entry builds, as PostEntries
// posts a slice of them. The fast path calls entry(i) when it encodes
// the i-th entry (and again only for a key met twice in the call), so a
// call holds a few chunks of entries rather than all n: the 10,000
// entries of an import's call held at once raised the peak of its live
// heap by 7 MB and its peak RSS by 9 MiB (docs/design/speed.md, section
// 2, session 21). entry must return the same entry each time.
func (tx *Tx) PostEntriesFunc(n int, entry func(i int) ledger.Entry) ([]ledger.PostResult, error) {
	return tx.post(n, entry, 2*n) // an entry has two postings or more (ledger.Entry.Validate)
}

// post posts n entries; postings is their number of postings, or a
// lower bound of it.
func (tx *Tx) post(n int, entry func(i int) ledger.Entry, postings int) ([]ledger.PostResult, error) {
	if err := tx.flushHistoryEarly(); err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `SAVEPOINT post_entries`); err != nil { // not prepared: the driver caches nothing, and it is one per call
		return nil, err
	}
	headID, headHash := tx.headID, tx.headHash
	clear(tx.accountsAdded) // the names stay in newAccounts
	tx.accountsAdded = tx.accountsAdded[:0]
	tx.callHist.reset()
	// undo rolls the database back to the savepoint and forgets what this
	// call cached: its accounts are gone, or a later account would reuse
	// their IDs.
	undo := func() error {
		tx.headID, tx.headHash = headID, headHash
		for _, name := range tx.accountsAdded {
			delete(tx.newAccounts, name)
		}
		clear(tx.accountsAdded)
		tx.accountsAdded = tx.accountsAdded[:0]
		tx.callHist.reset()
		_, err := tx.tx.ExecContext(tx.ctx, `ROLLBACK TO post_entries`)
		return err
	}
	var res []ledger.PostResult
	err := errFastPath
	if !tx.db.slowPostOnly {
		res, err = tx.postFast(n, entry, postings)
	}
	if err != nil {
		if rerr := undo(); rerr != nil {
			return nil, fmt.Errorf("%w (and rollback failed: %v)", err, rerr)
		}
		entries := make([]ledger.Entry, n)
		for i := range entries {
			entries[i] = entry(i)
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
	tx.hist.merge(&tx.callHist)
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

func (tx *Tx) insertPostings(rows []postingRow) error {
	for start := 0; start < len(rows); {
		n := insertSize(len(rows) - start)
		stmt, err := tx.stmt(insertPostingsQuery(n))
		if err != nil {
			return err
		}
		args := make([]any, 0, 5*n)
		for _, r := range rows[start : start+n] {
			// the limbs l0..l7 are generated by SQLite from amount.
			args = append(args, r.entryID, r.seq, r.accountID, r.currency, r.amt.text)
		}
		if _, err := stmt.ExecContext(tx.ctx, args...); err != nil {
			return fmt.Errorf("postings of entries %d-%d: %w", rows[start].entryID, rows[start+n-1].entryID, mapError(err))
		}
		start += n
	}
	return nil
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

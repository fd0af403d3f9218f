package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// VerifyError is an invariant violation found by Verify.
type VerifyError = ledger.VerifyError

func broken(id int64, format string, args ...any) *VerifyError {
	return &VerifyError{EntryID: id, Reason: fmt.Sprintf(format, args...)}
}

// verifyChecks are extra invariant checks that other files of this package
// register in init (event <-> entry links, statement hashes, ...). Verify
// runs them after the journal checks, in the same read snapshot, maybe at
// the same time as each other on several connections (verify_parallel.go):
// each must only read through the transaction it is given. The error of
// the first in order is verify's. A check should return a *VerifyError
// naming what is broken; other errors count as internal.
var verifyChecks []func(ctx context.Context, tx *sql.Tx) error

// keysOfBoth lists the keys of want, then those of have that want lacks,
// unordered: the rows a check compares, stored or expected.
func keysOfBoth[K comparable, V, W any](want map[K]V, have map[K]W) []K {
	keys := make([]K, 0, len(want)+len(have))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// verifyChunk is how many entries Verify reads per query.
const verifyChunk = 4096

// Verify checks every invariant the store keeps (see VerifyReport) and
// reports the first violation as a result with OK false (ledger.Verifier).
// reports.Verifier adds the final statements, rendered again.
func (db *DB) Verify(ctx context.Context, anchors ...ledger.Anchor) (ledger.VerifyResult, error) {
	res, err := db.VerifyReport(ctx, anchors...)
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ledger.VerifyResult{Violation: ve.Error(), EntryID: ve.EntryID}, nil
	}
	return res, err
}

// VerifyReport streams every entry in ID order, in one read snapshot, and
// checks: IDs contiguous from 1; each prev_hash is the hash of the entry
// before; each hash recomputes (ledger.ChainHash) from the stored content;
// recorded-at never decreases; each entry has two or more postings,
// numbered 1..n, on existing accounts whose stored type matches the name,
// in known currencies, with TEXT amounts that agree with their integer
// columns and balance per currency; no posting belongs to a missing entry;
// the chain heads recorded by period closes are still in the chain; the
// totals per currency are zero. Then it runs the checks registered in
// verifyChecks. The first violation is returned as a *VerifyError.
func (db *DB) VerifyReport(ctx context.Context, anchors ...ledger.Anchor) (ledger.VerifyResult, error) {
	return db.VerifyBooksReport(ctx, nil, anchors...)
}

// VerifyBooksReport is VerifyReport, then booksCheck (when not nil) in the same
// read snapshot (books.Verifier): the domain's checks of the final
// statements (reports.VerifyFinalStatements), which only it can render
// again.
func (db *DB) VerifyBooksReport(ctx context.Context, booksCheck func(books.ReadTx) error, anchors ...ledger.Anchor) (ledger.VerifyResult, error) {
	var res ledger.VerifyResult
	var factHead ledger.FactHead
	journalAnchors, factAnchors := ledger.SplitAnchors(anchors)
	ctx, facts := withJournalFacts(ctx)
	var aux []*sql.Tx // the journal task's own, in the same snapshot (set below)
	tasks := []verifyTask{
		func(ctx context.Context, tx *sql.Tx) error { return quickCheck(ctx, db, tx) },
		func(ctx context.Context, tx *sql.Tx) (err error) {
			res, err = verifyJournal(ctx, tx, aux, journalAnchors, facts)
			return err
		},
	}
	for _, check := range verifyChecks {
		tasks = append(tasks, check)
	}
	if booksCheck != nil {
		tasks = append(tasks, func(ctx context.Context, tx *sql.Tx) error { return booksCheck(booksRows{ctx, tx}) })
	}
	// The fact chain last, as on PostgreSQL: a row the checks before name
	// against the journal, the events or the statements rendered again is
	// named there first, in their words.
	tasks = append(tasks, func(ctx context.Context, tx *sql.Tx) (err error) {
		factHead, err = verifyFactChain(ctx, tx, factAnchors)
		return err
	})
	workers := verifyWorkers(len(tasks))
	n := workers
	if workers > 1 {
		n += journalTxs
	}
	txs, err := db.readSnapshot(ctx, n)
	if err != nil {
		return res, err
	}
	defer rollbackAll(txs)
	if len(txs) > workers {
		txs, aux = txs[:workers], txs[workers:]
	}
	if err := runInOrder(ctx, txs, tasks); err != nil {
		if isScanError(err) {
			if msg := storedTypeError(ctx, db.r); msg != "" {
				return ledger.VerifyResult{}, &VerifyError{Reason: msg}
			}
		}
		return ledger.VerifyResult{}, err
	}
	res.FactLinks, res.FactHead = factHead.Seq, factHead.Hash
	return res, nil
}

// journalTxs is how many read transactions verifyJournal takes besides
// its task's, when verify runs on several: one for each of its two
// readers, which on one connection take turns in SQLite (each row is
// stepped under the connection's lock), then for the balance versions'
// comparison beside the days' (docs/design/speed.md, section 4).
const journalTxs = 2

// verifyJournal checks the journal and what is derived from it (the
// running totals, the balance history): VerifyReport's checks before the
// registered ones. It gathers facts (if not nil) for the checks after it.
// It reads through rtx, and through aux (up to journalTxs more
// transactions in the same snapshot) where it reads in parallel.
func verifyJournal(ctx context.Context, rtx *sql.Tx, aux []*sql.Tx, anchors []ledger.Anchor, facts *journalFacts) (ledger.VerifyResult, error) {
	var res ledger.VerifyResult
	defer facts.publish(false)
	closes, err := closeAnchors(ctx, rtx)
	if err != nil {
		return res, err
	}
	accounts, err := loadAccounts(ctx, rtx)
	if err != nil {
		return res, err
	}
	history, err := newHistoryScan(ctx, rtx)
	if err != nil {
		return res, err
	}
	v := verifier{totals: map[string]*intSum{}, anchors: closes, seen: map[int64]string{},
		accountProblems: map[int64]string{}, accountSums: map[acctCur]*plainSum{}, history: history, facts: facts}
	v.content.times = &v.times
	for _, a := range anchors {
		v.seen[a.ID] = ""
	}
	for id, as := range closes {
		for _, a := range as {
			v.closeHeads = append(v.closeHeads, closeHead{id, a.through})
		}
	}
	sort.Slice(v.closeHeads, func(i, j int) bool { return v.closeHeads[i].headID < v.closeHeads[j].headID })
	// Reading and checking overlap: one goroutine reads the entries and
	// another their postings, range by range of IDs, each on its own
	// transaction when there are (on one, they take turns in SQLite); this
	// one checks them in order.
	entTx, postTx := rtx, rtx
	if len(aux) >= 2 {
		entTx, postTx = aux[0], aux[1]
	}
	var maxID sql.NullInt64
	if err := rtx.QueryRowContext(ctx, `SELECT max(id) FROM entries`).Scan(&maxID); err != nil {
		return res, err
	}
	if facts != nil {
		facts.maxID = maxID.Int64
	}
	// Every posting narrow (narrowDay: SQLite checks it in one pass), the
	// postings' six zero limbs are not read (the TEXT amounts are checked
	// against the limbs as read either way).
	narrow, err := allNarrow(ctx, postTx, "postings", narrowDay)
	if err != nil {
		return res, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Each range's slice is made with room for as many rows as the last
	// one's (growing them by appending cost 0.5 s at 1M entries).
	lastPostings := 0
	ents, entErr := readRanges(rctx, maxID.Int64, func(lo, hi int64) ([]rawEntry, error) {
		return appendEntries(rctx, entTx, make([]rawEntry, 0, verifyChunk), `SELECT id, source, external_id, date, recorded_at, description, meta, reverses, prev_hash, hash
			FROM entries WHERE id > ? AND id <= ? ORDER BY id`, lo, hi)
	})
	posts, postErr := readRanges(rctx, maxID.Int64, func(lo, hi int64) ([]rawPosting, error) {
		ps, err := appendPostingsWhere(rctx, postTx, make([]rawPosting, 0, lastPostings), accounts, narrow, "p.entry_id > ? AND p.entry_id <= ?", lo, hi)
		lastPostings = len(ps)
		return ps, err
	})
	var checkErr error
	for hi := int64(verifyChunk); ; hi += verifyChunk {
		chunk, ok := <-ents
		if !ok {
			break
		}
		ps, ok := <-posts
		if !ok {
			break // the postings reader failed: its error follows
		}
		attachPostings(chunk, ps)
		for i := range chunk {
			if checkErr = v.check(&chunk[i]); checkErr != nil {
				break
			}
		}
		if checkErr == nil && v.lastID < hi && hi < maxID.Int64 {
			// The IDs jump past the end of this range (maybe far: do not
			// wait for the readers to get there).
			var next int64
			if checkErr = rtx.QueryRowContext(ctx, `SELECT min(id) FROM entries WHERE id > ?`, hi).Scan(&next); checkErr == nil {
				checkErr = v.gap(next)
			}
		}
		if checkErr != nil {
			break
		}
		facts.progress(v.lastID)
	}
	cancel() // the readers stop; drain until they close their channels
	for range ents {
	}
	for range posts {
	}
	// A reader stopped by the cancel above says "context canceled"; the
	// other one's error is the real one (it was reported before).
	for _, errc := range []<-chan error{entErr, postErr} {
		if err := <-errc; checkErr == nil && err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() == nil) {
			checkErr = err
		}
	}
	facts.publish(checkErr == nil)
	if checkErr != nil {
		return res, checkErr
	}
	if err := v.orphans(ctx, rtx); err != nil {
		return res, err
	}
	if err := v.finish(); err != nil {
		return res, err
	}
	if err := v.head(ctx, rtx); err != nil {
		return res, err
	}
	for _, a := range anchors {
		if err := v.anchor(a); err != nil {
			return res, err
		}
	}
	if err := v.balanceTotals(ctx, rtx, accounts); err != nil {
		return res, err
	}
	var vtx querier = rtx
	if len(aux) > 0 {
		vtx = aux[0]
	}
	if err := v.history.check(ctx, rtx, vtx); err != nil {
		return res, err
	}
	return ledger.VerifyResult{OK: true, Entries: v.lastID, HeadHash: v.lastHash}, nil
}

// readRanges calls read for the ID ranges (0, n], (n, 2n], ... up to
// maxID (n = verifyChunk) in a goroutine, sending the results in order. The
// error channel receives one value when it stops: nil once every range is
// read, else the first error (ctx's when it was cancelled).
func readRanges[T any](ctx context.Context, maxID int64, read func(lo, hi int64) (T, error)) (<-chan T, <-chan error) {
	out := make(chan T, 2)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		for lo := int64(0); lo < maxID; lo += verifyChunk {
			chunk, err := read(lo, lo+verifyChunk)
			if err != nil {
				errc <- err
				return
			}
			select {
			case out <- chunk:
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
		errc <- nil
	}()
	return out, errc
}

// intSum is an exact running sum of amounts' limbs.
type intSum struct{ l limbs }

func (s *intSum) add(l limbs) {
	s.l.add(l)
	// Carry now so that nothing overflows however many postings are summed.
	s.l.carry()
}

func (s *intSum) value() decimal.Decimal { return s.l.value() }

type verifier struct {
	lastID       int64
	lastHash     string
	lastRecorded string
	totals       map[string]*intSum
	anchors      map[int64][]closeAnchor
	closeHeads   []closeHead      // every close's head entry, by entry ID
	closedAt     string           // the latest through of the closes before the entry being checked
	seen         map[int64]string // hashes of the entries named by caller anchors

	accountProblems map[int64]string      // by account ID: what is wrong with it, "" if nothing
	accountSums     map[acctCur]*plainSum // the postings' integer columns summed, for balance_totals
	history         *historyScan          // the balance history recomputed
	hasher          chainHasher           // for entries recorded at hashedAt
	hashedAt        string                // recorded_at text the hasher formats
	facts           *journalFacts         // gathered for the checks after the journal's
	entrySums       []currencySum         // checkPostings' buffer
	postingAccounts []*accountHistory     // the entry's postings' accounts and currencies
	times           parsedTimes           // the last date and recorded-at parsed
	content         contentWriter         // the entries' Content from their stored texts, through times
	contentBuf      []byte                // the entry's Content
}

// plainSum sums limb columns as SQL's sum() does: each part alone.
type plainSum = limbs

func (v *verifier) anchor(a ledger.Anchor) error {
	h := v.seen[a.ID]
	switch {
	case a.ID > v.lastID:
		return broken(a.ID, "missing: the anchor names it but the journal ends at entry %d", v.lastID)
	case h != a.Hash:
		return broken(a.ID, "hash %s differs from the anchor %s", short(h), short(a.Hash))
	}
	return nil
}

// head compares the end of the journal with journal_head.
func (v *verifier) head(ctx context.Context, q querier) error {
	var id int64
	var hash string
	switch err := q.QueryRowContext(ctx, `SELECT entry_id, hash FROM journal_head WHERE id = 1`).Scan(&id, &hash); {
	case err == sql.ErrNoRows:
		if v.lastID > 0 {
			return broken(1, "entries exist but no journal head is recorded")
		}
		return nil
	case err != nil:
		return err
	}
	switch {
	case id > v.lastID:
		return broken(v.lastID+1, "missing: the journal ends at entry %d but its recorded head is entry %d", v.lastID, id)
	case id < v.lastID:
		return broken(id+1, "beyond the recorded journal head (entry %d): appended outside revshare", id)
	case hash != v.lastHash:
		return broken(id, "hash differs from the recorded journal head")
	}
	return nil
}

type closeAnchor struct{ through, hash string }

// closeHead is a close's through date and the last entry before it.
type closeHead struct {
	headID  int64
	through string
}

func closeAnchors(ctx context.Context, q querier) (map[int64][]closeAnchor, error) {
	rows, err := q.QueryContext(ctx, `SELECT through, head_id, head_hash FROM period_closes ORDER BY through`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64][]closeAnchor{}
	for rows.Next() {
		var a closeAnchor
		var id int64
		if err := rows.Scan(&a.through, &id, &a.hash); err != nil {
			return nil, err
		}
		if id == 0 && a.hash == "" {
			continue // closed while the journal was empty
		}
		m[id] = append(m[id], a)
	}
	return m, rows.Err()
}

// orphans reports postings whose entry is missing beyond the journal's
// ends. (A posting of a missing entry inside the journal is reported by the
// ID check as the missing entry; an extra posting on an existing entry
// breaks its balance or its hash.)
func (v *verifier) orphans(ctx context.Context, q querier) error {
	var orphan sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT min(entry_id) FROM postings WHERE entry_id < 1 OR entry_id > ?`, v.lastID).Scan(&orphan); err != nil {
		return err
	}
	if orphan.Valid {
		return broken(orphan.Int64, "postings exist but the entry is missing")
	}
	return nil
}

// gap reports that the entry after the last one checked is next.
func (v *verifier) gap(next int64) error {
	if v.lastID == 0 {
		return broken(1, "missing: the journal starts at entry %d", next)
	}
	return broken(v.lastID+1, "missing: entry ids jump from %d to %d", v.lastID, next)
}

// check verifies one entry; entries arrive in ID order.
func (v *verifier) check(r *rawEntry) error {
	want := v.lastID + 1
	switch {
	case r.id > want:
		return v.gap(r.id)
	case r.id != want:
		return broken(r.id, "out of sequence after entry %d", v.lastID)
	}
	if r.prevHash != v.lastHash {
		if r.id == 1 {
			return broken(r.id, "prev_hash is %q, want empty for the first entry", short(r.prevHash))
		}
		return broken(r.id, "prev_hash does not match the hash of entry %d", v.lastID)
	}
	if r.recordedAt < v.lastRecorded {
		return broken(r.id, "recorded_at %s is before entry %d's %s", r.recordedAt, v.lastID, v.lastRecorded)
	}
	// The entry's Content, from its stored texts when they are in its form.
	content, kind, ok := v.content.write(v.contentBuf[:0], r)
	v.contentBuf = content
	if !ok {
		e, err := r.entryWith(&v.times)
		if err != nil {
			return broken(r.id, "unreadable: %v", strings.TrimPrefix(err.Error(), fmt.Sprintf("entry %d: ", r.id)))
		}
		content, kind = append(content[:0], e.Content()...), e.Meta["kind"]
	}
	if err := v.checkPostings(r); err != nil {
		return err
	}
	v.history.entry(r, v.postingAccounts)
	if reverses := r.reverses.Int64; reverses < 0 || reverses >= r.id {
		return broken(r.id, "reverses entry %d, which does not precede it", reverses)
	}
	if r.source == "" || r.externalID == "" {
		return broken(r.id, "idempotency key needs a source and an external id")
	}
	if r.recordedAt != v.hashedAt || v.hashedAt == "" {
		v.hasher, v.hashedAt = newChainHasher(v.times.recorded), r.recordedAt
	}
	if h := v.hasher.hashBytes(r.prevHash, r.id, content); h != r.hash {
		return broken(r.id, "hash does not match its content (stored %s, computed %s)", short(r.hash), short(h))
	}
	for _, a := range v.anchors[r.id] {
		if a.hash != r.hash {
			return broken(r.id, "hash differs from the chain head recorded when closing through %s", a.through)
		}
	}
	delete(v.anchors, r.id)
	for len(v.closeHeads) > 0 && v.closeHeads[0].headID < r.id {
		v.closedAt = max(v.closedAt, v.closeHeads[0].through)
		v.closeHeads = v.closeHeads[1:]
	}
	if v.closedAt != "" && r.date <= v.closedAt {
		return broken(r.id, "dated %s, in a period closed (through %s) before it was posted", r.date, v.closedAt)
	}
	if _, ok := v.seen[r.id]; ok {
		v.seen[r.id] = r.hash
	}
	v.facts.add(r, kind)
	v.lastID, v.lastHash, v.lastRecorded = r.id, r.hash, r.recordedAt
	return nil
}

// checkPostings checks the stored form of each posting and the entry's
// balance recomputed from the TEXT amounts (exactly, with the integer parts
// of the TEXT, which must also agree with the stored integer columns).
func (v *verifier) checkPostings(r *rawEntry) error {
	if len(r.postings) < 2 {
		return broken(r.id, "has %d posting(s), needs at least 2", len(r.postings))
	}
	sums := v.entrySums[:0] // the entry's sums per currency
	v.postingAccounts = v.postingAccounts[:0]
	for i, p := range r.postings {
		if p.seq != int64(i+1) {
			return broken(r.id, "postings are numbered %d where %d is expected", p.seq, i+1)
		}
		problem, ok := v.accountProblems[p.accountID]
		if !ok {
			problem = accountProblem(&p)
			v.accountProblems[p.accountID] = problem
		}
		if problem != "" {
			return broken(r.id, "posting %d: %s", p.seq, problem)
		}
		if !ledger.IsCurrency(p.currency) {
			return broken(r.id, "posting %d: unknown ISO 4217 currency %q", p.seq, p.currency)
		}
		l, ok := splitText(p.amount)
		if !ok {
			return broken(r.id, "posting %d: malformed amount %q", p.seq, p.amount)
		}
		if l != p.l {
			return broken(r.id, "posting %d: amount %s disagrees with its limb columns %v", p.seq, p.amount, p.l)
		}
		k := acctCur{p.accountID, p.currency}
		a := v.history.account(k)
		if !a.posted {
			a.posted = true
			v.accountSums[k] = &a.sum
		}
		a.sum.add(l)
		v.postingAccounts = append(v.postingAccounts, a)
		j := 0
		for j < len(sums) && sums[j].currency != p.currency {
			j++
		}
		if j == len(sums) {
			sums = append(sums, currencySum{currency: p.currency})
		}
		sums[j].add(l)
		t := v.totals[p.currency]
		if t == nil {
			t = &intSum{}
			v.totals[p.currency] = t
		}
		t.add(l)
	}
	v.entrySums = sums
	var off []currencySum
	for _, s := range sums {
		if !s.l.isZero() {
			off = append(off, s)
		}
	}
	if len(off) > 0 {
		sort.Slice(off, func(i, j int) bool { return off[i].currency < off[j].currency })
		texts := make([]string, len(off))
		for i, s := range off {
			texts[i] = s.value().String() + " " + s.currency
		}
		return broken(r.id, "does not balance: postings sum to %s", strings.Join(texts, ", "))
	}
	return nil
}

// currencySum is an entry's postings in one currency summed.
type currencySum struct {
	currency string
	intSum
}

// accountProblem says what is wrong with a posting's account row (the same
// for every posting on it), or "".
func accountProblem(p *rawPosting) string {
	if !p.account.Valid {
		return fmt.Sprintf("account id %d does not exist", p.accountID)
	}
	typ, err := ledger.AccountTypeOf(p.account.String)
	if err != nil {
		return ledger.ErrorMessage(err)
	}
	if string(typ) != p.acctTyp.String {
		return fmt.Sprintf("account %q is stored with type %q, its name says %q", p.account.String, p.acctTyp.String, typ)
	}
	return ""
}

// finish runs the checks that need the whole journal.
func (v *verifier) finish() error {
	var off []string
	for _, c := range ledger.SortedKeys(v.totals) {
		if t := v.totals[c].value(); !t.IsZero() {
			off = append(off, t.String()+" "+c)
		}
	}
	if len(off) > 0 {
		return broken(0, "ledger totals do not balance: %s", strings.Join(off, ", "))
	}
	for id, as := range v.anchors {
		return broken(0, "the chain head recorded when closing through %s (entry %d) is missing from the journal", as[0].through, id)
	}
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

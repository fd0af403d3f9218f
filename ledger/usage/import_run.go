package usage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"

	"github.com/revshare/revshare/ledger"
)

// ImportStore is what a storage backend does for RunImport: the SQL of an
// import, inside the transactions InTx runs. The flow (all or nothing,
// chunks, duplicates and conflicts, groups and their entries, rejects,
// crash points, dry run) is RunImport's, the same on every backend.
type ImportStore interface {
	// EncodeRow appends the stored form of a good row to dst, on the
	// parser's goroutine (so that encoding runs beside the writes). Its
	// fields known only when the row is stored (ID, batch, group, late)
	// go at split, an offset into what EncodeRow appended.
	EncodeRow(dst []byte, row *Row, digest *[DigestSize]byte) (out []byte, split int, err error)
	// InTx runs fn in one write transaction, committed when fn returns
	// nil; the other methods (but EncodeRow) work in it.
	InTx(ctx context.Context, fn func() error) error
	// BeginImport readies a transaction for source's events; closed is
	// the closed-through date (zero: none).
	BeginImport(source string) (closed ledger.Date, err error)
	// InsertBatch stores a running batch (mode "all" or "partial") and
	// returns its ID.
	InsertBatch(source, file, sha, mode string) (int64, error)
	// FinishBatch writes the batch's counters and SHA-256; done completes it.
	FinishBatch(res ledger.ImportResult, sha string, done bool) error
	// InsertEvents stores rows (their groups assigned) as new events of
	// batch, in order, setting the ID of each row it stored. A row whose
	// key is stored already, before or by an earlier row of rows, is left
	// without an ID; a store may then store none of rows.
	InsertEvents(batch int64, rows []*ImportRow) error
	// LookupEvents returns the stored events with the rows' keys, by key.
	LookupEvents(rows []*ImportRow) (map[string]StoredEvent, error)
	// PostEntries posts the entries of the groups booked (after writing
	// what the store keeps per event stored since the last call).
	PostEntries(entries []ledger.Entry) ([]ledger.PostResult, error)
	// LinkGroups links each group of batch to its entry.
	LinkGroups(batch int64, groups []*Group, entryIDs []int64) error
	// StoreRejectHeader stores the file's header for batch's rejects, if
	// not stored yet; StoreReject stores one bad row of a partial import.
	StoreRejectHeader(batch int64, header []string) error
	StoreReject(batch int64, line int, errs []ledger.RejectError, record []string) error
}

// ImportRow is one row of a file on its way to the store.
type ImportRow struct {
	Line   int
	Event  ledger.Event
	Errors []*RowError // the row is bad when not empty
	Record []string    // the fields as read
	// Good rows only: EncodeRow's output and split, the content digest,
	// the accounting date (before a late shift) and account segments.
	Data            []byte
	Split           int
	Digest          [DigestSize]byte
	Date            ledger.Date
	Seller, Channel string

	ID    int64  // set by InsertEvents
	Group *Group // set before InsertEvents

	record, data [2]int // Record and Data in their batch, until it is sent
}

// StoredEvent is what LookupEvents finds of an event already stored.
type StoredEvent struct {
	Line   int
	Digest []byte // the digest, or the prefix of it the store keeps
	// Event decodes the stored version, with its BatchID, for a conflict.
	Event func() (ledger.Event, error)
}

// ImportTuning sizes the pipeline to a store: the parser sends BatchRows
// rows at a time, and the runner stores up to InsertRows rows per
// InsertEvents call (a batch's last rows are stored before it is reused).
type ImportTuning struct {
	BatchRows, InsertRows int
}

// RunImport imports a usage CSV (spec section 2) into store as one batch:
// every row is validated; each new event is stored under its (source,
// event_id) and counted in its group (Groups); each group posts one entry.
// An event already stored with the same content (Digest) is a duplicate,
// skipped; with other content it is a bad row naming both versions.
//
// By default the whole file is one transaction: with any bad row nothing
// is written and the error is EINVALID (matching ErrBadRows). With
// AllowPartial, bad rows go to OnReject and are stored, and good rows
// commit every ChunkRows rows; re-running the file after a crash completes
// it. DryRun runs everything in a transaction that is rolled back.
// Problems of the whole file (empty, bad header) come back as RowErrors.
//
// Events are first inserted without looking for stored keys; once an
// insert meets one (a re-import, or overlapping exports), the keys are
// looked up first for the rest of the transaction. The file is parsed on
// one goroutine while another stores the rows.
func RunImport(ctx context.Context, r io.Reader, opts ImportOptions, store ImportStore, tune ImportTuning) (ledger.ImportResult, error) {
	if opts.Source == "" {
		opts.Source = "default"
	}
	if err := CheckSource(opts.Source); err != nil {
		return ledger.ImportResult{}, err
	}
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = DefaultChunkRows
	}
	if opts.AllowPartial && opts.DryRun {
		opts.AllowPartial = false // a dry run reports every bad row and writes nothing
	}
	if opts.AllowPartial && len(opts.SHA256) != 64 {
		return ledger.ImportResult{}, ledger.Errorf(ledger.EINVALID, "a partial import needs the file's SHA-256 up front")
	}
	var hasher hash.Hash
	if opts.SHA256 == "" {
		hasher = sha256.New()
		r = io.TeeReader(r, hasher)
	}
	rd, err := NewReader(r, opts.FileName, opts.Mapping)
	if err != nil {
		return ledger.ImportResult{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// About 4096 rows may wait between the parser and the writer.
	depth := max(2, 4096/tune.BatchRows)
	im := &importRun{store: store, opts: opts, tune: tune, rd: rd, hasher: hasher,
		feed: make(chan *rowBatch, depth), free: make(chan *rowBatch, depth+2)}
	go im.parse(ctx)
	if opts.AllowPartial {
		err = im.runPartial(ctx)
	} else {
		err = im.runAll(ctx)
	}
	cancel()
	for range im.feed { // let the parser stop
	}
	return im.res, err
}

// rowBatch is rows of the file as the parser sends them; their Record and
// Data point into fields and data.
type rowBatch struct {
	rows   []ImportRow
	fields []string
	data   []byte
}

// importRun is the state of one RunImport call.
type importRun struct {
	store  ImportStore
	opts   ImportOptions
	tune   ImportTuning
	rd     *Reader
	hasher hash.Hash
	res    ledger.ImportResult
	eof    bool
	chunk  int

	// The parser's side.
	feed     chan *rowBatch // closed after the last batch
	free     chan *rowBatch // batches the writer is done with
	parseErr error          // set before feed is closed

	// The writer's side.
	cur     *rowBatch
	pos     int
	pending []*ImportRow // good rows waiting to be stored
	groups  Groups
	// segment counts flushes within a transaction; keyBase is the file's
	// part of the entries' external IDs.
	segment int
	keyBase string

	// Per transaction.
	closed ledger.Date
	lookUp bool // an insert met a stored key: look keys up first
	header bool // the batch's reject header is stored
}

func (im *importRun) crash(name string) {
	if im.opts.CrashPoint != nil {
		im.opts.CrashPoint(name)
	}
}

// parse reads the file and sends its rows to the writer, until the end of
// the file, a problem of the whole file, or ctx's end.
func (im *importRun) parse(ctx context.Context) {
	defer close(im.feed)
	var (
		row    Row
		digBuf []byte
		rows   int
		segs   = map[string]string{}
		b      = im.newBatch()
	)
	// ledger.AccountSegment, remembered: a file has few sellers and channels.
	segment := func(s string) string {
		v, ok := segs[s]
		if !ok {
			if len(segs) > 10000 {
				clear(segs)
			}
			v = ledger.AccountSegment(s)
			segs[s] = v
		}
		return v
	}
	send := func() bool {
		for i := range b.rows {
			p := &b.rows[i]
			p.Record = b.fields[p.record[0]:p.record[1]:p.record[1]]
			p.Data = b.data[p.data[0]:p.data[1]:p.data[1]]
		}
		select {
		case im.feed <- b:
			b = im.newBatch()
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		err := im.rd.Next(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(b.rows) > 0 && !send() {
				return
			}
			im.parseErr = err
			return
		}
		rows++
		if rows%4096 == 0 && im.opts.OnProgress != nil {
			im.opts.OnProgress(rows, im.rd.BytesRead())
		}
		b.rows = append(b.rows, ImportRow{Line: row.Line, Event: row.Event})
		p := &b.rows[len(b.rows)-1]
		p.record[0] = len(b.fields)
		b.fields = append(b.fields, row.Record...)
		p.record[1] = len(b.fields)
		if len(row.Errors) > 0 {
			p.Errors = append([]*RowError(nil), row.Errors...)
		} else {
			p.Date = p.Event.AccountingDate()
			p.Digest, digBuf = Digest(&p.Event, digBuf)
			p.data[0] = len(b.data)
			if b.data, p.Split, err = im.store.EncodeRow(b.data, &row, &p.Digest); err != nil {
				im.parseErr = err
				return
			}
			p.data[1] = len(b.data)
			p.Seller, p.Channel = segment(p.Event.Seller), segment(p.Event.Channel)
		}
		if len(b.rows) == im.tune.BatchRows && !send() {
			return
		}
	}
	if len(b.rows) > 0 && !send() {
		return
	}
	if im.opts.OnProgress != nil {
		im.opts.OnProgress(rows, im.rd.BytesRead())
	}
}

func (im *importRun) newBatch() *rowBatch {
	select {
	case b := <-im.free:
		b.rows, b.fields, b.data = b.rows[:0], b.fields[:0], b.data[:0]
		return b
	default:
		return &rowBatch{rows: make([]ImportRow, 0, im.tune.BatchRows)}
	}
}

// next returns the next row of the file, or nil after the last.
func (im *importRun) next() (*ImportRow, error) {
	for im.cur == nil || im.pos == len(im.cur.rows) {
		if im.cur != nil {
			// Rows of the finished batch may still wait to be stored.
			if err := im.storePending(); err != nil {
				return nil, err
			}
			select {
			case im.free <- im.cur:
			default:
			}
			im.cur = nil
		}
		b, ok := <-im.feed
		if !ok {
			return nil, im.parseErr
		}
		im.cur, im.pos = b, 0
	}
	im.pos++
	return &im.cur.rows[im.pos-1], nil
}

// runAll imports the whole file in one transaction.
func (im *importRun) runAll(ctx context.Context) error {
	errDryRun := errors.New("dry run")
	err := im.store.InTx(ctx, func() error {
		if err := im.begin(); err != nil {
			return err
		}
		if !im.opts.DryRun {
			if err := im.insertBatch("all"); err != nil {
				return err
			}
		}
		if err := im.rows(ctx, 0); err != nil {
			return err
		}
		if im.res.Rejected > 0 {
			return BadRows(im.opts.FileName, im.res.Rejected, im.res.Rows)
		}
		if err := im.post(); err != nil {
			return err
		}
		if im.opts.DryRun {
			return errDryRun
		}
		if err := im.finishBatch(true); err != nil {
			return err
		}
		im.crash("before-commit")
		return nil
	})
	switch {
	case errors.Is(err, errDryRun):
		im.res.BatchID = 0
		return nil
	case errors.Is(err, ErrBadRows):
		im.res.BatchID = 0
		return err
	case err != nil:
		im.res = ledger.ImportResult{}
		return err
	}
	im.crash("after-commit")
	return nil
}

// runPartial records the batch, then commits chunk after chunk.
func (im *importRun) runPartial(ctx context.Context) error {
	if err := im.store.InTx(ctx, func() error { return im.insertBatch("partial") }); err != nil {
		return err
	}
	im.crash("after-batch")
	for !im.eof {
		im.chunk++
		err := im.store.InTx(ctx, func() error {
			if err := im.begin(); err != nil {
				return err
			}
			if err := im.rows(ctx, im.opts.ChunkRows); err != nil {
				return err
			}
			if err := im.post(); err != nil {
				return err
			}
			if err := im.finishBatch(im.eof); err != nil {
				return err
			}
			im.crash("before-chunk-commit-" + strconv.Itoa(im.chunk))
			return nil
		})
		if err != nil {
			return err
		}
		im.crash("after-chunk-" + strconv.Itoa(im.chunk))
	}
	return nil
}

// begin starts a transaction's part of the import.
func (im *importRun) begin() error {
	im.lookUp, im.header = false, false
	im.pending = im.pending[:0]
	var err error
	if im.closed, err = im.store.BeginImport(im.opts.Source); err != nil {
		return err
	}
	im.groups.Reset(im.closed)
	im.segment = 0
	return nil
}

func (im *importRun) insertBatch(mode string) error {
	sha := im.opts.SHA256
	if sha == "" {
		sha = "pending" // known once the file is read; set by finishBatch
	}
	var err error
	im.res.BatchID, err = im.store.InsertBatch(im.opts.Source, im.opts.FileName, sha, mode)
	return err
}

// finishBatch writes the batch's counters, and completes it when done.
func (im *importRun) finishBatch(done bool) error {
	return im.store.FinishBatch(im.res, im.sha(), done)
}

func (im *importRun) sha() string {
	if im.opts.SHA256 != "" {
		return im.opts.SHA256
	}
	return hex.EncodeToString(im.hasher.Sum(nil))
}

// rows stores up to limit rows (0: all) in the current transaction.
func (im *importRun) rows(ctx context.Context, limit int) error {
	for n := 0; limit == 0 || n < limit; n++ {
		p, err := im.next()
		if err != nil {
			return err
		}
		if p == nil {
			im.eof = true
			break
		}
		im.res.Rows++
		if im.res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(p.Errors) > 0 {
			// Bad rows are reported in file order: store what comes before.
			if err := im.storePending(); err != nil {
				return err
			}
			if err := im.reject(p); err != nil {
				return err
			}
			continue
		}
		im.pending = append(im.pending, p)
		if len(im.pending) == im.tune.InsertRows {
			if err := im.storePending(); err != nil {
				return err
			}
		}
	}
	return im.storePending()
}

// reject counts a bad row, stores it with a partial import's chunk (so
// that it commits or vanishes with the chunk's events; the first of a
// transaction stores the file's header too) and hands it to OnReject.
func (im *importRun) reject(p *ImportRow) error {
	im.res.Rejected++
	if im.opts.AllowPartial && !im.opts.DryRun {
		if !im.header {
			if err := im.store.StoreRejectHeader(im.res.BatchID, nonNil(im.rd.Header())); err != nil {
				return fmt.Errorf("store the header of batch %d: %w", im.res.BatchID, err)
			}
			im.header = true
		}
		errs := make([]ledger.RejectError, len(p.Errors))
		for i, e := range p.Errors {
			errs[i] = ledger.RejectError{Column: e.Column, Value: e.Value, Reason: e.Reason}
		}
		if err := im.store.StoreReject(im.res.BatchID, p.Line, errs, nonNil(p.Record)); err != nil {
			return fmt.Errorf("line %d: store reject: %w", p.Line, err)
		}
	}
	if im.opts.OnReject == nil {
		return nil
	}
	return im.opts.OnReject(&Row{Line: p.Line, Header: im.rd.Header(), Record: p.Record, Event: p.Event, Errors: p.Errors})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// storePending stores the waiting rows: new events are inserted and
// counted in their groups; a stored key is a duplicate (same digest) or a
// conflict (a bad row, reported in file order).
func (im *importRun) storePending() error {
	rows := im.pending
	im.pending = im.pending[:0]
	if len(rows) == 0 {
		return nil
	}
	fresh := rows
	if im.lookUp {
		var err error
		if fresh, err = im.sortOut(rows); err != nil {
			return err
		}
	}
	for len(fresh) > 0 {
		n := im.assign(fresh)
		if n == 0 {
			// Bound memory whatever the file: book what the groups hold
			// so far and start new ones.
			if err := im.flush(); err != nil {
				return err
			}
			continue
		}
		if err := im.insert(fresh[:n]); err != nil {
			return err
		}
		fresh = fresh[n:]
	}
	for _, p := range rows {
		if len(p.Errors) > 0 { // conflicts
			if err := im.reject(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// assign gives rows their groups, up to the first row that would open a
// group past MaxOpenGroups; it returns how many rows it assigned.
func (im *importRun) assign(rows []*ImportRow) int {
	for i, p := range rows {
		if im.groups.Open() >= MaxOpenGroups && im.groups.Find(p.Seller, p.Channel, p.Event.Currency, p.Date) == nil {
			return i
		}
		p.Group = im.groups.Assign(p.Seller, p.Channel, p.Event.Currency, p.Date)
	}
	return len(rows)
}

// insert stores rows, whose groups are assigned, as new events. When an
// insert meets a stored key, the rows it left are looked up (and keys are
// looked up first from then on).
func (im *importRun) insert(rows []*ImportRow) error {
	if err := im.store.InsertEvents(im.res.BatchID, rows); err != nil {
		return err
	}
	left := im.added(rows)
	if len(left) == 0 {
		return nil
	}
	im.lookUp = true
	fresh, err := im.sortOut(left)
	if err != nil || len(fresh) == 0 {
		return err
	}
	if err := im.store.InsertEvents(im.res.BatchID, fresh); err != nil {
		return err
	}
	if left := im.added(fresh); len(left) > 0 {
		return fmt.Errorf("line %d: events looked up as new met stored keys", left[0].Line)
	}
	return nil
}

// added counts the rows InsertEvents stored in their groups and returns
// the others.
func (im *importRun) added(rows []*ImportRow) (left []*ImportRow) {
	for _, p := range rows {
		if p.ID == 0 {
			left = append(left, p)
			continue
		}
		p.Group.Add(p.ID, p.Event.Amount)
		im.res.Posted++
		if p.Group.Key.Late {
			im.res.Late++
		}
	}
	return left
}

// sortOut looks up the rows' keys: a key stored, or met earlier in rows,
// makes its row a duplicate (same digest) or a conflict (appended to its
// Errors). It returns the new events.
func (im *importRun) sortOut(rows []*ImportRow) ([]*ImportRow, error) {
	stored, err := im.store.LookupEvents(rows)
	if err != nil {
		return nil, err
	}
	var fresh []*ImportRow
	var earlier map[string]*ImportRow // new keys met in rows
	for _, p := range rows {
		key := p.Event.EventID
		if s, ok := stored[key]; ok {
			if len(s.Digest) > 0 && bytes.HasPrefix(p.Digest[:], s.Digest) {
				im.res.Duplicates++
				continue
			}
			old, err := s.Event()
			if err != nil {
				return nil, err
			}
			im.conflict(p, &old, s.Line)
			continue
		}
		if q, ok := earlier[key]; ok {
			if q.Digest == p.Digest {
				im.res.Duplicates++
				continue
			}
			old := q.Event
			old.BatchID = im.res.BatchID
			im.conflict(p, &old, q.Line)
			continue
		}
		if earlier == nil {
			earlier = map[string]*ImportRow{}
		}
		earlier[key] = p
		fresh = append(fresh, p)
	}
	return fresh, nil
}

// conflict appends to p's errors that its key was stored before as old,
// from storedLine, with other content.
func (im *importRun) conflict(p *ImportRow, old *ledger.Event, storedLine int) {
	ev := p.Event
	ev.Source, old.Source = im.opts.Source, im.opts.Source
	p.Errors = append(p.Errors, Conflict(im.opts.FileName, p.Line, im.rd.Header(), im.opts.Mapping, old, storedLine, im.res.BatchID, &ev))
}

// flush books the current groups and starts new ones, in the same
// transaction.
func (im *importRun) flush() error {
	if err := im.post(); err != nil {
		return err
	}
	im.segment++
	im.groups.Reset(im.closed)
	return nil
}

// post books one entry per group that got events, in the order the groups
// appeared, and links each group to its entry. A dry run only counts them.
func (im *importRun) post() error {
	groups := im.groups.Booked()
	if len(groups) == 0 {
		return nil
	}
	if im.opts.DryRun {
		im.res.Entries += len(groups)
		return nil
	}
	if im.keyBase == "" {
		switch {
		case im.opts.SHA256 != "" || im.eof:
			im.keyBase = im.sha()
		default:
			// A stream flushed before its end: its hash is not known yet.
			im.keyBase = "batch-" + strconv.FormatInt(im.res.BatchID, 10)
		}
	}
	partial := 0
	if im.opts.AllowPartial {
		partial = im.opts.ChunkRows
	}
	segment := SegmentID(im.chunk, partial, im.segment)
	entries := make([]ledger.Entry, len(groups))
	for i, g := range groups {
		entries[i] = g.Entry(im.opts.Source, im.keyBase, segment, im.res.BatchID)
	}
	res, err := im.store.PostEntries(entries)
	if err != nil {
		return err
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		if r.Duplicate {
			// A new group's key is new: a stored one would mean its events
			// were counted twice, so the transaction is refused.
			return fmt.Errorf("import entry %s was already posted as entry %d", entries[i].Key, r.ID)
		}
		ids[i] = r.ID
	}
	if err := im.store.LinkGroups(im.res.BatchID, groups, ids); err != nil {
		return err
	}
	im.res.Entries += len(entries)
	return nil
}

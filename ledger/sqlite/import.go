package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// EntrySourceImport is the Key.Source of the entries a usage import posts.
const EntrySourceImport = usage.EntrySource

// Page cache sizes (negative: KiB) during an import and after it (SQLite's default).
const (
	importCacheSize  = -65536
	defaultCacheSize = -2000
)

// ImportUsage imports a usage CSV (spec section 2) as one batch.
//
// Every row is validated; each new event is stored with its (source,
// event_id), and posted: the new events of a chunk are summed per seller,
// channel, currency, booking date and late flag into groups, and each group
// posts one entry debiting ledger.ReceivableAccount and crediting
// ledger.RevenueAccount (import_groups links the entry to its events). An
// event dated on or before the closed-through date keeps its date, is
// marked late and is booked on the first open day. An event already stored
// with the same content is a duplicate (skipped); with other content it is a
// bad row whose reason shows both versions.
//
// By default the whole file is one transaction: with any bad row nothing is
// written and the returned error is EINVALID (wrapping usage.ErrBadRows). With
// AllowPartial, bad rows are handed to OnReject and good rows commit every
// ChunkRows rows; re-running the same file after a crash completes it.
// DryRun runs everything in a transaction that is rolled back. Problems of
// the whole file (empty, bad header) come back as usage.RowErrors.
//
// The file is parsed on one goroutine while another stores the rows, so an
// import uses both cores of a small machine (docs/import.md).
func (db *DB) ImportUsage(ctx context.Context, r io.Reader, opts usage.ImportOptions) (ledger.ImportResult, error) {
	if opts.Source == "" {
		opts.Source = "default"
	}
	if err := usage.CheckSource(opts.Source); err != nil {
		return ledger.ImportResult{}, err
	}
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = usage.DefaultChunkRows
	}
	ctx = db.activity(ctx, "import", opts.FileName)
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
	rd, err := usage.NewReader(r, opts.FileName, opts.Mapping)
	if err != nil {
		return ledger.ImportResult{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	im := &importer{db: db, opts: opts, rd: rd, hasher: hasher,
		feed: make(chan *rowBatch, feedDepth), free: make(chan *rowBatch, feedDepth+2)}
	go im.parse(ctx)
	if opts.AllowPartial {
		err = im.runPartial(ctx)
	} else {
		err = im.runAll(ctx)
	}
	cancel()
	for range im.feed { // let the parser stop
	}
	// The import enlarged the writer's page cache (see begin); give it back.
	if _, cerr := db.w.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", defaultCacheSize)); cerr != nil && err == nil {
		err = cerr
	}
	return im.res, err
}

// The parser hands rows to the writer in batches of batchRows; feedDepth
// batches may wait. The writer inserts up to insertRows events per INSERT.
const (
	batchRows  = 512
	feedDepth  = 8
	insertRows = 32
)

// parsedRow is one row of the file as the parser leaves it for the writer.
type parsedRow struct {
	line    int
	ev      ledger.Event
	errs    []*usage.RowError // the row is bad when not empty
	record  [2]int            // its fields: rowBatch.fields[record[0]:record[1]]
	data    [3]int            // its data's head (data[0]:data[1]) and optional part (data[1]:data[2]) in rowBatch.data
	digest  [usage.DigestSize]byte
	date    ledger.Date // accounting date, before a late shift
	seller  string      // account segments
	channel string

	// Set by the writer.
	id    int64
	group *usage.Group
}

type rowBatch struct {
	rows   []parsedRow
	fields []string
	data   []byte
}

// importer is the state of one ImportUsage call.
type importer struct {
	db     *DB
	opts   usage.ImportOptions
	rd     *usage.Reader
	hasher hash.Hash
	res    ledger.ImportResult
	eof    bool
	chunk  int

	// The parser's side.
	feed     chan *rowBatch // closed after the last batch
	free     chan *rowBatch // batches the writer is done with
	parseErr error          // set before feed is closed
	segs     map[string]string

	// The writer's side.
	cur     *rowBatch
	pos     int
	pending []*parsedRow // good rows waiting to be stored
	// segment counts flushes within a transaction; keyBase is the file's
	// part of the entries' external IDs.
	segment int
	keyBase string
	groups  usage.Groups
	args    []any
	data    []byte

	// Per transaction.
	tx       *Tx
	inserts  map[int]*sql.Stmt // by row count
	lookups  map[int]*sql.Stmt
	sawDup   bool
	sourceID int64
	closed   ledger.Date
	usages   []*usageWriter
	index    eventIndexer // the event index rows of the events stored since the last post
	rejects  *sql.Stmt    // storeReject's insert, prepared on the first reject
}

func (im *importer) crash(name string) {
	if im.opts.CrashPoint != nil {
		im.opts.CrashPoint(name)
	}
}

// parse reads the file and sends its rows to the writer, until the end of
// the file, a problem of the whole file, or ctx's end.
func (im *importer) parse(ctx context.Context) {
	defer close(im.feed)
	var (
		row    usage.Row
		digBuf []byte
		rows   int
		b      = im.newBatch()
	)
	send := func() bool {
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
		p := parsedRow{line: row.Line, ev: row.Event}
		p.record[0] = len(b.fields)
		b.fields = append(b.fields, row.Record...)
		p.record[1] = len(b.fields)
		if len(row.Errors) > 0 {
			p.errs = append([]*usage.RowError(nil), row.Errors...)
		} else {
			ev := &row.Event
			p.date = ev.AccountingDate()
			p.digest, digBuf = usage.Digest(ev, digBuf)
			p.data[0] = len(b.data)
			b.data = appendEventHead(b.data, &row, p.digest)
			p.data[1] = len(b.data)
			if b.data, err = appendEventOptional(b.data, &row); err != nil {
				im.parseErr = err
				return
			}
			p.data[2] = len(b.data)
			p.seller, p.channel = im.accountSegment(ev.Seller), im.accountSegment(ev.Channel)
		}
		b.rows = append(b.rows, p)
		if len(b.rows) == batchRows && !send() {
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

func (im *importer) newBatch() *rowBatch {
	select {
	case b := <-im.free:
		b.rows, b.fields, b.data = b.rows[:0], b.fields[:0], b.data[:0]
		return b
	default:
		return &rowBatch{rows: make([]parsedRow, 0, batchRows)}
	}
}

// next returns the next row of the file, or nil after the last.
func (im *importer) next() (*parsedRow, error) {
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
func (im *importer) runAll(ctx context.Context) error {
	errDryRun := errors.New("dry run")
	err := im.db.WithTx(ctx, func(tx *Tx) error {
		if err := im.begin(tx); err != nil {
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
			return usage.BadRows(im.opts.FileName, im.res.Rejected, im.res.Rows)
		}
		if im.opts.DryRun {
			im.res.Entries += len(im.groups.Booked())
			return errDryRun
		}
		if err := im.post(); err != nil {
			return err
		}
		if err := im.finishBatch(true); err != nil {
			return err
		}
		im.crash("before-commit")
		return nil
	})
	if errors.Is(err, errDryRun) {
		im.res.BatchID = 0
		return nil
	}
	if err != nil {
		if errors.Is(err, usage.ErrBadRows) {
			im.res.BatchID = 0
		} else {
			im.res = ledger.ImportResult{}
		}
		return err
	}
	im.crash("after-commit")
	return nil
}

// runPartial records the batch, then commits chunk after chunk.
func (im *importer) runPartial(ctx context.Context) error {
	err := im.db.WithTx(ctx, func(tx *Tx) error {
		im.tx = tx
		return im.insertBatch("partial")
	})
	if err != nil {
		return err
	}
	im.crash("after-batch")
	for !im.eof {
		im.chunk++
		err := im.db.WithTx(ctx, func(tx *Tx) error {
			if err := im.begin(tx); err != nil {
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

// begin prepares a transaction and resets the groups.
func (im *importer) begin(tx *Tx) error {
	im.tx = tx
	q := tx.SQL()
	// A 64 MiB page cache keeps the events' index pages in memory for the
	// whole transaction; with SQLite's default 2 MiB they spill to the WAL
	// and the import runs at half the speed.
	if _, err := q.ExecContext(tx.Context(), fmt.Sprintf("PRAGMA cache_size = %d", importCacheSize)); err != nil {
		return err
	}
	im.inserts, im.lookups = map[int]*sql.Stmt{}, map[int]*sql.Stmt{}
	im.sawDup, im.rejects = false, nil
	im.index.reset() // a failed chunk's rows were rolled back
	if _, err := q.ExecContext(tx.Context(), `INSERT INTO event_sources (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, im.opts.Source); err != nil {
		return err
	}
	if err := q.QueryRowContext(tx.Context(), `SELECT id FROM event_sources WHERE name = ?`, im.opts.Source).Scan(&im.sourceID); err != nil {
		return err
	}
	var err error
	if im.closed, err = tx.ClosedThrough(); err != nil {
		return err
	}
	im.groups.Reset(im.closed)
	im.segment = 0
	return im.loadUsages()
}

// loadUsages finds the usage sets the new events must be added to: those
// of the current contracts (a contract without one gets it built, from
// every event, by its next run).
func (im *importer) loadUsages() error {
	im.usages = im.usages[:0]
	cs, err := loadContracts(im.tx.Context(), im.tx.SQL())
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, sc := range cs {
		id, ok, err := usageSetID(im.tx.Context(), im.tx.SQL(), sc.Contract.UsageSignature())
		if err != nil {
			return err
		}
		if ok && !seen[id] {
			seen[id] = true
			im.usages = append(im.usages, newUsageWriter(id, sc.Contract))
		}
	}
	return nil
}

func (im *importer) insertBatch(mode string) error {
	sha := im.opts.SHA256
	if sha == "" {
		sha = "pending" // known once the file is read; set by finishBatch
	}
	res, err := im.tx.SQL().ExecContext(im.tx.Context(), `INSERT INTO import_batches
		(kind, source, file_name, file_sha256, mode, status, started_at) VALUES ('usage', ?, ?, ?, ?, 'running', ?)`,
		im.opts.Source, im.opts.FileName, sha, mode, formatTime(im.tx.Now))
	if err != nil {
		return err
	}
	im.res.BatchID, err = res.LastInsertId()
	setActivityDetail(im.tx.Context(), fmt.Sprintf("batch %d (%s)", im.res.BatchID, im.opts.FileName))
	return err
}

// finishBatch writes the batch's counters, and completes it when done.
func (im *importer) finishBatch(done bool) error {
	r := im.res
	status, finished := "running", any(nil)
	if done {
		status, finished = "complete", formatTime(im.tx.Now)
	}
	sha := im.sha()
	_, err := im.tx.SQL().ExecContext(im.tx.Context(), `UPDATE import_batches SET file_sha256 = ?, status = ?, rows = ?,
		posted = ?, duplicates = ?, rejected = ?, late = ?, entries = ?, finished_at = ? WHERE id = ?`,
		sha, status, r.Rows, r.Posted, r.Duplicates, r.Rejected, r.Late, r.Entries, finished, r.BatchID)
	return err
}

func (im *importer) sha() string {
	if im.opts.SHA256 != "" {
		return im.opts.SHA256
	}
	return hex.EncodeToString(im.hasher.Sum(nil))
}

// rows stores up to limit rows (0: all) in the current transaction.
func (im *importer) rows(ctx context.Context, limit int) error {
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
		if len(p.errs) > 0 {
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
		if len(im.pending) == insertRows {
			if err := im.storePending(); err != nil {
				return err
			}
		}
	}
	return im.storePending()
}

// reject counts a bad row, stores it with a partial import's chunk (see
// storeReject) and hands it to OnReject.
func (im *importer) reject(p *parsedRow) error {
	im.res.Rejected++
	if im.opts.AllowPartial && !im.opts.DryRun {
		if err := im.storeReject(p); err != nil {
			return err
		}
	}
	if im.opts.OnReject == nil {
		return nil
	}
	return im.opts.OnReject(&usage.Row{Line: p.line, Header: im.rd.Header(), Record: im.cur.fields[p.record[0]:p.record[1]],
		Event: p.ev, Errors: p.errs})
}

// storedEvent is what lookup finds of an event already stored.
type storedEvent struct {
	id   int64
	data string
}

// storePending stores the waiting rows: new events are inserted and counted
// in their groups; a stored key is a duplicate (same digest) or a conflict
// (a bad row). Until a stored key turns up, one multi-row insert does it
// all; from then on (a re-import, or overlapping exports) the keys are
// looked up first.
func (im *importer) storePending() error {
	rows := im.pending
	im.pending = im.pending[:0]
	if len(rows) == 0 {
		return nil
	}
	fresh := rows
	if im.sawDup {
		found, err := im.lookup(rows)
		if err != nil {
			return err
		}
		fresh = make([]*parsedRow, 0, len(rows))
		for _, p := range rows {
			if s, ok := found[p.ev.EventID]; ok {
				if err := im.stored(p, s); err != nil {
					return err
				}
			} else {
				fresh = append(fresh, p)
			}
		}
	}
	if len(fresh) == 0 {
		return im.report(rows)
	}
	if im.groups.Open()+len(fresh) > usage.MaxOpenGroups {
		// Bound memory whatever the file: book what the groups hold so far
		// and start new ones.
		if err := im.flush(); err != nil {
			return err
		}
	}
	a, data := im.args[:0], im.data[:0]
	for _, p := range fresh {
		g := im.groups.Assign(p.seller, p.channel, p.ev.Currency, p.date)
		p.group = g
		start := len(data)
		data = append(data, im.cur.data[p.data[0]:p.data[1]]...)
		data = appendEventTail(data, g.Key.Late, im.res.BatchID, g.No)
		data = append(data, im.cur.data[p.data[1]:p.data[2]]...)
		data = append(data, ']')
		a = append(a, p.ev.EventID, string(data[start:]))
	}
	im.args, im.data = a, data
	st, err := im.stmt(im.inserts, len(fresh), insertEventsSQL)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(im.tx.Context(), a...)
	if err != nil {
		return fmt.Errorf("line %d: store events: %w", fresh[0].line, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if int(n) == len(fresh) {
		// One statement's new rows get consecutive IDs, the last one's known.
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for i, p := range fresh {
			p.id = last - int64(len(fresh)-1-i)
			im.added(p)
		}
		return im.report(rows)
	}
	// Some keys were stored already (or twice in these rows): find which.
	im.sawDup = true
	found, err := im.lookup(fresh)
	if err != nil {
		return err
	}
	var f eventFields
	for _, p := range fresh {
		s, ok := found[p.ev.EventID]
		if !ok {
			return fmt.Errorf("line %d: event %q neither inserted nor found", p.line, p.ev.EventID)
		}
		if err := f.parse(s.data); err != nil {
			return fmt.Errorf("event %d: %w", s.id, err)
		}
		batch, _ := f.int(fBatch)
		line, _ := f.int(fLine)
		if batch == im.res.BatchID && line == int64(p.line) { // this row's own insert
			p.id = s.id
			if err := im.added(p); err != nil {
				return err
			}
			continue
		}
		if err := im.stored(p, s); err != nil {
			return err
		}
	}
	return im.report(rows)
}

// report hands the rows that turned out bad (conflicts) to reject, in order.
func (im *importer) report(rows []*parsedRow) error {
	for _, p := range rows {
		if len(p.errs) > 0 {
			if err := im.reject(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertEventsSQL inserts rows of (event_id, data) of one source; %[2]s is
// the rows, each "(<source ID>, ?, ?)" (stmt writes the source's ID as a
// literal; %[1]d, the same ID, is unused here). The source as a literal and
// the row ID left to SQLite save two bindings a row.
const insertEventsSQL = `INSERT INTO events (source_id, event_id, data) VALUES %[2]s ON CONFLICT (source_id, event_id) DO NOTHING`

// stmt returns the statement of query for n rows, prepared once per transaction.
func (im *importer) stmt(cache map[int]*sql.Stmt, n int, query string) (*sql.Stmt, error) {
	if st := cache[n]; st != nil {
		return st, nil
	}
	values := strings.Repeat("?, ", n)
	if query == insertEventsSQL {
		values = strings.Repeat(fmt.Sprintf("(%d, ?, ?), ", im.sourceID), n)
	}
	st, err := im.tx.SQL().PrepareContext(im.tx.Context(), fmt.Sprintf(query, im.sourceID, values[:len(values)-2]))
	if err != nil {
		return nil, err
	}
	cache[n] = st
	return st, nil
}

const lookupEventsSQL = `SELECT id, event_id, data FROM events WHERE source_id = %[1]d AND event_id IN (%[2]s)`

// lookup finds the stored events with the rows' keys.
func (im *importer) lookup(rows []*parsedRow) (map[string]storedEvent, error) {
	st, err := im.stmt(im.lookups, len(rows), lookupEventsSQL)
	if err != nil {
		return nil, err
	}
	a := im.args[:0]
	for _, p := range rows {
		a = append(a, p.ev.EventID)
	}
	im.args = a
	rs, err := st.QueryContext(im.tx.Context(), a...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	found := make(map[string]storedEvent, len(rows))
	for rs.Next() {
		var s storedEvent
		var id string
		if err := rs.Scan(&s.id, &id, &s.data); err != nil {
			return nil, err
		}
		found[id] = s
	}
	return found, rs.Err()
}

// added counts a newly stored event in its group and in the usage sets.
func (im *importer) added(p *parsedRow) error {
	g := p.group
	g.Add(p.id, p.ev.Amount)
	im.index.add(p.id, p.ev.Seller, p.ev.Channel, p.ev.Customer, p.ev.Product, p.ev.Region, p.date.String())
	if im.index.events >= eventIndexRows {
		if err := im.index.flush(im.tx); err != nil {
			return err
		}
	}
	im.res.Posted++
	if g.Key.Late {
		im.res.Late++
	}
	if len(im.usages) > 0 {
		e := &p.ev
		e.ID, e.Source, e.BatchID, e.Late = p.id, im.opts.Source, im.res.BatchID, g.Key.Late
		for _, w := range im.usages {
			w.batch = im.res.BatchID // known after begin in a default-mode import
			if err := w.add(im.tx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// stored handles a row whose key is stored already: a duplicate when the
// digests are equal, else a conflict (appended to p.errs) naming both versions.
func (im *importer) stored(p *parsedRow, s storedEvent) error {
	var f eventFields
	if err := f.parse(s.data); err != nil {
		return fmt.Errorf("event %d: %w", s.id, err)
	}
	if f.v[fDigest] == storedDigest(p.digest) {
		im.res.Duplicates++
		return nil
	}
	old := ledger.Event{ID: s.id, Source: im.opts.Source, EventID: p.ev.EventID}
	if err := f.decode(&old); err != nil {
		return fmt.Errorf("event %d: %w", s.id, err)
	}
	line, _ := f.int(fLine)
	ev := p.ev
	ev.Source = im.opts.Source
	p.errs = append(p.errs, usage.Conflict(im.opts.FileName, p.line, im.rd.Header(), im.opts.Mapping, &old, int(line), im.res.BatchID, &ev))
	return nil
}

// accountSegment is ledger.AccountSegment, remembered: a file has few sellers and
// channels.
func (im *importer) accountSegment(s string) string {
	if v, ok := im.segs[s]; ok {
		return v
	}
	if im.segs == nil || len(im.segs) > 10000 {
		im.segs = map[string]string{}
	}
	v := ledger.AccountSegment(s)
	im.segs[s] = v
	return v
}

// flush books the current groups and starts new ones, in the same
// transaction.
func (im *importer) flush() error {
	if err := im.post(); err != nil {
		return err
	}
	im.segment++
	im.groups.Reset(im.closed)
	return nil
}

// segmentID is usage.SegmentID of the current transaction.
func (im *importer) segmentID() string {
	partial := 0
	if im.opts.AllowPartial {
		partial = im.opts.ChunkRows
	}
	return usage.SegmentID(im.chunk, partial, im.segment)
}

func insertGroupsQuery(n int) string {
	return cachedQuery(12, n, func(n int) string {
		return `INSERT INTO import_groups (batch_id, group_no, entry_id, first_event, last_event, events) VALUES ` + placeholders(n, 6)
	})
}

// post books one entry per group that got events, in the order the groups
// appeared, and links each group to its entry.
func (im *importer) post() error {
	if err := im.index.flush(im.tx); err != nil {
		return err
	}
	groups := im.groups.Booked()
	if len(groups) == 0 {
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
	entries := make([]ledger.Entry, len(groups))
	for i, g := range groups {
		entries[i] = g.Entry(im.opts.Source, im.keyBase, im.segmentID(), im.res.BatchID)
	}
	res, err := im.tx.PostEntries(entries)
	if err != nil {
		return err
	}
	links := make([]any, 0, 6*len(res))
	for i, r := range res {
		if r.Duplicate {
			// A new group's key is new: a stored one would mean its events
			// were counted twice, so the transaction is refused.
			return fmt.Errorf("import entry %s was already posted as entry %d", entries[i].Key, r.ID)
		}
		g := groups[i]
		links = append(links, im.res.BatchID, g.No, r.ID, g.First, g.Last, g.Events)
	}
	// Multi-row: with one entry per event there is a link per event.
	if err := im.tx.execRows(insertGroupsQuery, 6, links); err != nil {
		return err
	}
	im.res.Entries += len(entries)
	// The usage of the events just booked joins their contracts' sets.
	for _, w := range im.usages {
		if err := w.flush(im.tx); err != nil {
			return err
		}
	}
	return nil
}

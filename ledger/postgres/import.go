package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

var _ usage.Importer = (*DB)(nil)

// copyRows is how many events one COPY stores: each COPY is a savepoint
// and a round trip or two, so fewer are better, but the rows wait in memory.
const copyRows = 10000

// ImportUsage imports a usage CSV (spec section 2) as one batch, with the
// rules of ledger/sqlite's: every row is validated; each new event is
// stored under its (source, event_id) and counted in its group
// (usage.Groups); each group posts one entry. An event already stored with
// the same content (usage.Digest) is a duplicate, skipped; with other
// content it is a bad row naming both versions.
//
// By default the whole file is one transaction: with any bad row nothing
// is written and the error is EINVALID (matching usage.ErrBadRows). With
// AllowPartial, bad rows go to OnReject and are stored, and good rows
// commit every ChunkRows rows; re-running the file after a crash completes
// it. DryRun runs everything in a transaction that is rolled back. Every
// transaction holds the writer lock (see write).
//
// Events go in with COPY, copyRows at a time, first without looking for
// stored keys; when a COPY meets one (a unique violation, rolled back to
// its savepoint), the import looks keys up from then on.
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
	im := &importer{db: db, opts: opts, rd: rd, hasher: hasher, feed: make(chan []importRow, 8)}
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

// importRow is one row of the file as the parser leaves it.
type importRow struct {
	line    int
	ev      ledger.Event
	errs    []*usage.RowError // the row is bad when not empty
	record  []string          // the fields as read
	text    [4]string         // occurred, amount, quantity, unit price as usage.Row canonicalizes them
	digest  [usage.DigestSize]byte
	date    ledger.Date // accounting date, before a late shift
	seller  string      // account segments
	channel string

	// Set by the writer.
	id    int64
	group *usage.Group
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

	feed     chan []importRow // closed after the last rows
	parseErr error            // set before feed is closed
	cur      []importRow
	pos      int

	groups  usage.Groups
	segment int
	keyBase string
	pending []*importRow // good rows waiting to be stored

	// Per transaction.
	w        *writer
	sourceID int32
	nextID   int64 // the next event's ID
	lookUp   bool  // a COPY met a stored key: look keys up first
	header   bool  // the batch's reject header is stored
	copyBuf  copyText
}

func (im *importer) crash(name string) {
	if im.opts.CrashPoint != nil {
		im.opts.CrashPoint(name)
	}
}

// parse reads the file and sends its rows to the writer in slices of 512,
// until the end of the file, a problem of the whole file, or ctx's end.
func (im *importer) parse(ctx context.Context) {
	defer close(im.feed)
	var (
		row    usage.Row
		digBuf []byte
		segs   = map[string]string{}
		batch  = make([]importRow, 0, 512)
	)
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
		select {
		case im.feed <- batch:
			batch = make([]importRow, 0, 512)
			return true
		case <-ctx.Done():
			return false
		}
	}
	rows := 0
	for {
		err := im.rd.Next(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(batch) > 0 && !send() {
				return
			}
			im.parseErr = err
			return
		}
		rows++
		if rows%4096 == 0 && im.opts.OnProgress != nil {
			im.opts.OnProgress(rows, im.rd.BytesRead())
		}
		p := importRow{line: row.Line, ev: row.Event}
		// The fields as read, for a report if the row is bad or turns out
		// to conflict with a stored event (the strings are not copied).
		p.record = append([]string(nil), row.Record...)
		if len(row.Errors) > 0 {
			p.errs = append([]*usage.RowError(nil), row.Errors...)
		} else {
			p.text = [4]string{row.OccurredText, row.AmountText, row.QuantityText, row.UnitPriceText}
			p.date = p.ev.AccountingDate()
			p.digest, digBuf = usage.Digest(&p.ev, digBuf)
			p.seller, p.channel = segment(p.ev.Seller), segment(p.ev.Channel)
		}
		batch = append(batch, p)
		if len(batch) == cap(batch) && !send() {
			return
		}
	}
	if len(batch) > 0 && !send() {
		return
	}
	if im.opts.OnProgress != nil {
		im.opts.OnProgress(rows, im.rd.BytesRead())
	}
}

// next returns the next row of the file, or nil after the last.
func (im *importer) next() (*importRow, error) {
	for im.pos == len(im.cur) {
		b, ok := <-im.feed
		if !ok {
			return nil, im.parseErr
		}
		im.cur, im.pos = b, 0
	}
	im.pos++
	return &im.cur[im.pos-1], nil
}

// runAll imports the whole file in one transaction.
func (im *importer) runAll(ctx context.Context) error {
	errDryRun := errors.New("dry run")
	err := im.db.write(ctx, func(w *writer) error {
		if err := im.begin(w); err != nil {
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
	case errors.Is(err, usage.ErrBadRows):
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
func (im *importer) runPartial(ctx context.Context) error {
	err := im.db.write(ctx, func(w *writer) error {
		im.w = w
		return im.insertBatch("partial")
	})
	if err != nil {
		return err
	}
	im.crash("after-batch")
	for !im.eof {
		im.chunk++
		err := im.db.write(ctx, func(w *writer) error {
			if err := im.begin(w); err != nil {
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
func (im *importer) begin(w *writer) error {
	im.w = w
	im.lookUp, im.header = false, false
	im.pending = im.pending[:0]
	if _, err := w.tx.Exec(w.ctx, `INSERT INTO event_sources (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, im.opts.Source); err != nil {
		return err
	}
	if err := w.tx.QueryRow(w.ctx, `SELECT id FROM event_sources WHERE name = $1`, im.opts.Source).Scan(&im.sourceID); err != nil {
		return err
	}
	if err := w.tx.QueryRow(w.ctx, `SELECT coalesce(max(id), 0) + 1 FROM events`).Scan(&im.nextID); err != nil {
		return err
	}
	im.groups.Reset(w.closed)
	im.segment = 0
	return nil
}

func (im *importer) insertBatch(mode string) error {
	sha := im.opts.SHA256
	if sha == "" {
		sha = "pending" // known once the file is read; set by finishBatch
	}
	return im.w.tx.QueryRow(im.w.ctx, `INSERT INTO import_batches (id, kind, source, file_name, file_sha256, mode, status, started_at)
		VALUES ((SELECT coalesce(max(id), 0) + 1 FROM import_batches), 'usage', $1, $2, $3, $4, 'running', $5) RETURNING id`,
		im.opts.Source, im.opts.FileName, sha, mode, im.w.now).Scan(&im.res.BatchID)
}

// finishBatch writes the batch's counters, and completes it when done.
func (im *importer) finishBatch(done bool) error {
	r := im.res
	status, finished := "running", (*time.Time)(nil)
	if done {
		status, finished = "complete", &im.w.now
	}
	_, err := im.w.tx.Exec(im.w.ctx, `UPDATE import_batches SET file_sha256 = $1, status = $2, rows = $3, posted = $4,
		duplicates = $5, rejected = $6, late = $7, entries = $8, finished_at = $9 WHERE id = $10`,
		im.sha(), status, r.Rows, r.Posted, r.Duplicates, r.Rejected, r.Late, r.Entries, finished, r.BatchID)
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
		if im.groups.Open() >= usage.MaxOpenGroups {
			// Bound memory whatever the file: book what the groups hold so
			// far and start new ones.
			if err := im.storePending(); err != nil {
				return err
			}
			if err := im.flush(); err != nil {
				return err
			}
		}
		p.group = im.groups.Assign(p.seller, p.channel, p.ev.Currency, p.date)
		im.pending = append(im.pending, p)
		if len(im.pending) == copyRows {
			if err := im.storePending(); err != nil {
				return err
			}
		}
	}
	return im.storePending()
}

// reject counts a bad row, stores it with a partial import's chunk and
// hands it to OnReject.
func (im *importer) reject(p *importRow) error {
	im.res.Rejected++
	if im.opts.AllowPartial && !im.opts.DryRun {
		if err := im.storeReject(p); err != nil {
			return err
		}
	}
	if im.opts.OnReject == nil {
		return nil
	}
	return im.opts.OnReject(&usage.Row{Line: p.line, Header: im.rd.Header(), Record: p.record, Event: p.ev, Errors: p.errs})
}

// storeReject stores a bad row of a partial import in the current chunk's
// transaction, so that it commits (or vanishes) with the chunk's events;
// the first also stores the file's header for the batch.
func (im *importer) storeReject(p *importRow) error {
	ctx, tx := im.w.ctx, im.w.tx
	if !im.header {
		if _, err := tx.Exec(ctx, `INSERT INTO import_reject_columns (batch_id, columns) VALUES ($1, $2)
			ON CONFLICT (batch_id) DO NOTHING`, im.res.BatchID, nonNil(im.rd.Header())); err != nil {
			return fmt.Errorf("store the header of batch %d: %w", im.res.BatchID, err)
		}
		im.header = true
	}
	errs := make([]ledger.RejectError, len(p.errs))
	for i, e := range p.errs {
		errs[i] = ledger.RejectError{Column: e.Column, Value: e.Value, Reason: e.Reason}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO import_rejects (batch_id, line, errors, record) VALUES ($1, $2, $3, $4)`,
		im.res.BatchID, p.line, errs, nonNil(p.record)); err != nil {
		return fmt.Errorf("line %d: store reject: %w", p.line, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// copyEventsSQL is the COPY of events that copyRow's rows fill.
const copyEventsSQL = `COPY events (id, source_id, event_id, occurred, date, seller, channel, customer, product,
	region, quantity, unit_price, amount, currency, meta, digest, batch_id, line, group_no, late) FROM STDIN`

// copyRow appends p's row of events. Amounts and dates go as text: the
// reader's canonical texts keep the scale written ("10.50").
func (im *importer) copyRow(c *copyText, p *importRow) error {
	e := &p.ev
	c.int(p.id)
	c.int(int64(im.sourceID))
	c.text(e.EventID)
	c.text(p.text[0])
	c.text(p.date.String())
	c.text(e.Seller)
	c.text(e.Channel)
	c.text(e.Customer)
	c.text(e.Product)
	c.text(e.Region)
	c.textOrNull(p.text[2])
	c.textOrNull(p.text[3])
	c.text(p.text[1])
	c.text(e.Currency)
	if len(e.Meta) == 0 {
		c.null()
	} else {
		m, err := json.Marshal(e.Meta) // keys sorted
		if err != nil {
			return err
		}
		c.text(string(m))
	}
	c.bytea(p.digest[:])
	c.int(im.res.BatchID)
	c.int(int64(p.line))
	c.int(p.group.No)
	c.bool(p.group.Key.Late)
	c.end()
	return nil
}

// storePending stores the waiting rows with one COPY. Until a stored key
// turns up, the COPY goes first; from then on the keys are looked up first
// and only new events are copied.
func (im *importer) storePending() error {
	rows := im.pending
	im.pending = im.pending[:0]
	if len(rows) == 0 {
		return nil
	}
	if !im.lookUp {
		ok, err := im.copyEvents(rows)
		if err != nil || ok {
			return err
		}
		im.lookUp = true
	}
	fresh, err := im.sortOut(rows)
	if err != nil {
		return err
	}
	if len(fresh) > 0 {
		ok, err := im.copyEvents(fresh)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("line %d: events looked up as new met stored keys", fresh[0].line)
		}
	}
	for _, p := range rows {
		if len(p.errs) > 0 { // conflicts, in file order
			if err := im.reject(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyEvents stores rows as new events in a savepoint, and counts them in
// their groups. A stored key rolls the savepoint back: ok is false.
func (im *importer) copyEvents(rows []*importRow) (ok bool, err error) {
	ctx := im.w.ctx
	for i, p := range rows {
		p.id = im.nextID + int64(i)
	}
	sp, err := im.w.tx.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer sp.Rollback(context.WithoutCancel(ctx))
	im.copyBuf.reset()
	for _, p := range rows {
		if err := im.copyRow(&im.copyBuf, p); err != nil {
			return false, err
		}
	}
	_, err = sp.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(im.copyBuf.buf), copyEventsSQL)
	if errorCode(err) == "23505" { // unique_violation: a key is stored already
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("line %d: store events: %w", rows[0].line, err)
	}
	if err := sp.Commit(ctx); err != nil {
		return false, err
	}
	im.nextID += int64(len(rows))
	for _, p := range rows {
		p.group.Add(p.id, p.ev.Amount)
		im.res.Posted++
		if p.group.Key.Late {
			im.res.Late++
		}
	}
	return true, nil
}

// sortOut looks up the rows' keys: a key stored, or met earlier in rows,
// makes its row a duplicate (same digest) or a conflict (appended to its
// errs). It returns the new events.
func (im *importer) sortOut(rows []*importRow) ([]*importRow, error) {
	keys := make([]string, len(rows))
	for i, p := range rows {
		keys[i] = p.ev.EventID
	}
	stored, err := readEvents(im.w.ctx, im.w.tx, "e.source_id = $1 AND e.event_id = ANY($2)", []any{im.sourceID, keys}, 0, 0)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*storedEvent, len(stored)+len(rows))
	for i := range stored {
		s := &stored[i]
		byKey[s.ev.EventID] = s
	}
	var fresh []*importRow
	for _, p := range rows {
		s, ok := byKey[p.ev.EventID]
		switch {
		case !ok:
			fresh = append(fresh, p)
			s := &storedEvent{ev: p.ev, digest: p.digest, line: p.line}
			s.ev.BatchID = im.res.BatchID
			byKey[p.ev.EventID] = s
		case s.digest == p.digest:
			im.res.Duplicates++
		default:
			ev, old := p.ev, s.ev
			ev.Source, old.Source = im.opts.Source, im.opts.Source
			p.errs = append(p.errs, usage.Conflict(im.opts.FileName, p.line, im.rd.Header(), im.opts.Mapping, &old, s.line, im.res.BatchID, &ev))
		}
	}
	return fresh, nil
}

// flush books the current groups and starts new ones, in the same
// transaction.
func (im *importer) flush() error {
	if err := im.post(); err != nil {
		return err
	}
	im.segment++
	im.groups.Reset(im.w.closed)
	return nil
}

// post books one entry per group that got events, in the order the groups
// appeared, and links each group to its entry. A dry run only counts them.
func (im *importer) post() error {
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
	segment := usage.SegmentID(im.chunk, partial, im.segment)
	entries := make([]ledger.Entry, len(groups))
	for i, g := range groups {
		entries[i] = g.Entry(im.opts.Source, im.keyBase, segment, im.res.BatchID)
	}
	res, err := im.w.post(entries)
	if err != nil {
		return err
	}
	links := make([][]any, len(res))
	for i, r := range res {
		if r.Duplicate {
			// A new group's key is new: a stored one would mean its events
			// were counted twice, so the transaction is refused.
			return fmt.Errorf("import entry %s was already posted as entry %d", entries[i].Key, r.ID)
		}
		g := groups[i]
		links[i] = []any{im.res.BatchID, g.No, r.ID, g.First, g.Last, int64(g.Events)}
	}
	if _, err := im.w.tx.CopyFrom(im.w.ctx, pgx.Identifier{"import_groups"},
		[]string{"batch_id", "group_no", "entry_id", "first_event", "last_event", "events"}, pgx.CopyFromRows(links)); err != nil {
		return fmt.Errorf("link import groups: %w", err)
	}
	im.res.Entries += len(entries)
	return nil
}

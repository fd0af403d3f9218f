package postgres

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

var _ usage.Importer = (*DB)(nil)

// copyRows is how many events one COPY stores: each COPY is a savepoint
// and a round trip or two, so fewer are better, but the rows wait in memory.
const copyRows = 10000

// ImportUsage imports a usage CSV (spec section 2) as one batch, by
// usage.RunImport's rules, the same as ledger/sqlite's. This file keeps
// PostgreSQL's part: events go in typed columns with COPY, copyRows at a
// time, each COPY in a savepoint (a stored key rolls it back, and
// RunImport looks keys up from then on); every transaction holds the
// writer lock (see write).
func (db *DB) ImportUsage(ctx context.Context, r io.Reader, opts usage.ImportOptions) (ledger.ImportResult, error) {
	ctx = withActivity(ctx, "import", opts.FileName)
	return usage.RunImport(ctx, r, opts, &importStore{db: db}, usage.ImportTuning{BatchRows: copyRows, InsertRows: copyRows})
}

// importStore is PostgreSQL's usage.ImportStore for one ImportUsage call.
type importStore struct {
	db      *DB
	copyBuf copyBinary
	// EncodeRow's scratch (the parser's goroutine).
	digits []uint16
	keys   []string

	// Per transaction.
	w        *writer
	sourceID int32
	nextID   int64 // the next event's ID
	// NameInUse's segments of the revenue accounts, read on its first call.
	sellerSegs, channelSegs map[string]bool
}

// copyEventsSQL is the COPY of events that EncodeRow and InsertEvents
// fill: the file's columns first, then the transaction's.
const copyEventsSQL = `COPY events (event_id, occurred, date, seller, channel, customer, product, region, quantity,
	unit_price, amount, currency, meta, digest, line, id, source_id, batch_id, group_no, late) FROM STDIN (FORMAT binary)`

// copyEventsFields is how many columns copyEventsSQL names.
const copyEventsFields = 20

// EncodeRow appends the row's columns of events in COPY's binary format,
// up to the line; InsertEvents adds the rest. Amounts go from the
// reader's canonical texts, which keep the scale written ("10.50").
func (s *importStore) EncodeRow(dst []byte, row *usage.Row, digest *[usage.DigestSize]byte) ([]byte, int, error) {
	if row.Line > math.MaxInt32 {
		return dst, 0, fmt.Errorf("line %d: more lines than an import can number", row.Line)
	}
	start := len(dst)
	c := copyBinary{buf: dst, digits: s.digits, keys: s.keys}
	e := &row.Event
	c.row(copyEventsFields)
	c.text(e.EventID)
	c.text(row.OccurredText)
	c.date(e.AccountingDate())
	c.text(e.Seller)
	c.text(e.Channel)
	c.text(e.Customer)
	c.text(e.Product)
	c.text(e.Region)
	for _, n := range [...]string{row.QuantityText, row.UnitPriceText} {
		if err := c.numericOrNull(n); err != nil {
			return dst, 0, fmt.Errorf("line %d: %w", row.Line, err)
		}
	}
	if err := c.numeric(row.AmountText); err != nil {
		return dst, 0, fmt.Errorf("line %d: %w", row.Line, err)
	}
	c.text(e.Currency)
	if len(e.Meta) == 0 {
		c.null()
	} else if err := c.jsonbObject(e.Meta); err != nil {
		return dst, 0, err
	}
	c.bytea(digest[:])
	c.int4(int32(row.Line))
	s.digits, s.keys = c.digits, c.keys
	return c.buf, len(c.buf) - start, nil
}

func (s *importStore) InTx(ctx context.Context, fn func() error) error {
	return s.db.write(ctx, func(w *writer) error {
		s.w = w
		return fn()
	})
}

// BeginImport finds the source's ID and the next event ID.
func (s *importStore) BeginImport(source string) (ledger.Date, error) {
	w := s.w
	s.sellerSegs, s.channelSegs = nil, nil
	if _, err := w.tx.Exec(w.ctx, `INSERT INTO event_sources (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, source); err != nil {
		return ledger.Date{}, err
	}
	if err := w.tx.QueryRow(w.ctx, `SELECT id FROM event_sources WHERE name = $1`, source).Scan(&s.sourceID); err != nil {
		return ledger.Date{}, err
	}
	if err := w.tx.QueryRow(w.ctx, `SELECT coalesce(max(id), 0) + 1 FROM events`).Scan(&s.nextID); err != nil {
		return ledger.Date{}, err
	}
	return w.closed, nil
}

func (s *importStore) InsertBatch(source, file, sha, mode string) (id int64, err error) {
	err = s.w.tx.QueryRow(s.w.ctx, `INSERT INTO import_batches (id, kind, source, file_name, file_sha256, mode, status, started_at)
		VALUES ((SELECT coalesce(max(id), 0) + 1 FROM import_batches), 'usage', $1, $2, $3, $4, 'running', $5) RETURNING id`,
		source, file, sha, mode, s.w.now).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, nameWriter(s.w.ctx, s.w.tx, fmt.Sprintf("batch %d (%s)", id, file))
}

func (s *importStore) FinishBatch(r ledger.ImportResult, sha string, done bool) error {
	status, finished := "running", (*time.Time)(nil)
	if done {
		status, finished = "complete", &s.w.now
	}
	_, err := s.w.tx.Exec(s.w.ctx, `UPDATE import_batches SET file_sha256 = $1, status = $2, rows = $3, posted = $4,
		duplicates = $5, rejected = $6, late = $7, entries = $8, finished_at = $9 WHERE id = $10`,
		sha, status, r.Rows, r.Posted, r.Duplicates, r.Rejected, r.Late, r.Entries, finished, r.BatchID)
	if err != nil || !done {
		return err
	}
	return s.w.seal(batchFacts, r.BatchID)
}

// StoreRejectHeader stores the file's header for batch's rejects, once.
func (s *importStore) StoreRejectHeader(batch int64, header []string) error {
	_, err := s.w.tx.Exec(s.w.ctx, `INSERT INTO import_reject_columns (batch_id, columns) VALUES ($1, $2)
		ON CONFLICT (batch_id) DO NOTHING`, batch, header)
	return err
}

// StoreReject stores a bad row of a partial import in the current chunk's
// transaction.
func (s *importStore) StoreReject(batch int64, line int, errs []ledger.RejectError, record []string) error {
	_, err := s.w.tx.Exec(s.w.ctx, `INSERT INTO import_rejects (batch_id, line, errors, record) VALUES ($1, $2, $3, $4)`,
		batch, line, errs, record)
	return err
}

// InsertEvents stores rows with one COPY in a savepoint. A stored key
// rolls the savepoint back: no row is stored.
func (s *importStore) InsertEvents(batch int64, rows []*usage.ImportRow) error {
	ctx := s.w.ctx
	sp, err := s.w.tx.Begin(ctx)
	if err != nil {
		return err
	}
	defer sp.Rollback(context.WithoutCancel(ctx))
	c := &s.copyBuf
	c.reset()
	for i, p := range rows {
		c.buf = append(c.buf, p.Data...)
		c.int8(s.nextID + int64(i))
		c.int4(s.sourceID)
		c.int8(batch)
		c.int8(p.Group.No)
		c.bool(p.Group.Key.Late)
	}
	c.end()
	_, err = sp.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(c.buf), copyEventsSQL)
	if errorCode(err) == "23505" { // unique_violation: a key is stored already
		return nil
	}
	if err != nil {
		return fmt.Errorf("line %d: store events: %w", rows[0].Line, err)
	}
	if err := sp.Commit(ctx); err != nil {
		return err
	}
	for i, p := range rows {
		p.ID = s.nextID + int64(i)
	}
	s.nextID += int64(len(rows))
	return nil
}

// LookupEvents reads the stored events with the rows' keys.
func (s *importStore) LookupEvents(rows []*usage.ImportRow) (map[string]usage.StoredEvent, error) {
	keys := make([]string, len(rows))
	for i, p := range rows {
		keys[i] = p.Event.EventID
	}
	stored, err := readEvents(s.w.ctx, s.w.tx, "e.source_id = $1 AND e.event_id = ANY($2)", []any{s.sourceID, keys}, 0, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]usage.StoredEvent, len(stored))
	for i := range stored {
		st := &stored[i]
		out[st.ev.EventID] = usage.StoredEvent{Line: st.line, Digest: st.digest[:],
			Event: func() (ledger.Event, error) { return st.ev, nil }}
	}
	return out, nil
}

func (s *importStore) PostEntries(n int, entry func(i int) ledger.Entry) ([]ledger.PostResult, error) {
	entries := make([]ledger.Entry, n) // post looks all their keys up in one query
	for i := range entries {
		entries[i] = entry(i)
	}
	return s.w.post(entries)
}

func (s *importStore) LinkGroups(batch int64, groups []*usage.Group, entryIDs []int64) error {
	links := make([][]any, len(groups))
	for i, g := range groups {
		links[i] = []any{batch, g.No, entryIDs[i], g.First, g.Last, int64(g.Events)}
	}
	if _, err := s.w.tx.CopyFrom(s.w.ctx, pgx.Identifier{"import_groups"},
		[]string{"batch_id", "group_no", "entry_id", "first_event", "last_event", "events"}, pgx.CopyFromRows(links)); err != nil {
		return fmt.Errorf("link import groups: %w", err)
	}
	return nil
}

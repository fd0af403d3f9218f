package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// EntrySourceImport is the Key.Source of the entries a usage import posts.
const EntrySourceImport = "import"

// DefaultChunkRows is how many rows an --allow-partial import commits per
// transaction.
const DefaultChunkRows = 50000

// Page cache sizes (negative: KiB) during an import and after it (SQLite's default).
const (
	importCacheSize  = -65536
	defaultCacheSize = -2000
)

// MaxSourceLen bounds a source name.
const MaxSourceLen = 100

// ImportOptions control one usage import.
type ImportOptions struct {
	Source       string         // the source system; "default" when empty
	FileName     string         // as shown in reports and stored on the batch
	SHA256       string         // hex SHA-256 of the whole file; required with AllowPartial
	Mapping      *usage.Mapping // nil: canonical columns
	AllowPartial bool           // post good rows chunk by chunk; bad rows go to OnReject
	DryRun       bool           // validate and report, write nothing
	ChunkRows    int            // rows per committed chunk with AllowPartial (0: DefaultChunkRows)

	// OnReject is called for every bad row, in file order, with its errors
	// (conflicts included). row.Record is only valid during the call.
	OnReject func(row *usage.Row) error
	// OnProgress is called every few thousand rows with the rows and bytes read.
	OnProgress func(rows int, bytes int64)
	// CrashPoint, when set, is called at named points ("before-commit",
	// "after-commit", "after-chunk-N", "after-batch") so that a test can
	// kill the process there.
	CrashPoint func(name string)
}

// ImportResult counts what an import did. Rows = Posted + Duplicates + Rejected.
type ImportResult struct {
	BatchID    int64 // 0 for a dry run or an import that posted nothing
	Rows       int
	Posted     int
	Duplicates int
	Rejected   int
	Late       int
	Entries    int
}

// ErrBadRows is returned (wrapped in a *ledger.Error) when a default-mode
// import found bad rows and posted nothing.
var ErrBadRows = errors.New("bad rows")

// badRowsError is an EINVALID *ledger.Error that also matches ErrBadRows.
type badRowsError struct{ err *ledger.Error }

func (e badRowsError) Error() string   { return e.err.Message }
func (e badRowsError) Unwrap() []error { return []error{e.err, ErrBadRows} }

func badRows(file string, rejected, rows int) error {
	return badRowsError{ledger.Errorf(ledger.EINVALID, "%s: %d bad row(s) of %d; nothing imported", file, rejected, rows)}
}

// ImportUsage imports a usage CSV (spec section 2) as one batch.
//
// Every row is validated; each new event is stored with its (source,
// event_id), and posted: the events of a chunk are summed per seller,
// channel, currency, booking date and late flag into one entry debiting
// ledger.ReceivableAccount and crediting ledger.RevenueAccount. An event
// dated on or before the closed-through date keeps its date, is marked late
// and is booked on the first open day. An event already stored with the same
// content is a duplicate (skipped); with other content it is a bad row whose
// reason shows both versions.
//
// By default the whole file is one transaction: with any bad row nothing is
// written and the returned error is EINVALID (wrapping ErrBadRows). With
// AllowPartial, bad rows are handed to OnReject and good rows commit every
// ChunkRows rows; re-running the same file after a crash completes it.
// DryRun runs everything in a transaction that is rolled back. Problems of
// the whole file (empty, bad header) come back as usage.RowErrors.
func (db *DB) ImportUsage(ctx context.Context, r io.Reader, opts ImportOptions) (ImportResult, error) {
	if opts.Source == "" {
		opts.Source = "default"
	}
	if len(opts.Source) > MaxSourceLen {
		return ImportResult{}, ledger.Errorf(ledger.EINVALID, "source name longer than %d bytes", MaxSourceLen)
	}
	for _, c := range []byte(opts.Source) {
		if c < 0x20 || c == 0x7f {
			return ImportResult{}, ledger.Errorf(ledger.EINVALID, "source name %q has control characters", opts.Source)
		}
	}
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = DefaultChunkRows
	}
	if opts.AllowPartial && opts.DryRun {
		opts.AllowPartial = false // a dry run reports every bad row and writes nothing
	}
	if opts.AllowPartial && len(opts.SHA256) != 64 {
		return ImportResult{}, ledger.Errorf(ledger.EINVALID, "a partial import needs the file's SHA-256 up front")
	}
	var hasher hash.Hash
	if opts.SHA256 == "" {
		hasher = sha256.New()
		r = io.TeeReader(r, hasher)
	}
	rd, err := usage.NewReader(r, opts.FileName, opts.Mapping)
	if err != nil {
		return ImportResult{}, err
	}
	im := &importer{db: db, opts: opts, rd: rd, hasher: hasher}
	if opts.AllowPartial {
		err = im.runPartial(ctx)
	} else {
		err = im.runAll(ctx)
	}
	// The import enlarged the writer's page cache (see begin); give it back.
	if _, cerr := db.w.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", defaultCacheSize)); cerr != nil && err == nil {
		err = cerr
	}
	return im.res, err
}

// importer is the state of one ImportUsage call.
type importer struct {
	db     *DB
	opts   ImportOptions
	rd     *usage.Reader
	hasher hash.Hash
	res    ImportResult
	row    usage.Row
	eof    bool
	chunk  int
	// segment counts flushes within a transaction; keyBase is the file's
	// part of the entries' external IDs.
	segment int
	keyBase string
	digBuf  []byte
	args    []any
	segs    map[string]string

	lastDate     ledger.Date
	lastDateText string

	// Per transaction.
	tx      *Tx
	ins     *sql.Stmt // plain insert, while no stored key was met
	upsert  *sql.Stmt // insert, or detect a duplicate or a conflict
	sawDup  bool
	find    *sql.Stmt
	closed  ledger.Date
	firstID int64 // the entry ID the chunk's first group will get
	groups  map[groupKey]*group
	order   []*group
}

type groupKey struct {
	seller, channel string // account segments
	currency        string
	date            ledger.Date // booking date
	late            bool
}

type group struct {
	key     groupKey
	entryID int64
	sum     decimal.Decimal
	events  int
}

func (im *importer) crash(name string) {
	if im.opts.CrashPoint != nil {
		im.opts.CrashPoint(name)
	}
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
			return badRows(im.opts.FileName, im.res.Rejected, im.res.Rows)
		}
		if im.opts.DryRun {
			im.res.Entries = len(im.order)
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
		if errors.Is(err, ErrBadRows) {
			im.res.BatchID = 0
		} else {
			im.res = ImportResult{}
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

const insertEvent = `INSERT INTO events
	(source, event_id, occurred_at, date_only, date, seller, channel, customer, product, region,
	 quantity, unit_price, amount, currency, meta, digest, batch_id, line, entry_id, late)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (source, event_id)`

// begin prepares the statements of a transaction and resets the groups.
func (im *importer) begin(tx *Tx) error {
	im.tx = tx
	var err error
	// A 64 MiB page cache keeps the events' index pages in memory for the
	// whole transaction; with SQLite's default 2 MiB they spill to the WAL
	// and the import runs at half the speed.
	if _, err = tx.SQL().ExecContext(tx.Context(), fmt.Sprintf("PRAGMA cache_size = %d", importCacheSize)); err != nil {
		return err
	}
	if im.ins, err = tx.SQL().PrepareContext(tx.Context(), insertEvent+` DO NOTHING`); err != nil {
		return err
	}
	if im.upsert, err = tx.SQL().PrepareContext(tx.Context(), insertEvent+` DO UPDATE SET line = line WHERE digest != excluded.digest`); err != nil {
		return err
	}
	im.sawDup = false
	im.find, err = tx.SQL().PrepareContext(tx.Context(), `SELECT batch_id, line FROM events WHERE source = ? AND event_id = ?`)
	if err != nil {
		return err
	}
	if im.closed, err = tx.ClosedThrough(); err != nil {
		return err
	}
	head, _ := tx.Head()
	im.firstID = head + 1
	im.groups = map[groupKey]*group{}
	im.order = im.order[:0]
	im.segment = 0
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

// rows reads and stores up to limit rows (0: all) in the current transaction.
func (im *importer) rows(ctx context.Context, limit int) error {
	for n := 0; limit == 0 || n < limit; n++ {
		err := im.rd.Next(&im.row)
		if err == io.EOF {
			im.eof = true
			break
		}
		if err != nil {
			return err
		}
		im.res.Rows++
		if im.res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if im.opts.OnProgress != nil {
				im.opts.OnProgress(im.res.Rows, im.rd.BytesRead())
			}
		}
		if len(im.row.Errors) == 0 {
			if err := im.store(&im.row); err != nil {
				return err
			}
		}
		if len(im.row.Errors) > 0 {
			im.res.Rejected++
			if im.opts.OnReject != nil {
				if err := im.opts.OnReject(&im.row); err != nil {
					return err
				}
			}
		}
	}
	if im.opts.OnProgress != nil {
		im.opts.OnProgress(im.res.Rows, im.rd.BytesRead())
	}
	return nil
}

// store inserts one valid event, or finds it is a duplicate or a conflict
// (which it appends to row.Errors).
func (im *importer) store(row *usage.Row) error {
	ev := &row.Event
	ev.Source = im.opts.Source
	date := ev.AccountingDate()
	k := groupKey{seller: im.accountSegment(ev.Seller), channel: im.accountSegment(ev.Channel), currency: ev.Currency, date: date}
	if !im.closed.IsZero() && !date.After(im.closed) {
		k.late, k.date = true, im.closed.AddDays(1)
	}
	g := im.groups[k]
	if g == nil && len(im.order) >= maxGroups {
		// Bound memory whatever the file: book what the groups hold so far
		// and start new ones.
		if err := im.flush(); err != nil {
			return err
		}
	}
	entryID := im.firstID + int64(len(im.order))
	if g != nil {
		entryID = g.entryID
	}
	var digest [usage.DigestSize]byte
	digest, im.digBuf = usage.Digest(ev, im.digBuf)
	meta := "{}"
	if len(ev.Meta) > 0 {
		b, err := json.Marshal(ev.Meta)
		if err != nil {
			return err
		}
		meta = string(b)
	}
	dateText := row.OccurredText
	if !ev.DateOnly {
		dateText = im.dateText(date)
	}
	a := append(im.args[:0], ev.Source, ev.EventID, row.OccurredText, ev.DateOnly, dateText, ev.Seller, ev.Channel,
		ev.Customer, ev.Product, ev.Region, nullText(row.QuantityText), nullText(row.UnitPriceText), row.AmountText,
		ev.Currency, meta, digest[:], im.res.BatchID, row.Line, entryID, k.late)
	im.args = a
	// Until the first stored key turns up, a plain insert: a new key inserts
	// (1 change), a stored one does nothing (0 changes). From then on (a
	// re-import, or overlapping exports), one statement decides: a new key
	// inserts; the same key with the same digest does nothing; the same key
	// with another digest tries an update, which the events_no_update
	// trigger refuses. The upsert costs more per insert (a statement
	// journal), so a fresh import does not use it.
	stmt := im.ins
	if im.sawDup {
		stmt = im.upsert
	}
	res, err := stmt.ExecContext(im.tx.Context(), a...)
	if err == nil && !im.sawDup {
		if n, _ := res.RowsAffected(); n == 0 {
			im.sawDup = true
			res, err = im.upsert.ExecContext(im.tx.Context(), a...)
		}
	}
	if err != nil {
		if strings.Contains(err.Error(), "events are immutable") {
			return im.conflict(row)
		}
		return fmt.Errorf("line %d: store event: %w", row.Line, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		if g == nil {
			g = &group{key: k, entryID: entryID}
			im.groups[k] = g
			im.order = append(im.order, g)
		}
		g.sum = g.sum.Add(ev.Amount)
		g.events++
		im.res.Posted++
		if k.late {
			im.res.Late++
		}
		return nil
	}
	im.res.Duplicates++
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

// dateText is d as YYYY-MM-DD, remembered for the last date seen.
func (im *importer) dateText(d ledger.Date) string {
	if d != im.lastDate || im.lastDateText == "" {
		im.lastDate, im.lastDateText = d, d.String()
	}
	return im.lastDateText
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// conflict reports an event whose key is stored with other content, naming
// both versions.
func (im *importer) conflict(row *usage.Row) error {
	ev := &row.Event
	var batch, line int64
	if err := im.find.QueryRowContext(im.tx.Context(), ev.Source, ev.EventID).Scan(&batch, &line); err != nil {
		return fmt.Errorf("line %d: find event %q: %w", row.Line, ev.EventID, err)
	}
	old, err := loadEvents(im.tx.Context(), im.tx.SQL(), EventFilter{Source: ev.Source, EventID: ev.EventID, Limit: 1})
	if err != nil {
		return err
	}
	if len(old) != 1 {
		return fmt.Errorf("line %d: event %q vanished", row.Line, ev.EventID)
	}
	where := fmt.Sprintf("imported in batch %d (line %d)", batch, line)
	if batch == im.res.BatchID {
		where = fmt.Sprintf("in line %d of this file", line)
	}
	col := usage.ColEventID
	if h := im.rd.Header(); len(h) > 0 {
		col = im.eventIDColumn()
	}
	row.Errors = append(row.Errors, &usage.RowError{File: im.opts.FileName, Line: row.Line, Column: col, Value: ev.EventID,
		Reason: usage.ConflictReason(where, &old[0], ev)})
	return nil
}

func (im *importer) eventIDColumn() string {
	want := usage.ColEventID
	if im.opts.Mapping != nil && im.opts.Mapping.Columns[usage.ColEventID] != "" {
		want = im.opts.Mapping.Columns[usage.ColEventID]
	}
	for _, h := range im.rd.Header() {
		if equalFold(h, want) {
			return h
		}
	}
	return usage.ColEventID
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// maxGroups bounds the groups (and so the entries) held in memory at once.
const maxGroups = 10000

// flush books the current groups and starts new ones, in the same
// transaction: events already stored keep the entry IDs they carry.
func (im *importer) flush() error {
	if err := im.post(); err != nil {
		return err
	}
	im.segment++
	head, _ := im.tx.Head()
	im.firstID = head + 1
	clear(im.groups)
	im.order = im.order[:0]
	return nil
}

// segmentID names the chunk and, after flushes, the segment within it. A
// partial import's chunk names its size too ("3@50000"): re-running with
// another --chunk-rows then cannot meet the keys of other chunks.
func (im *importer) segmentID() string {
	id := strconv.Itoa(im.chunk)
	if im.opts.AllowPartial {
		id += "@" + strconv.Itoa(im.opts.ChunkRows)
	}
	if im.segment > 0 {
		id += "." + strconv.Itoa(im.segment)
	}
	return id
}

// post books one entry per group, in the order the groups appeared, and
// checks that each got the entry ID its events already carry.
func (im *importer) post() error {
	if len(im.order) == 0 {
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
	sha := im.keyBase
	entries := make([]ledger.Entry, len(im.order))
	for i, g := range im.order {
		k := g.key
		late := "false"
		if k.late {
			late = "true"
		}
		entries[i] = ledger.Entry{
			Key: ledger.Key{Source: EntrySourceImport, ExternalID: fmt.Sprintf("%s:%s:%s:%s:%s:%s:%s:%s",
				im.opts.Source, sha, im.segmentID(), k.seller, k.channel, k.currency, k.date, late)},
			Date:        k.date,
			Description: fmt.Sprintf("usage %s/%s %s: %d event(s) from import batch %d", k.seller, k.channel, k.currency, g.events, im.res.BatchID),
			Meta: map[string]string{
				"kind": "usage", "batch": strconv.FormatInt(im.res.BatchID, 10), "source": im.opts.Source,
				"late": late, "events": strconv.Itoa(g.events), "seller": k.seller, "channel": k.channel,
			},
			Postings: []ledger.Posting{
				{Account: ledger.ReceivableAccount(k.seller, k.channel), Amount: g.sum, Currency: k.currency},
				{Account: ledger.RevenueAccount(k.seller, k.channel), Amount: g.sum.Neg(), Currency: k.currency},
			},
		}
	}
	res, err := im.tx.PostEntries(entries)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Duplicate || r.ID != im.order[i].entryID {
			// Events already carry their entry's ID; a mismatch would break
			// the event -> entry link, so the transaction is refused.
			return fmt.Errorf("import entry %d: got ID %d (duplicate %v), want %d", i, r.ID, r.Duplicate, im.order[i].entryID)
		}
	}
	im.res.Entries += len(entries)
	return nil
}

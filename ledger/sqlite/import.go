package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
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

// ImportUsage imports a usage CSV (spec section 2) as one batch, by
// usage.RunImport's rules (all or nothing, --allow-partial chunks, dry run,
// duplicates and conflicts, one entry per group). This file keeps SQLite's
// part: each event is stored with its (source, event_id) as one row of
// JSON data, indexed in event_index, and added to the usage sets of the
// current contracts; import_groups links each entry to its events.
//
// The file is parsed on one goroutine while another stores the rows, so an
// import uses both cores of a small machine (docs/import.md).
func (db *DB) ImportUsage(ctx context.Context, r io.Reader, opts usage.ImportOptions) (ledger.ImportResult, error) {
	ctx = db.activity(ctx, "import", opts.FileName)
	res, err := usage.RunImport(ctx, r, opts, &importStore{db: db, ctx: ctx}, usage.ImportTuning{BatchRows: batchRows, InsertRows: insertRows})
	// The import enlarged the writer's page cache (see BeginImport); give it back.
	if _, cerr := db.w.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", defaultCacheSize)); cerr != nil && err == nil {
		err = cerr
	}
	return res, err
}

// The parser hands rows to the writer in batches of batchRows. The writer
// inserts up to insertRows events per INSERT: each statement copies the
// events' last page, the pages of events_key it changes and the file's
// first page into SQLite's statement journal, so fewer, larger statements
// copy less (32 rows a statement: 3,125 statements and about 76 MB of the
// 263 MB journal of a 100,000-event per-event import; docs/design/speed.md,
// section 2, session 15).
const (
	batchRows  = 512
	insertRows = 256
)

// importStore is SQLite's usage.ImportStore for one ImportUsage call.
type importStore struct {
	db  *DB
	ctx context.Context

	args []any
	data []byte

	// Per transaction.
	tx       *Tx
	inserts  map[int]*sql.Stmt // by row count
	lookups  map[int]*sql.Stmt
	sourceID int64
	source   string
	usages   []*usageWriter
	index    eventIndexer // the event index rows of the events stored since the last post
	rejects  *sql.Stmt    // StoreReject's insert, prepared on the first reject
	// NameInUse's: the segments of the revenue accounts, read on its first
	// call, and its look-up.
	sellerSegs, channelSegs map[string]bool
	nameStored              *sql.Stmt
}

// EncodeRow appends the row's data (see appendEventHead) but the fields
// the transaction decides, which go at split.
func (s *importStore) EncodeRow(dst []byte, row *usage.Row, digest *[usage.DigestSize]byte) ([]byte, int, error) {
	start := len(dst)
	dst = appendEventHead(dst, row, *digest)
	split := len(dst) - start
	dst, err := appendEventOptional(dst, row)
	return dst, split, err
}

// InTx runs fn in a transaction and writes the event index rows of the
// events it stored (one row per dimension value and transaction, or per
// eventIndexRows events) before the commit.
func (s *importStore) InTx(ctx context.Context, fn func() error) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		s.tx = tx
		if err := fn(); err != nil {
			return err
		}
		return s.index.flush(tx)
	})
}

// BeginImport prepares a transaction.
func (s *importStore) BeginImport(source string) (ledger.Date, error) {
	tx := s.tx
	q := tx.SQL()
	// A 64 MiB page cache keeps the events' index pages in memory for the
	// whole transaction; with SQLite's default 2 MiB they spill to the WAL
	// and the import runs at half the speed.
	if _, err := q.ExecContext(tx.Context(), fmt.Sprintf("PRAGMA cache_size = %d", importCacheSize)); err != nil {
		return ledger.Date{}, err
	}
	s.inserts, s.lookups = map[int]*sql.Stmt{}, map[int]*sql.Stmt{}
	s.rejects, s.source = nil, source
	s.sellerSegs, s.channelSegs, s.nameStored = nil, nil, nil
	s.index.reset() // a failed chunk's rows were rolled back
	if _, err := q.ExecContext(tx.Context(), `INSERT INTO event_sources (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, source); err != nil {
		return ledger.Date{}, err
	}
	if err := q.QueryRowContext(tx.Context(), `SELECT id FROM event_sources WHERE name = ?`, source).Scan(&s.sourceID); err != nil {
		return ledger.Date{}, err
	}
	closed, err := tx.ClosedThrough()
	if err != nil {
		return ledger.Date{}, err
	}
	return closed, s.loadUsages()
}

// loadUsages finds the usage sets the new events must be added to: those
// of the current contracts (a contract without one gets it built, from
// every event, by its next run).
func (s *importStore) loadUsages() error {
	s.usages = s.usages[:0]
	cs, err := loadContracts(s.tx.Context(), s.tx.SQL())
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, sc := range cs {
		id, ok, err := usageSetID(s.tx.Context(), s.tx.SQL(), sc.Contract.UsageSignature())
		if err != nil {
			return err
		}
		if ok && !seen[id] {
			seen[id] = true
			s.usages = append(s.usages, newUsageWriter(id, sc.Contract))
		}
	}
	return nil
}

func (s *importStore) InsertBatch(source, file, sha, mode string) (int64, error) {
	res, err := s.tx.SQL().ExecContext(s.tx.Context(), `INSERT INTO import_batches
		(kind, source, file_name, file_sha256, mode, status, started_at) VALUES ('usage', ?, ?, ?, ?, 'running', ?)`,
		source, file, sha, mode, formatTime(s.tx.Now))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	setActivityDetail(s.tx.Context(), fmt.Sprintf("batch %d (%s)", id, file))
	return id, err
}

func (s *importStore) FinishBatch(r ledger.ImportResult, sha string, done bool) error {
	status, finished := "running", any(nil)
	if done {
		status, finished = "complete", formatTime(s.tx.Now)
	}
	_, err := s.tx.SQL().ExecContext(s.tx.Context(), `UPDATE import_batches SET file_sha256 = ?, status = ?, rows = ?,
		posted = ?, duplicates = ?, rejected = ?, late = ?, entries = ?, finished_at = ? WHERE id = ?`,
		sha, status, r.Rows, r.Posted, r.Duplicates, r.Rejected, r.Late, r.Entries, finished, r.BatchID)
	if err != nil || !done {
		return err
	}
	return s.tx.seal(batchFacts, r.BatchID)
}

// InsertEvents stores rows with one multi-row insert that skips stored
// keys. When every row went in, their IDs follow from the last one's;
// else the rows are looked up, and those stored by this insert (batch and
// line theirs) get their IDs.
func (s *importStore) InsertEvents(batch int64, rows []*usage.ImportRow) error {
	a, data := s.args[:0], s.data[:0]
	for _, p := range rows {
		start := len(data)
		data = append(data, p.Data[:p.Split]...)
		data = appendEventTail(data, p.Group.Key.Late, batch, p.Group.No)
		data = append(data, p.Data[p.Split:]...)
		data = append(data, ']')
		a = append(a, p.Event.EventID, string(data[start:]))
	}
	s.args, s.data = a, data
	st, err := s.stmt(s.inserts, len(rows), insertEventsSQL)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(s.tx.Context(), a...)
	if err != nil {
		return fmt.Errorf("line %d: store events: %w", rows[0].Line, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if int(n) == len(rows) {
		// One statement's new rows get consecutive IDs, the last one's known.
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for i, p := range rows {
			if err := s.added(p, batch, last-int64(len(rows)-1-i)); err != nil {
				return err
			}
		}
		return nil
	}
	// Some keys were stored already (or twice in these rows): find which.
	found, err := s.lookup(rows)
	if err != nil {
		return err
	}
	var f eventFields
	for _, p := range rows {
		st, ok := found[p.Event.EventID]
		if !ok {
			return fmt.Errorf("line %d: event %q neither inserted nor found", p.Line, p.Event.EventID)
		}
		if err := f.parse(st.data); err != nil {
			return fmt.Errorf("event %d: %w", st.id, err)
		}
		b, _ := f.int(fBatch)
		line, _ := f.int(fLine)
		if b == batch && line == int64(p.Line) { // this row's own insert
			if err := s.added(p, batch, st.id); err != nil {
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
func (s *importStore) stmt(cache map[int]*sql.Stmt, n int, query string) (*sql.Stmt, error) {
	if st := cache[n]; st != nil {
		return st, nil
	}
	values := strings.Repeat("?, ", n)
	if query == insertEventsSQL {
		values = strings.Repeat(fmt.Sprintf("(%d, ?, ?), ", s.sourceID), n)
	}
	st, err := s.tx.SQL().PrepareContext(s.tx.Context(), fmt.Sprintf(query, s.sourceID, values[:len(values)-2]))
	if err != nil {
		return nil, err
	}
	cache[n] = st
	return st, nil
}

// storedEvent is what lookup finds of an event already stored.
type storedEvent struct {
	id   int64
	data string
}

const lookupEventsSQL = `SELECT id, event_id, data FROM events WHERE source_id = %[1]d AND event_id IN (%[2]s)`

// lookup finds the stored events with the rows' keys.
func (s *importStore) lookup(rows []*usage.ImportRow) (map[string]storedEvent, error) {
	st, err := s.stmt(s.lookups, len(rows), lookupEventsSQL)
	if err != nil {
		return nil, err
	}
	a := s.args[:0]
	for _, p := range rows {
		a = append(a, p.Event.EventID)
	}
	s.args = a
	rs, err := st.QueryContext(s.tx.Context(), a...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	found := make(map[string]storedEvent, len(rows))
	for rs.Next() {
		var e storedEvent
		var id string
		if err := rs.Scan(&e.id, &id, &e.data); err != nil {
			return nil, err
		}
		found[id] = e
	}
	return found, rs.Err()
}

// LookupEvents finds the stored events with the rows' keys; a version's
// line and digest come from its data, the rest when a conflict asks.
func (s *importStore) LookupEvents(rows []*usage.ImportRow) (map[string]usage.StoredEvent, error) {
	found, err := s.lookup(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]usage.StoredEvent, len(found))
	digests := make([]byte, storedDigestBytes*len(found)) // one allocation for all
	var f eventFields
	for key, st := range found {
		if err := f.parse(st.data); err != nil {
			return nil, fmt.Errorf("event %d: %w", st.id, err)
		}
		digest := digests[:storedDigestBytes:storedDigestBytes]
		digests = digests[storedDigestBytes:]
		if n, err := hex.Decode(digest, []byte(f.v[fDigest])); err != nil || n != storedDigestBytes {
			return nil, fmt.Errorf("event %d: digest %q", st.id, f.v[fDigest])
		}
		line, _ := f.int(fLine)
		out[key] = usage.StoredEvent{Line: int(line), Digest: digest, Event: st.decoder(key)}
	}
	return out, nil
}

// decoder returns the stored version of the event with key.
func (st storedEvent) decoder(key string) func() (ledger.Event, error) {
	return func() (ledger.Event, error) {
		var f eventFields
		old := ledger.Event{ID: st.id, EventID: key}
		if err := f.parse(st.data); err != nil {
			return old, fmt.Errorf("event %d: %w", st.id, err)
		}
		if err := f.decode(&old); err != nil {
			return old, fmt.Errorf("event %d: %w", st.id, err)
		}
		return old, nil
	}
}

// added indexes a newly stored event and adds it to the usage sets.
func (s *importStore) added(p *usage.ImportRow, batch, id int64) error {
	p.ID = id
	late := p.Group.Key.Late
	s.index.add(id, p.Event.Seller, p.Event.Channel, p.Event.Customer, p.Event.Product, p.Event.Region, p.Date.String())
	if s.index.events >= eventIndexRows {
		if err := s.index.flush(s.tx); err != nil {
			return err
		}
	}
	if len(s.usages) > 0 {
		e := &p.Event
		e.ID, e.Source, e.BatchID, e.Late = id, s.source, batch, late
		for _, w := range s.usages {
			w.batch = batch // known after BeginImport in a default-mode import
			if err := w.add(s.tx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func insertGroupsQuery(n int) string {
	return cachedQuery(12, n, func(n int) string {
		return `INSERT INTO import_groups (batch_id, group_no, entry_id, first_event, last_event, events) VALUES ` + placeholders(n, 6)
	})
}

// PostEntries posts the entries of the groups booked.
func (s *importStore) PostEntries(n int, entry func(i int) ledger.Entry) ([]ledger.PostResult, error) {
	return s.tx.PostEntriesFunc(n, entry)
}

// LinkGroups links the groups to their entries; the usage of the events
// just booked then joins their contracts' sets.
func (s *importStore) LinkGroups(batch int64, groups []*usage.Group, entryIDs []int64) error {
	links := make([]any, 0, 6*len(groups))
	for i, g := range groups {
		links = append(links, batch, g.No, entryIDs[i], g.First, g.Last, g.Events)
	}
	// Multi-row: with one entry per event there is a link per event.
	if err := s.tx.execRows(insertGroupsQuery, 6, links); err != nil {
		return err
	}
	for _, w := range s.usages {
		if err := w.flush(s.tx); err != nil {
			return err
		}
	}
	return nil
}

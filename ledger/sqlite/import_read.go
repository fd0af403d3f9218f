package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

const batchColumns = `id, kind, source, file_name, file_sha256, mode, status, rows, posted, duplicates, rejected, late, entries, started_at, finished_at`

func scanBatch(s rowScanner) (ledger.ImportBatch, error) {
	var b ledger.ImportBatch
	var started string
	var finished sql.NullString
	if err := s.Scan(&b.ID, &b.Kind, &b.Source, &b.File, &b.SHA256, &b.Mode, &b.Status, &b.Rows, &b.Posted,
		&b.Duplicates, &b.Rejected, &b.Late, &b.Entries, &started, &finished); err != nil {
		return b, err
	}
	var err error
	key := fmt.Sprintf("id=%d", b.ID)
	if b.StartedAt, err = storedTime("import_batches", key, "started_at", started); err != nil {
		return b, err
	}
	if finished.Valid {
		if b.FinishedAt, err = storedTime("import_batches", key, "finished_at", finished.String); err != nil {
			return b, err
		}
	}
	return b, nil
}

// ImportBatches lists import batches with ID > afterID in ID order, at most
// ledger.StorePageLimit(limit).
func (db *DB) ImportBatches(ctx context.Context, afterID int64, limit int) ([]ledger.ImportBatch, error) {
	limit = ledger.StorePageLimit(limit)
	return queryRows(ctx, db.r, scanBatch, `SELECT `+batchColumns+` FROM import_batches WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

// ImportBatch returns one batch; ENOTFOUND if there is none.
func (db *DB) ImportBatch(ctx context.Context, id int64) (ledger.ImportBatch, error) {
	b, err := scanBatch(db.r.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM import_batches WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return b, ledger.Errorf(ledger.ENOTFOUND, "import %d not found", id)
	}
	return b, err
}

// Event returns one event; ENOTFOUND if there is none.
func (db *DB) Event(ctx context.Context, id int64) (ledger.Event, error) {
	evs, err := loadEvents(ctx, db.r, ledger.EventFilter{AfterID: id - 1, Limit: 1})
	if err != nil {
		return ledger.Event{}, err
	}
	if len(evs) == 0 || evs[0].ID != id {
		return ledger.Event{}, ledger.Errorf(ledger.ENOTFOUND, "event %d not found", id)
	}
	return evs[0], nil
}

// Events returns one page of events matching f, in ID order.
func (db *DB) Events(ctx context.Context, f ledger.EventFilter) ([]ledger.Event, error) {
	f.Limit = ledger.StorePageLimit(f.Limit)
	return loadEvents(ctx, db.r, f)
}

// EachEvent calls fn for every event matching f, in ID order, streaming in
// one read snapshot. The *ledger.Event is reused: copy the struct (a copy
// stays valid) if fn keeps it.
func (db *DB) EachEvent(ctx context.Context, f ledger.EventFilter, fn func(*ledger.Event) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return eachEvent(ctx, tx, f, fn)
}

func loadEvents(ctx context.Context, q querier, f ledger.EventFilter) ([]ledger.Event, error) {
	var out []ledger.Event
	err := eachEvent(ctx, q, f, func(e *ledger.Event) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

// eachEvent streams the events matching f in ID order. SQL narrows by key,
// ID range and source; the other filters look at each row's data.
func eachEvent(ctx context.Context, q querier, f ledger.EventFilter, fn func(*ledger.Event) error) error {
	return readEvents(ctx, q, f, nil, fn)
}

// eachEventAmong streams the events ids (ascending) in ID order, read and
// linked as eachEvent reads them.
func eachEventAmong(ctx context.Context, q querier, ids []int64, fn func(*ledger.Event) error) error {
	if len(ids) == 0 {
		return nil
	}
	return readEvents(ctx, q, ledger.EventFilter{}, ids, fn)
}

// readEvents is eachEvent over the events among (ascending IDs), or over
// those f's indexed filters name when among is nil.
func readEvents(ctx context.Context, q querier, f ledger.EventFilter, among []int64, fn func(*ledger.Event) error) error {
	var conds []string
	var args []any
	add := func(cond string, v ...any) { conds = append(conds, cond); args = append(args, v...) }
	var inBatch, inGroup int64 // 0: any
	if f.EntryID != 0 {
		var first, last int64
		err := q.QueryRowContext(ctx, `SELECT batch_id, group_no, first_event, last_event FROM import_groups WHERE entry_id = ?`,
			f.EntryID).Scan(&inBatch, &inGroup, &first, &last)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		add("id BETWEEN ? AND ?", first, last)
	}
	if f.BatchID != 0 {
		if inBatch != 0 && inBatch != f.BatchID {
			return nil
		}
		var first, last sql.NullInt64
		if err := q.QueryRowContext(ctx, `SELECT min(first_event), max(last_event) FROM import_groups WHERE batch_id = ?`,
			f.BatchID).Scan(&first, &last); err != nil {
			return err
		}
		if !first.Valid {
			return nil
		}
		inBatch = f.BatchID
		add("id BETWEEN ? AND ?", first.Int64, last.Int64)
	}
	sources, err := loadSources(ctx, q)
	if err != nil {
		return err
	}
	var srcID int64
	if f.Source != "" {
		id, ok := sourceID(sources, f.Source)
		if !ok {
			return nil
		}
		srcID = id
		add("source_id = ?", id)
	}
	if f.EventID != "" {
		add("event_id = ?", f.EventID)
	}
	if f.AfterID != 0 {
		add("id > ?", f.AfterID)
	}
	// filtered: rows SQL returns may still be skipped below, so a LIMIT in
	// SQL would cut the page short.
	filtered := inBatch != 0 || f.Seller != "" || f.Channel != "" || f.Customer != "" || f.Product != "" || f.Region != "" ||
		f.Currency != "" || !f.From.IsZero() || !f.To.IsZero()
	entries := entryLinks{q: q}
	var (
		e      ledger.Event
		fields eventFields
		n      int
	)
	// handle filters one row and hands it to fn; done when the page is full.
	handle := func(id, sourceNo int64, eventID, data string) (done bool, err error) {
		e = ledger.Event{ID: id, EventID: eventID}
		if err := fields.parse(data); err != nil {
			return false, fmt.Errorf("event %d: %w", e.ID, err)
		}
		v := &fields.v
		if f.Seller != "" && v[fSeller] != f.Seller || f.Channel != "" && v[fChannel] != f.Channel ||
			f.Customer != "" && v[fCustomer] != f.Customer || f.Product != "" && v[fProduct] != f.Product ||
			f.Region != "" && v[fRegion] != f.Region || f.Currency != "" && v[fCurrency] != f.Currency {
			return false, nil
		}
		group, err := fields.decodeEvent(&e)
		if err != nil {
			return false, err
		}
		if d := e.AccountingDate(); !f.From.IsZero() && d.Before(f.From) || !f.To.IsZero() && f.To.Before(d) {
			return false, nil
		}
		if inBatch != 0 && e.BatchID != inBatch || inGroup != 0 && group != inGroup {
			return false, nil
		}
		if err := linkEvent(ctx, &e, group, sourceNo, sources, &entries); err != nil {
			return false, err
		}
		if err := fn(&e); err != nil {
			return false, err
		}
		n++
		return f.Limit > 0 && n == f.Limit, nil
	}
	if among != nil {
		return eachEventByID(ctx, q, among, f, srcID, handle)
	}
	if f.EntryID == 0 && f.BatchID == 0 && f.EventID == "" {
		// Filters by seller, channel, customer, product, region or date:
		// read only the rows the most selective one names, when it is sparse.
		ids, ok, err := indexedEventIDs(ctx, q, f)
		if err != nil {
			return err
		}
		if ok {
			return eachEventByID(ctx, q, ids, f, srcID, handle)
		}
	}
	query := `SELECT id, source_id, event_id, data FROM events`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, " AND ")
	}
	query += ` ORDER BY id`
	if f.Limit > 0 && !filtered {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	_, err = eachEventRow(ctx, q, query, args, handle)
	return err
}

// eachEventRow runs query, which selects id, source_id, event_id and data
// from events, and passes each row to handle until it is done; done
// reports whether handle stopped the reading.
func eachEventRow(ctx context.Context, q querier, query string, args []any,
	handle func(id, sourceNo int64, eventID, data string) (bool, error)) (done bool, err error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var (
		id, sourceNo  int64
		eventID, data string
	)
	for rows.Next() {
		if err := rows.Scan(&id, &sourceNo, &eventID, &data); err != nil {
			return false, err
		}
		if done, err := handle(id, sourceNo, eventID, data); err != nil || done {
			return done, err
		}
	}
	return false, rows.Err()
}

// eachEventByID reads the events ids (ascending) in ID order, 256 at a
// time (16 for a page of at most 16), and passes each of source srcID (0:
// any) to handle until it is done.
func eachEventByID(ctx context.Context, q querier, ids []int64, f ledger.EventFilter, srcID int64,
	handle func(id, sourceNo int64, eventID, data string) (bool, error)) error {
	for len(ids) > 0 {
		k := 256
		if f.Limit > 0 && f.Limit <= 16 {
			k = 16
		}
		k = insertSize(min(k, len(ids)))
		args := make([]any, k)
		for i := range args {
			args[i] = ids[i]
		}
		ids = ids[k:]
		done, err := eachEventRow(ctx, q, eventsByIDQuery(k), args, func(id, sourceNo int64, eventID, data string) (bool, error) {
			if srcID != 0 && sourceNo != srcID {
				return false, nil
			}
			return handle(id, sourceNo, eventID, data)
		})
		if err != nil || done {
			return err
		}
	}
	return nil
}

// decodeEvent fills e from parsed fields (e.ID is set) and returns its
// import group.
func (f *eventFields) decodeEvent(e *ledger.Event) (group int64, err error) {
	if err := f.decode(e); err != nil {
		return 0, fmt.Errorf("event %d: %w", e.ID, err)
	}
	if group, err = f.int(fGroup); err != nil {
		return 0, fmt.Errorf("event %d: group: %w", e.ID, err)
	}
	return group, nil
}

// linkEvent completes a decoded event: its source's name, and its entry
// through its batch and group.
func linkEvent(ctx context.Context, e *ledger.Event, group, sourceNo int64, sources map[int64]string, entries *entryLinks) error {
	if e.Source = sources[sourceNo]; e.Source == "" {
		return fmt.Errorf("event %d: unknown source %d", e.ID, sourceNo)
	}
	var err error
	if e.EntryID, err = entries.of(ctx, e.BatchID, group); err != nil {
		return fmt.Errorf("event %d: %w", e.ID, err)
	}
	return nil
}

// loadSources returns the source names by ID.
func loadSources(ctx context.Context, q querier) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM event_sources`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

func sourceID(sources map[int64]string, name string) (int64, bool) {
	for id, n := range sources {
		if n == name {
			return id, true
		}
	}
	return 0, false
}

// entryLinks resolves an event's (batch, group) to its entry: group by
// group at first (a page names at most a thousand groups; a batch where
// every event posts its own entry has as many groups as events), then,
// from the 1,024th look-up in one batch, reading all the batch's groups at
// once (a stream of every event meets them all).
type entryLinks struct {
	q       querier
	batch   int64           // the batch whose groups are all in entries
	entries map[int64]int64 // by group of batch
	single  map[[2]int64]int64
	lookups map[int64]int // single look-ups per batch
}

func (l *entryLinks) of(ctx context.Context, batch, group int64) (int64, error) {
	if l.entries != nil && batch == l.batch {
		return l.entry(l.entries[group], batch, group)
	}
	if id, ok := l.single[[2]int64{batch, group}]; ok {
		return id, nil
	}
	if l.lookups == nil {
		l.lookups, l.single = map[int64]int{}, map[[2]int64]int64{}
	}
	if l.lookups[batch]++; l.lookups[batch] < 1024 {
		var id int64
		err := l.q.QueryRowContext(ctx, `SELECT entry_id FROM import_groups WHERE batch_id = ? AND group_no = ?`, batch, group).Scan(&id)
		if err != nil && err != sql.ErrNoRows {
			return 0, err
		}
		l.single[[2]int64{batch, group}] = id
		return l.entry(id, batch, group)
	}
	rows, err := l.q.QueryContext(ctx, `SELECT group_no, entry_id FROM import_groups WHERE batch_id = ?`, batch)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	l.batch, l.entries = batch, map[int64]int64{}
	for rows.Next() {
		var g, id int64
		if err := rows.Scan(&g, &id); err != nil {
			return 0, err
		}
		l.entries[g] = id
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return l.entry(l.entries[group], batch, group)
}

func (l *entryLinks) entry(id, batch, group int64) (int64, error) {
	if id == 0 {
		return 0, fmt.Errorf("batch %d group %d has no entry", batch, group)
	}
	return id, nil
}

// FXRates returns every imported exchange rate, by from, to and date.
func (db *DB) FXRates(ctx context.Context) ([]ledger.FXRate, error) {
	return loadRates(ctx, db.r)
}

// loadRates reads every exchange rate through q (the reader pool, or a
// transaction that must see its own snapshot, as a run does).
func loadRates(ctx context.Context, q querier) ([]ledger.FXRate, error) {
	return loadRatesWhere(ctx, q, "")
}

// loadRatesWhere is loadRates of the rows a WHERE clause selects.
func loadRatesWhere(ctx context.Context, q querier, where string, args ...any) ([]ledger.FXRate, error) {
	return queryRows(ctx, q, func(row rowScanner) (r ledger.FXRate, err error) {
		var date, rate string
		if err := row.Scan(&date, &r.From, &r.To, &rate); err != nil {
			return r, err
		}
		if r.Date, err = ledger.ParseDate(date); err != nil {
			return r, err
		}
		var reason string
		if r.Rate, reason = storedNumber(rate); reason != "" {
			return r, fmt.Errorf("fx rate %s %s/%s: %q: %s", date, r.From, r.To, rate, reason)
		}
		return r, nil
	}, `SELECT date, from_ccy, to_ccy, rate FROM fx_rates `+where+` ORDER BY from_ccy, to_ccy, date`, args...)
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// importScan checks what imports stored: each event's content still
// hashes to its digest (usage.Digest: a changed amount, date or party
// shows), its source is its import batch's (a source's name is half of its
// events' idempotency key: renamed, the same events imported again under
// the old name would post twice), every event belongs to a group linked to
// an entry, and each group's events sum to its entry's amount in number
// and total.
//
// The events are read in ID order through a cursor of the verify
// transaction, each with its group's range, entry and count (from the
// groups read beside them, groupsBeside, or else joined in the cursor), a
// page at a time between the journal's pages (advance), as far as the
// journal's scan has come in the entries they name, and then to the end
// (finish). Each
// group is summed over the events of its range as they are read, and
// checked once the scan reaches its last event: as many events as it says,
// and their sum equal to its entry's first posting, which the journal's
// scan gives (first). Whichever of the two comes first waits for the
// other in firsts or pending; then both are dropped. So only the groups
// whose events or entry are still to come are held: about one page where
// each event has its own entry.
//
// Only when something differs (a sum, a count, a group never completed or
// never met, an entry not met) does the query over the groups run
// (differingGroup), which names the first group that differs, as before;
// on the 1M per-event book that query took 5.5-19 s of the server's time.
// With the journal's cursors (journalCursor), verify there took 0.55-0.65x
// of main's server CPU and 0.75-0.80x of revshare's, at the same peak RSS
// (docs/postgres.md, "Verify at 1M entries"). A problem with an event is
// reported after the journal's checks, as when the events were read after
// them.
type importScan struct {
	tx   pgx.Tx
	bad  func(string, ...any) error
	sc   *eventScanner
	gr   groupRange
	buf  []byte
	done bool // the cursor is at its end, or an event's problem was found

	found     error            // the first event's problem
	lastEntry int64            // the entry of the last event read
	sources   map[int64]string // the usage batches' sources, by ID

	open    map[groupKey]*groupSum
	firsts  map[int64]ledger.Sum // import entries' first postings, their groups not yet checked
	pending map[int64]ledger.Sum // the sums of groups checked but for their entries, not yet scanned
	checked int64                // the groups found right
	differs bool                 // a group differs: differingGroup names it

	beside   *groupsBeside // the groups read beside the events; nil: the events cursor joins them
	link     groupLink     // the event's group, as beside found it
	switchAt int64         // the event whose group beside did not find: the join reads on from it
}

// differingGroupRuns counts, for the tests, the runs of differingGroup.
var differingGroupRuns atomic.Int64

func openImportScan(ctx context.Context, tx pgx.Tx, bad func(string, ...any) error) (*importScan, error) {
	sources := map[int64]string{}
	rows, err := tx.Query(ctx, `SELECT id, source FROM import_batches WHERE kind = 'usage'`)
	if err != nil {
		return nil, fmt.Errorf("import batches: %w", err)
	}
	var id int64
	var source string
	if _, err := pgx.ForEachRow(rows, []any{&id, &source}, func() error {
		sources[id] = source
		return nil
	}); err != nil {
		return nil, fmt.Errorf("import batches: %w", err)
	}
	s := &importScan{tx: tx, bad: bad, sources: sources, open: map[groupKey]*groupSum{}, firsts: map[int64]ledger.Sum{}, pending: map[int64]ledger.Sum{}}
	s.sc = newEventScanner(&s.gr.group, &s.gr.first, &s.gr.last, &s.gr.events)
	if !groupsBesideOn {
		return s, s.declareJoined(ctx, 0)
	}
	// The entry's column is a 0 in its place, so that an event's columns
	// are numbered as in the joined cursor (a scan error names its column).
	// The cursor has a name of its own: pgx keeps a statement's columns by
	// its text, and FETCH from a cursor of other columns must differ.
	if _, err := tx.Exec(ctx, `DECLARE verify_events_beside NO SCROLL CURSOR FOR
		SELECT `+eventContentColumns+`, 0::bigint, e.group_no `+eventSourceFrom+` ORDER BY e.id`); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	if _, err := tx.Exec(ctx, `DECLARE verify_groups NO SCROLL CURSOR FOR
		SELECT batch_id, group_no, entry_id, first_event, last_event, events FROM import_groups ORDER BY batch_id, group_no`); err != nil {
		return nil, fmt.Errorf("import groups: %w", err)
	}
	s.beside = &groupsBeside{ahead: map[groupKey]groupLink{}}
	s.beside.dest = []any{&s.beside.row.key.batch, &s.beside.row.key.group, &s.beside.row.entry, &s.beside.row.first, &s.beside.row.last, &s.beside.row.events}
	// The joined cursor's columns but for the group's range and count,
	// which come from beside.
	s.beside.eventDest = s.sc.dest[:len(s.sc.dest)-3]
	return s, nil
}

// declareJoined declares the events cursor that joins each event with its
// group, from event from on.
func (s *importScan) declareJoined(ctx context.Context, from int64) error {
	if _, err := s.tx.Exec(ctx, fmt.Sprintf(`DECLARE verify_events NO SCROLL CURSOR FOR
		SELECT `+eventColumns+`, e.group_no, g.first_event, g.last_event, g.events `+eventFrom+` WHERE e.id >= %d ORDER BY e.id`, from)); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

// advance reads the events while they name entries up to through, the
// last the journal's scan has read.
func (s *importScan) advance(ctx context.Context, through int64) error {
	for !s.done && s.lastEntry <= through {
		if err := s.page(ctx); err != nil {
			return err
		}
	}
	return nil
}

// finish reads the rest of the events and returns the first problem with
// an event or a group, or nil.
func (s *importScan) finish(ctx context.Context) error {
	for !s.done {
		if err := s.page(ctx); err != nil {
			return err
		}
	}
	if s.found != nil {
		return s.found
	}
	if !s.differs {
		var groups int64
		if err := s.tx.QueryRow(ctx, `SELECT count(*) FROM import_groups`).Scan(&groups); err != nil {
			return err
		}
		// Each group is checked once, at its last event: as many checked
		// as there are is every one.
		if groups == s.checked {
			return nil
		}
	}
	return differingGroup(ctx, s.tx, s.bad)
}

// page reads and checks the next page of events.
func (s *importScan) page(ctx context.Context) error {
	dest, cursor := s.sc.dest, "verify_events"
	if s.beside != nil {
		// Groups are fetched before the events: pgx reads one query's
		// rows at a time.
		if err := s.beside.fill(ctx, s.tx); err != nil {
			return err
		}
		dest, cursor = s.beside.eventDest, "verify_events_beside"
	}
	rows, err := s.tx.Query(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM %s`, journalPage, cursor))
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	n := 0
	if _, err := pgx.ForEachRow(rows, dest, func() error {
		n++
		if s.found != nil || s.switchAt != 0 {
			return nil
		}
		ev, err := s.sc.event()
		s.sc.reset()
		if err != nil {
			s.found = err
			return nil
		}
		var d [usage.DigestSize]byte
		if d, s.buf = usage.Digest(&ev.ev, s.buf); d != ev.digest {
			s.found = s.bad("event %d (%s %q): its content does not match its digest: the event was changed", ev.ev.ID, ev.ev.Source, ev.ev.EventID)
			return nil
		}
		if src, ok := s.sources[ev.ev.BatchID]; !ok || src != ev.ev.Source {
			s.found = s.bad("event %d (%s %q): its source differs from its import batch %d's (%q)", ev.ev.ID, ev.ev.Source, ev.ev.EventID, ev.ev.BatchID, src)
			return nil
		}
		if s.beside != nil {
			l, ok := s.beside.find(groupKey{ev.ev.BatchID, s.gr.group}, ev.ev.ID)
			if !ok {
				s.switchAt = ev.ev.ID
				return nil
			}
			s.link = l
			ev.ev.EntryID = l.entry
			s.gr.first, s.gr.last, s.gr.events = &s.link.first, &s.link.last, &s.link.events
		}
		if ev.ev.EntryID == 0 {
			s.found = s.bad("event %d (%s %q): its import group has no entry", ev.ev.ID, ev.ev.Source, ev.ev.EventID)
			return nil
		}
		s.lastEntry = ev.ev.EntryID
		s.add(&ev.ev)
		if s.beside != nil && ev.ev.ID == s.link.last && len(s.beside.ahead) > 0 {
			delete(s.beside.ahead, groupKey{ev.ev.BatchID, s.gr.group})
		}
		return nil
	}); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return fmt.Errorf("events: %w", err)
		}
		// A row that does not scan is the events' problem, reported in
		// their turn, after the journal's; the server's error is now. One
		// after switchAt is read again by the joined cursor.
		if s.switchAt == 0 {
			s.found = fmt.Errorf("events: %w", err)
		}
	}
	if s.switchAt != 0 {
		return s.join(ctx)
	}
	s.done = n < journalPage || s.found != nil
	return nil
}

// join goes on from event switchAt with the cursor that joins each event to
// its group: the groups read beside the events do not have its group. The
// events before it were summed as that cursor would have (each with its
// group's row, the one the join gives), so the scan goes on where it is.
func (s *importScan) join(ctx context.Context) error {
	groupsBesideFallbacks.Add(1)
	for _, c := range []string{`CLOSE verify_events_beside`, `CLOSE verify_groups`} {
		if _, err := s.tx.Exec(ctx, c); err != nil {
			return fmt.Errorf("events: %w", err)
		}
	}
	from := s.switchAt
	s.beside, s.switchAt = nil, 0
	return s.declareJoined(ctx, from)
}

// groupRange is an event's import group as the events cursor reads it
// beside the event (its entry in ledger.Event.EntryID).
type groupRange struct {
	group       int64
	first, last *int64 // nil without a group
	events      *int64
}

type groupKey struct{ batch, group int64 }

type groupSum struct {
	n     int64
	total ledger.Sum
}

// add sums e into its group if it is in the group's range, and checks the
// group at its last event.
func (s *importScan) add(e *ledger.Event) {
	r := &s.gr
	if s.differs || r.first == nil || e.ID < *r.first || e.ID > *r.last {
		return
	}
	amount := ledger.SumOf(e.Amount)
	if *r.first == *r.last {
		// The group of one event, where each has its own entry.
		s.check(e.EntryID, 1, amount, *r.events)
		return
	}
	k := groupKey{e.BatchID, r.group}
	g := s.open[k]
	if g == nil {
		g = &groupSum{}
		s.open[k] = g
	}
	g.n++
	g.total = g.total.Add(amount)
	if e.ID == *r.last {
		delete(s.open, k)
		s.check(e.EntryID, g.n, g.total, *r.events)
	}
}

// check checks a group whose events are all read: n of them (it says
// events) summing to total, against its entry's first posting, now or
// when the journal's scan reaches it.
func (s *importScan) check(entry, n int64, total ledger.Sum, events int64) {
	if n != events {
		s.differs = true
		return
	}
	first, ok := s.firsts[entry]
	if !ok {
		if _, twice := s.pending[entry]; twice {
			s.differs = true
			return
		}
		s.pending[entry] = total
		return
	}
	delete(s.firsts, entry)
	s.compare(first, total)
}

// first is the journal's scan telling the amount of the first posting
// (seq 1) of entry, an import entry.
func (s *importScan) first(entry int64, amount ledger.Sum) {
	if s.differs || s.found != nil {
		return
	}
	total, ok := s.pending[entry]
	if !ok {
		s.firsts[entry] = amount
		return
	}
	delete(s.pending, entry)
	s.compare(amount, total)
}

func (s *importScan) compare(first, total ledger.Sum) {
	a, ae, aok := first.Units()
	b, be, bok := total.Units()
	if !(aok && bok && ae == be && a == b) && !total.Equal(first.Decimal()) {
		s.differs = true
		return
	}
	s.checked++
}

// differingGroup names the first import group, by batch and number, whose
// events in its range are not as many as it says or do not sum to its
// entry's first posting, or returns nil.
func differingGroup(ctx context.Context, tx pgx.Tx, bad func(string, ...any) error) error {
	differingGroupRuns.Add(1)
	// The groups that differ are gathered first (MATERIALIZED) and only
	// then ordered: under ORDER BY … LIMIT 1 the planner probes postings
	// once a group, in key order, to find a first row that an intact book
	// never has; gathered, it merges them by entry (0.68–0.79× of the
	// server's time at 1M groups, docs/postgres.md).
	var batch, group, entry int64
	err := tx.QueryRow(ctx, `WITH differing AS MATERIALIZED (
			SELECT g.batch_id, g.group_no, g.entry_id FROM import_groups g
			CROSS JOIN LATERAL (SELECT count(*) AS n, sum(e.amount) AS total FROM events e
				WHERE e.id BETWEEN g.first_event AND g.last_event AND e.batch_id = g.batch_id AND e.group_no = g.group_no) ev
			LEFT JOIN postings p ON p.entry_id = g.entry_id AND p.seq = 1
			WHERE ev.n <> g.events OR ev.total IS DISTINCT FROM p.amount)
		SELECT batch_id, group_no, entry_id FROM differing ORDER BY batch_id, group_no LIMIT 1`).Scan(&batch, &group, &entry)
	if err == nil {
		return bad("import batch %d group %d: its events do not add up to entry %d", batch, group, entry)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	return nil
}

// groupsBeside reads import_groups by key through a cursor beside the
// events, instead of the events cursor joining each event to its group (an
// index probe an event, 6.9 s of the server's statement time at 1M events,
// docs/postgres.md). An import numbers its groups in the order of their
// first events and its events are consecutive, so in key order the groups
// come in the order of their first events: a group is read once the events
// reach its first event and held until its last (ahead), and where each
// event has its own entry none is held. Each page of events finds its
// groups among at most a page of groups fetched before it (fill): an event
// is the first of at most one group. An event whose group beside does not
// find (not yet read, already dropped, or none: only in a book that
// differs, or one numbered otherwise) hands the rest of the scan to the
// joined cursor (importScan.join), which gives what it always gave.
type groupsBeside struct {
	rows      []groupRow // fetched; rows[at:] not yet read
	at        int
	done      bool // the cursor is at its end
	ahead     map[groupKey]groupLink
	row       groupRow
	dest      []any
	eventDest []any // the events cursor's columns: no group range
}

type groupRow struct {
	key groupKey
	groupLink
}

// groupLink is an import group's entry, range and count.
type groupLink struct{ entry, first, last, events int64 }

// groupsBesideOn turns groupsBeside on (a variable for the tests).
var groupsBesideOn = true

// groupsBesideFallbacks counts, for the tests, the scans handed to the
// joined cursor.
var groupsBesideFallbacks atomic.Int64

// fill fetches groups until a page of them is waiting, or the cursor ends.
func (b *groupsBeside) fill(ctx context.Context, tx pgx.Tx) error {
	if b.done || len(b.rows)-b.at >= journalPage {
		return nil
	}
	b.rows = b.rows[:copy(b.rows, b.rows[b.at:])]
	b.at = 0
	rows, err := tx.Query(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM verify_groups`, journalPage))
	if err != nil {
		return fmt.Errorf("import groups: %w", err)
	}
	n := 0
	if _, err := pgx.ForEachRow(rows, b.dest, func() error {
		n++
		b.rows = append(b.rows, b.row)
		return nil
	}); err != nil {
		return fmt.Errorf("import groups: %w", err)
	}
	b.done = n < journalPage
	return nil
}

// find returns group k of the event id, reading the groups that start at
// or before id; false if they do not hold it.
func (b *groupsBeside) find(k groupKey, id int64) (groupLink, bool) {
	if len(b.ahead) > 0 {
		if l, ok := b.ahead[k]; ok {
			return l, true
		}
	}
	for b.at < len(b.rows) && b.rows[b.at].first <= id {
		r := &b.rows[b.at]
		b.at++
		if r.key == k && r.first == r.last {
			return r.groupLink, true // a group of one event: never held
		}
		b.ahead[r.key] = r.groupLink
		if r.key == k {
			return r.groupLink, true
		}
	}
	return groupLink{}, false
}

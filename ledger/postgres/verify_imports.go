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
// transaction, each with its group's range, entry and count, a page at a
// time between the journal's pages (advance), as far as the journal's scan
// has come in the entries they name, and then to the end (finish). Each
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
	if _, err := tx.Exec(ctx, `DECLARE verify_events NO SCROLL CURSOR FOR
		SELECT `+eventColumns+`, e.group_no, g.first_event, g.last_event, g.events `+eventFrom+` ORDER BY e.id`); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	s := &importScan{tx: tx, bad: bad, sources: sources, open: map[groupKey]*groupSum{}, firsts: map[int64]ledger.Sum{}, pending: map[int64]ledger.Sum{}}
	s.sc = newEventScanner(&s.gr.group, &s.gr.first, &s.gr.last, &s.gr.events)
	return s, nil
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
	rows, err := s.tx.Query(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM verify_events`, journalPage))
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	n := 0
	if _, err := pgx.ForEachRow(rows, s.sc.dest, func() error {
		n++
		if s.found != nil {
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
		if ev.ev.EntryID == 0 {
			s.found = s.bad("event %d (%s %q): its import group has no entry", ev.ev.ID, ev.ev.Source, ev.ev.EventID)
			return nil
		}
		s.lastEntry = ev.ev.EntryID
		s.add(&ev.ev)
		return nil
	}); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return fmt.Errorf("events: %w", err)
		}
		// A row that does not scan is the events' problem, reported in
		// their turn, after the journal's; the server's error is now.
		s.found = fmt.Errorf("events: %w", err)
	}
	s.done = n < journalPage || s.found != nil
	return nil
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
